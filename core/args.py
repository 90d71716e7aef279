"""Command-line argument parsing the way Salt does it.

Positional values are YAML-typed (``007`` -> 7, ``yes`` -> True), an argument of the form
``key=value`` whose key is an identifier (dots and dashes allowed) is a keyword argument, dicts
and lists must be written with braces/brackets to be parsed, and values that YAML would eat
(``#comment``, ``!``, ``|``, digits with underscores) stay strings.
"""

from __future__ import annotations

import re
from typing import Any

_KWARG_RE = re.compile(r"^([^\d\W][\w.-]*)=(?!=)(.*)$", re.UNICODE | re.DOTALL)


def yamlify(arg: Any) -> Any:
    """Type one CLI value like Salt: YAML scalars, bracketed lists and braced dicts."""
    if not isinstance(arg, str):
        return arg
    stripped = arg.strip()
    if not stripped or (("_" in stripped) and all(c in "0123456789_" for c in stripped)):
        return arg
    if arg == "None":
        return None
    from saline.yamlload import safe_load

    try:
        value = safe_load(arg)
    except Exception:
        return arg
    if "#" in arg and (value is None or isinstance(value, str)):
        return arg  # '#' would start a YAML comment and lose text
    if isinstance(value, dict):
        return value if stripped.startswith("{") else arg
    if isinstance(value, list):
        return value if stripped.startswith("[") else arg
    if value is None and stripped not in ("null", "Null", "NULL", "~"):
        return arg
    if value == "" and stripped in ("|", "!", ">"):
        return arg
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return arg


def parse_cli_args(argv: list[str]) -> tuple[list[Any], dict[str, Any]]:
    """Split ``argv`` into typed positional args and keyword args."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for raw in argv:
        match = _KWARG_RE.match(raw)
        if match:
            kwargs[match.group(1)] = yamlify(match.group(2))
        else:
            args.append(yamlify(raw))
    return args, kwargs
