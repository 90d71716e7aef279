"""``--out=json``: one JSON document; ``--out-indent`` / ``output_indent`` (negative: one line;
``pretty``: four spaces and sorted keys)."""

from __future__ import annotations

import json
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def output(data: Any, opts: dict[str, Any], fmt: str = "json") -> str:
    indent = opts.get("output_indent")
    sort_keys = False
    if indent is None:
        indent = 4
    elif indent == "pretty":  # Salt's named style: four spaces and sorted keys
        indent, sort_keys = 4, True
    elif not isinstance(indent, int) or indent < 0:
        indent = None  # one line
    return json.dumps(data, indent=indent, default=_default, ensure_ascii=False, sort_keys=sort_keys) + "\n"
