"""Helpers for nested data: ``a:b:c`` look-ups in dicts and lists, as grains.get, pillar.get and
config.get do them in Salt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_DELIMITER = ":"

_MISSING = object()


def _typed_key(segment: str) -> Any:
    """The segment typed like a CLI argument (``"1"`` -> 1, ``"true"`` -> True), or _MISSING when
    that changes nothing or gives a collection: a second chance for keys that are numbers or
    booleans in the data but always strings in a path."""
    if any(ch in segment for ch in "\t\r\n"):
        return _MISSING
    from saline.args import yamlify

    value = yamlify(segment)
    if isinstance(value, (dict, list)) or value == segment:
        return _MISSING
    return value


def _step_list(node: Sequence[Any], segment: Any) -> Any:
    """One path step into a list: a dict inside the list holding the key wins, else an index."""
    try:
        index: Any = int(segment)
    except (TypeError, ValueError):
        index = _MISSING
    wanted = segment if index is _MISSING else index
    for item in node:
        if isinstance(item, Mapping) and wanted in item:
            return item[wanted]
    if index is _MISSING:
        return _MISSING
    try:
        return node[index]
    except IndexError:
        return _MISSING


def _step_mapping(node: Mapping[Any, Any], segment: Any) -> Any:
    if segment in node:
        return node[segment]
    if not isinstance(segment, str):
        return _MISSING
    typed = _typed_key(segment)
    if typed is _MISSING:
        return _MISSING
    try:
        return node.get(typed, _MISSING)
    except TypeError:
        return _MISSING


def traverse(data: Any, key: Any, default: Any = None, delimiter: str = DEFAULT_DELIMITER) -> Any:
    """Follow ``key`` (``"a:b:0"``, or a list of segments) through nested dicts and lists.

    In a list a numeric segment is an index, unless a dict in the list has that key; a name
    segment picks the first dict in the list holding it. A segment that misses as text is tried
    again as a YAML scalar, so ``"1"`` finds the integer key ``1``. Returns ``default`` when the
    path does not exist or runs into a scalar.
    """
    if isinstance(key, str):
        segments: list[Any] = key.split(delimiter)
    elif isinstance(key, int) and not isinstance(key, bool):
        segments = [key]
    else:
        segments = list(key)
    node = data
    for segment in segments:
        if isinstance(node, list):
            node = _step_list(node, segment)
        elif isinstance(node, Mapping):
            node = _step_mapping(node, segment)
        else:
            return default
        if node is _MISSING:
            return default
    return node
