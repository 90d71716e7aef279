"""Salt's default ``nested`` outputter: indented keys, ``----------`` before mappings, ``|_`` for
nested sequences.

As in Salt: plain dicts print in sorted key order, OrderedDicts (rendered SLS data) in their own
order; escape characters inside strings print as ``?``; when the function set a non-zero return
code (``_retcode``), keys, dashes and ``|_`` are red.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from numbers import Number
from typing import Any

from saline.output.colors import palette


class _Nested:
    def __init__(self, color: bool, retcode: int = 0) -> None:
        self.c = palette(color)
        self.key_color = self.c["RED"] if retcode else self.c["CYAN"]
        self.list_color = self.c["RED"] if retcode else self.c["GREEN"]

    def _scalar_color(self, value: Any) -> str:
        if value is None or isinstance(value, (bool, Number)):
            return self.c["LIGHT_YELLOW"]
        return self.c["GREEN"]

    def display(self, value: Any, indent: int, prefix: str, out: list[str]) -> None:
        c = self.c
        pad = " " * indent
        if value is None or isinstance(value, bool):
            out.append(f"{pad}{self._scalar_color(value)}{prefix}{value}{c['ENDC']}")
        elif isinstance(value, Number):
            out.append(f"{pad}{self._scalar_color(value)}{prefix}{value!r}{c['ENDC']}")
        elif isinstance(value, (str, bytes)):
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
            first = True
            for line in text.splitlines():  # Salt prints nothing at all for an empty string
                lead = prefix if first else " " * len(prefix)
                line = line.replace("\033", "?")  # data must not drive the terminal
                out.append(f"{pad}{c['GREEN']}{lead}{line}{c['ENDC']}")
                first = False
        elif isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                if isinstance(item, (Mapping, list, tuple, set, frozenset)):
                    out.append(f"{pad}{self.list_color}|_{c['ENDC']}")
                    self.display(item, indent + 2, "" if isinstance(item, Mapping) else "- ", out)
                else:
                    self.display(item, indent, "- ", out)
        elif isinstance(value, Mapping):
            if indent:
                out.append(f"{pad}{self.key_color}----------{c['ENDC']}")
            for key in _ordered_keys(value):
                val = value[key]
                out.append(f"{pad}{self.key_color}{prefix}{key}{c['ENDC']}:")
                self.display(val, indent + 4, "", out)
        else:
            out.append(f"{pad}{c['GREEN']}{prefix}{value}{c['ENDC']}")


def _ordered_keys(mapping: Mapping[Any, Any]) -> list[Any]:
    if isinstance(mapping, OrderedDict):
        return list(mapping)
    try:
        return sorted(mapping)
    except TypeError:
        return sorted(mapping, key=str)


def output(data: Any, opts: dict[str, Any], fmt: str = "nested") -> str:
    lines: list[str] = []
    _Nested(bool(opts.get("color")), int(opts.get("_retcode") or 0)).display(data, 0, "", lines)
    return "".join(f"{line}\n" for line in lines)
