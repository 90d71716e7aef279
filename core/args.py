"""Command-line argument parsing the way ``salt-call`` does it.

The rules below were checked one by one against real Salt (tests/cases/args/ holds the table):

- ``key=value`` is a keyword argument when ``key`` starts with a letter or ``_`` and goes on with
  letters, digits, ``_``, ``.`` or ``-`` (``a==b``, ``1a=2``, ``a b=c`` stay positional strings);
- every value is typed as a YAML scalar (``007`` -> 7, ``yes`` -> True, ``1:30`` -> 90, ``~`` -> None),
  but lists and dicts only when written with ``[`` / ``{`` first, multi-line values and digit groups
  with underscores (``1_000``) stay verbatim, a ``#`` that YAML would treat as a comment keeps the
  text, and values YAML cannot load (``{a: 1``, ``!tag x``) stay strings;
- a positional value that becomes a ``key=value`` string once typed (``'a=b'``, ``"  a=b"``) is a
  keyword argument too, as it is for Salt's minion, which parses string arguments a second time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# `$` without DOTALL: "a=x\ny" is positional, "a=x\n" is a=x (as in Salt)
_KWARG_RE = re.compile(r"^([^\d\W][\w.-]*)=(?!=)(.*)$", re.UNICODE)
_DIGIT_GROUPS = frozenset("0123456789_")


def yamlify(arg: Any) -> Any:
    """Type one CLI value like Salt: YAML scalars, bracketed lists and braced dicts."""
    if not isinstance(arg, str) or "\n" in arg:
        return arg
    stripped = arg.strip()
    if not stripped or ("_" in stripped and set(stripped) <= _DIGIT_GROUPS):
        return arg
    if arg == "None":
        return None
    from saline.yamlload import safe_load

    try:
        value = safe_load(arg)
    except Exception:
        return arg
    if "#" in arg and (value is None or isinstance(value, str)):
        return arg  # YAML read part of it as a comment
    if isinstance(value, dict):
        return value if arg.startswith("{") else arg
    if isinstance(value, list):
        return value if arg.startswith("[") else arg
    if value == "" and arg in ("|", "!"):
        return arg  # YAML reads a lone indicator as an empty string
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return arg  # tagged oddities (!!binary, !!set, ...): keep the text


def split_kwarg(text: str) -> tuple[str, str] | None:
    """``(key, raw value)`` when ``text`` is a keyword argument, else None."""
    match = _KWARG_RE.match(text)
    return (match.group(1), match.group(2)) if match else None


def parse_cli_args(
    argv: Iterable[str], no_parse: Iterable[str] = ()
) -> tuple[list[Any], dict[str, Any]]:
    """Split ``argv`` into typed positional args and keyword args.

    ``no_parse`` names keyword arguments whose values stay plain strings (``--no-parse``).
    """
    raw_keys = set(no_parse)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}

    def add_kwarg(key: str, value: str) -> None:
        kwargs[key] = value if key in raw_keys else yamlify(value)

    for raw in argv:
        pair = split_kwarg(raw) if isinstance(raw, str) else None
        if pair:
            add_kwarg(*pair)
            continue
        value = yamlify(raw)
        pair = split_kwarg(value) if isinstance(value, str) and value != raw else None
        if pair:
            add_kwarg(*pair)
        else:
            args.append(value)
    return args, kwargs
