"""``--out=yaml``: block-style YAML, as Salt prints it.

Plain dicts come out with sorted keys and OrderedDicts (rendered SLS data) in their own order, like
Salt's ordered dumper; tuples and sets are lists, bytes are text, anything else is its string form.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    pass


def _represent_ordered(dumper: yaml.SafeDumper, value: OrderedDict[Any, Any]) -> yaml.Node:
    # a list of pairs is not re-sorted by represent_mapping
    return dumper.represent_mapping("tag:yaml.org,2002:map", list(value.items()))


def _represent_other(dumper: yaml.SafeDumper, value: Any) -> yaml.Node:
    return dumper.represent_str(str(value))


_Dumper.add_representer(tuple, lambda d, v: d.represent_list(list(v)))
_Dumper.add_representer(set, lambda d, v: d.represent_list(sorted(v, key=str)))
_Dumper.add_representer(frozenset, lambda d, v: d.represent_list(sorted(v, key=str)))
_Dumper.add_representer(bytes, lambda d, v: d.represent_str(v.decode("utf-8", "replace")))
_Dumper.add_multi_representer(OrderedDict, _represent_ordered)
# subclasses of the basic types (defaultdict, str enums, ...) keep their base type's form
_Dumper.add_multi_representer(dict, yaml.SafeDumper.represent_dict)
_Dumper.add_multi_representer(list, yaml.SafeDumper.represent_list)
_Dumper.add_multi_representer(str, lambda d, v: d.represent_str(str.__str__(v)))
_Dumper.add_multi_representer(int, lambda d, v: d.represent_int(int(v)))
_Dumper.add_multi_representer(float, lambda d, v: d.represent_float(float(v)))
_Dumper.add_multi_representer(object, _represent_other)


def output(data: Any, opts: dict[str, Any], fmt: str = "yaml") -> str:
    indent = opts.get("output_indent")
    kwargs: dict[str, Any] = {"default_flow_style": False, "allow_unicode": True}
    if not isinstance(indent, int):
        indent = None  # `pretty` is a json style
    if indent is not None and indent > 0:
        kwargs["indent"] = indent
    elif indent is not None and indent < 0:
        kwargs["default_flow_style"] = True
    return yaml.dump(data, Dumper=_Dumper, **kwargs)
