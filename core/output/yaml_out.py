"""``--out=yaml``: block-style YAML, as Salt prints it."""

from __future__ import annotations

from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    pass


def _represent_tuple(dumper: yaml.SafeDumper, value: tuple[Any, ...]) -> yaml.Node:
    return dumper.represent_list(list(value))


_Dumper.add_representer(tuple, _represent_tuple)
_Dumper.add_representer(set, lambda d, v: d.represent_list(sorted(v, key=str)))


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
