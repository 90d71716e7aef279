"""``--out=json``: one JSON document; ``--out-indent`` (negative: one line), ``--static``."""

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
    if indent is None:
        indent = 4
    if indent < 0:
        return json.dumps(data, default=_default, ensure_ascii=False) + "\n"
    return json.dumps(data, indent=indent, default=_default, ensure_ascii=False) + "\n"
