"""Salt's default ``nested`` outputter: indented keys, ``----------`` before mappings, ``|_`` for
nested sequences."""

from __future__ import annotations

from numbers import Number
from typing import Any

from saline.output.colors import palette


class _Nested:
    def __init__(self, color: bool) -> None:
        self.c = palette(color)

    def _scalar_color(self, value: Any) -> str:
        if value is None or isinstance(value, (bool, Number)):
            return self.c["LIGHT_YELLOW"]
        return self.c["GREEN"]

    def display(self, value: Any, indent: int, prefix: str, out: list[str]) -> None:
        c = self.c
        pad = " " * indent
        if value is None or isinstance(value, (bool, Number)):
            out.append(f"{pad}{self._scalar_color(value)}{prefix}{value}{c['ENDC']}")
        elif isinstance(value, (str, bytes)):
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
            first = True
            for line in text.splitlines():  # Salt prints nothing at all for an empty string
                lead = prefix if first else " " * len(prefix)
                out.append(f"{pad}{c['GREEN']}{lead}{line}{c['ENDC']}")
                first = False
        elif isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                if isinstance(item, (dict, list, tuple, set, frozenset)):
                    out.append(f"{pad}{c['GREEN']}|_{c['ENDC']}")
                    self.display(item, indent + 2, "" if isinstance(item, dict) else "- ", out)
                else:
                    self.display(item, indent, "- ", out)
        elif isinstance(value, dict):
            if indent:
                out.append(f"{pad}{c['CYAN']}----------{c['ENDC']}")
            for key in _sorted_keys(value):
                val = value[key]
                out.append(f"{pad}{c['CYAN']}{prefix}{key}{c['ENDC']}:")
                self.display(val, indent + 4, "", out)
        else:
            out.append(f"{pad}{c['GREEN']}{prefix}{value}{c['ENDC']}")


def _sorted_keys(mapping: dict[Any, Any]) -> list[Any]:
    try:
        return sorted(mapping)
    except TypeError:
        return sorted(mapping, key=str)


def output(data: Any, opts: dict[str, Any], fmt: str = "nested") -> str:
    lines: list[str] = []
    _Nested(bool(opts.get("color"))).display(data, 0, "", lines)
    return "".join(f"{line}\n" for line in lines)
