"""The plain outputters: ``raw`` (Python repr of everything), ``pprint`` (the same, pretty-printed
with sorted keys), ``txt`` (``id: value`` per minion), ``newline_values_only`` (values only) and
``quiet`` (nothing)."""

from __future__ import annotations

from typing import Any


def output(data: Any, opts: dict[str, Any], fmt: str = "raw") -> str:
    if fmt == "quiet":
        return ""
    if fmt == "raw":
        return f"{data}\n"
    if fmt == "pprint":
        import pprint

        return pprint.pformat(data) + "\n"
    if not isinstance(data, dict):
        return f"{data}\n"
    lines: list[str] = []
    for minion, value in data.items():
        if fmt == "txt":
            if isinstance(value, str):
                lines.extend(f"{minion}: {line}" for line in value.splitlines())
            else:
                lines.append(f"{minion}: {value}")
        elif isinstance(value, (list, tuple)):
            lines.extend(str(item) for item in value)
        else:
            lines.append(str(value))
    return "".join(f"{line}\n" for line in lines)
