"""Serialising filters with Salt's exact output: ``yaml``, ``json``/``tojson``, ``yaml_*``, ``load_*``.

Formats checked against Salt 3007: ``{{ {"b": 1, "a": 2} | yaml }}`` prints ``{a: 2, b: 1}`` (plain
dicts sorted, ordered dicts in their order, unicode kept, no ``...`` end marker); ``| json`` sorts
keys; ``| tojson`` keeps them and escapes ``<>&'`` as Jinja does.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import yaml
from saline.renderers.odict import SaltOrderedDict, TemplateOrderedDict


class FilterError(Exception):
    """A filter got a value it cannot handle; reported as a render error at the template line.

    ``data_line`` is the line inside the parsed text (YAML/JSON) when known: a ``load_*`` block or an
    ``import_*`` file uses it to point at the right line of the file.
    """

    def __init__(self, message: str, data_line: int | None = None, text: str | None = None) -> None:
        super().__init__(message)
        self.data_line = data_line
        self.text = text


class _Dumper(yaml.SafeDumper):
    pass


def _represent_ordered(dumper: yaml.SafeDumper, data: OrderedDict) -> yaml.Node:  # type: ignore[type-arg]
    return dumper.represent_mapping("tag:yaml.org,2002:map", list(data.items()))


def _represent_str_subclass(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    return dumper.represent_str(str(data))


def _represent_other(dumper: yaml.SafeDumper, data: Any) -> yaml.Node:
    from collections.abc import Mapping

    if isinstance(data, Mapping):
        return dumper.represent_dict(dict(data))
    if isinstance(data, (set, frozenset)):
        return dumper.represent_list(sorted(data, key=repr))
    if isinstance(data, (list, tuple)) or (hasattr(data, "__iter__") and not isinstance(data, (str, bytes))):
        return dumper.represent_list(list(data))
    raise yaml.representer.RepresenterError(f"cannot represent an object of type {type(data).__name__}")


_Dumper.add_representer(OrderedDict, _represent_ordered)
_Dumper.add_representer(SaltOrderedDict, _represent_ordered)
_Dumper.add_representer(TemplateOrderedDict, _represent_ordered)
_Dumper.add_representer(tuple, _Dumper.represent_list)
_Dumper.add_multi_representer(str, _represent_str_subclass)
_Dumper.add_representer(None, _represent_other)  # type: ignore[arg-type]


def _undefined_check(value: Any) -> None:
    from jinja2 import Undefined

    if isinstance(value, Undefined):
        # rendering an undefined value raises Jinja's own error (names the variable)
        str(value)
        raise FilterError("cannot serialise an undefined value")


def dump_yaml(value: Any, flow_style: bool | None = True) -> str:
    """Salt's ``yaml`` filter: flow style by default, ``yaml(False)`` for block style."""
    _undefined_check(value)
    try:
        text = yaml.dump(value, Dumper=_Dumper, default_flow_style=flow_style, allow_unicode=True)
    except yaml.YAMLError as exc:
        raise FilterError(f"yaml filter: {exc}") from None
    text = text.strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")]
    elif text == "...":
        text = ""
    return text


def _json_default(obj: Any) -> Any:
    from collections.abc import Mapping

    if isinstance(obj, Mapping):
        return dict(obj)
    if isinstance(obj, (set, frozenset, tuple)) or (hasattr(obj, "__iter__") and not isinstance(obj, (str, bytes))):
        return list(obj)
    if isinstance(obj, bytes):
        return obj.decode("utf-8", "replace")
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def dump_json(value: Any, sort_keys: bool = True, indent: int | None = None, **kwargs: Any) -> str:
    """Salt's ``json`` filter: keys sorted by default, non-ASCII kept."""
    _undefined_check(value)
    kwargs.setdefault("ensure_ascii", False)
    try:
        return json.dumps(value, sort_keys=sort_keys, indent=indent, default=_json_default, **kwargs)
    except (TypeError, ValueError) as exc:
        raise FilterError(f"json filter: {exc}") from None


def tojson(value: Any, indent: int | None = None, **kwargs: Any) -> str:
    """Salt's ``tojson``: key order kept, ``<``, ``>``, ``&`` and ``'`` escaped for safe embedding."""
    _undefined_check(value)
    kwargs.setdefault("ensure_ascii", True)
    try:
        text = json.dumps(value, indent=indent, default=_json_default, **kwargs)
    except (TypeError, ValueError) as exc:
        raise FilterError(f"tojson filter: {exc}") from None
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("'", "\\u0027"))


def _as_text(value: Any, name: str) -> str:
    from jinja2.environment import TemplateModule

    if isinstance(value, TemplateModule):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if not isinstance(value, str):
        raise FilterError(f"{name} expects a string, got {type(value).__name__}")
    return value


def load_yaml(value: Any) -> Any:
    """Parse YAML text with Salt's semantics (``0644`` is 644, duplicate keys are an error)."""
    from saline.yamlload import safe_load

    text = _as_text(value, "load_yaml")
    try:
        return safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1} of the YAML text" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FilterError(f"load_yaml: {problem}{where}", mark.line + 1 if mark else None, text) from None


def load_json(value: Any) -> Any:
    text = _as_text(value, "load_json")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FilterError(f"load_json: {exc.msg} at line {exc.lineno}, column {exc.colno} of the JSON text",
                          exc.lineno, text) from None


class BlockDataError(FilterError):
    """Bad data inside a ``{% load_yaml %}``/``{% load_json %}`` block."""


def load_yaml_block(value: Any) -> Any:
    try:
        return load_yaml(value)
    except FilterError as exc:
        raise BlockDataError(str(exc), exc.data_line, exc.text) from None


def load_json_block(value: Any) -> Any:
    try:
        return load_json(value)
    except FilterError as exc:
        raise BlockDataError(str(exc), exc.data_line, exc.text) from None


def load_text(value: Any) -> str:
    return _as_text(value, "load_text")


_SCALARS = (str, int, float, bool, type(None))


def yaml_encode(value: Any) -> str:
    """A scalar as a YAML flow scalar (strings double-quoted, ``é`` escaped like Salt)."""
    _undefined_check(value)
    if not isinstance(value, _SCALARS):
        raise FilterError(f"yaml_encode only works with YAML scalar data, got {type(value).__name__}")
    if isinstance(value, str):
        return yaml_dquote(value)
    text = yaml.safe_dump(value, default_flow_style=True).strip()
    return text[: -len("\n...")] if text.endswith("\n...") else text


def yaml_dquote(value: Any) -> str:
    """A double-quoted YAML string."""
    if not isinstance(value, str):
        value = str(value)
    emitter_out = yaml.safe_dump(value, default_style='"', width=float("inf")).strip()  # type: ignore[arg-type]
    return emitter_out[: -len("\n...")] if emitter_out.endswith("\n...") else emitter_out


def yaml_squote(value: Any) -> str:
    """A single-quoted YAML string."""
    if not isinstance(value, str):
        value = str(value)
    emitter_out = yaml.safe_dump(value, default_style="'", width=float("inf"), allow_unicode=True).strip()  # type: ignore[arg-type]
    return emitter_out[: -len("\n...")] if emitter_out.endswith("\n...") else emitter_out


def python_repr(value: Any) -> str:
    """Salt's ``python`` filter: the value pretty-printed as Python."""
    import pprint

    return pprint.pformat(value)


def dict_to_sls_yaml_params(value: Any, flow_style: bool | None = False) -> str:
    """A mapping as a state's argument list: ``- key: value`` lines."""
    from collections.abc import Mapping

    if not isinstance(value, Mapping):
        raise FilterError(f"dict_to_sls_yaml_params expects a mapping, got {type(value).__name__}")
    return dump_yaml([{k: v} for k, v in value.items()], flow_style)
