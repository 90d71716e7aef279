"""Matching ``key:value`` expressions against nested data (grain and pillar targeting).

Semantics follow Salt's documented grain/pillar matching:

* the expression is split on the delimiter and every split point is tried, the longest key
  first: ``a:b:c`` means key ``a:b`` with value ``c``, then key ``a`` with value ``b:c``;
  keys are looked up with :func:`saline.data.traverse` (nested dicts, list indexes and
  dicts embedded in lists);
* comparison is case-insensitive, on the text form of the value (``true``, ``none``, ``2``);
* a list value matches when any member does; a dict value matches when the pattern is ``*``,
  names one of its keys, or matches one of its ``key:value`` pairs;
* ``*:value`` searches every top-level value;
* a missing key (or an empty dict) never matches.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from typing import Any

from saline.errors import SaltInvocationError

MODES = ("glob", "pcre", "exact")

_MISSING = object()


def check_pcre(pattern: str, what: str) -> None:
    """Raise a clear SaltInvocationError when ``pattern`` is not a valid regular expression."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise SaltInvocationError(f"Invalid regular expression in {what} '{pattern}': {exc}") from None


def _text(value: Any) -> str:
    return str(value).lower()


def scalar_match(value: Any, pattern: Any, mode: str) -> bool:
    target, pat = _text(value), _text(pattern)
    if mode == "exact":
        return target == pat
    if mode == "pcre":
        try:
            return re.match(pat, target) is not None
        except re.error:
            # Only one split point of the expression; the caller validated the full pattern.
            return False
    return fnmatch.fnmatchcase(target, pat)


def _dict_match(target: Mapping[Any, Any], pattern: str, mode: str, delimiter: str) -> bool:
    prefix = "*" + delimiter
    wildcard = pattern.startswith(prefix)
    if wildcard:
        pattern = pattern[len(prefix):]
    if pattern == "*" or pattern in target:
        return True
    if subdict_match(target, pattern, delimiter=delimiter, mode=mode, _validated=True):
        return True
    if not wildcard:
        return False
    for value in target.values():
        if isinstance(value, Mapping):
            if _dict_match(value, pattern, mode, delimiter):
                return True
        elif isinstance(value, list | tuple):
            if any(scalar_match(item, pattern, mode) for item in value):
                return True
        elif scalar_match(value, pattern, mode):
            return True
    return False


def _value_match(value: Any, pattern: str, mode: str, delimiter: str) -> bool:
    if isinstance(value, Mapping):
        return _dict_match(value, pattern, mode, delimiter)
    if isinstance(value, list | tuple):
        for member in value:
            if isinstance(member, Mapping) and _dict_match(member, pattern, mode, delimiter):
                return True
            if scalar_match(member, pattern, mode):
                return True
        return False
    return scalar_match(value, pattern, mode)


def subdict_match(
    data: Mapping[str, Any],
    expr: str,
    *,
    delimiter: str = ":",
    mode: str = "glob",
    _validated: bool = False,
) -> bool:
    """True when ``expr`` (``key[:subkey...]:pattern``) matches ``data``.

    ``mode`` is ``glob`` (fnmatch), ``pcre`` (``re.match``) or ``exact`` (equality); all three
    compare case-insensitively. An expression without the delimiter never matches.
    """
    from saline.data import traverse

    if mode not in MODES:
        raise SaltInvocationError(f"Unknown match mode '{mode}' (expected one of {', '.join(MODES)})")
    if not isinstance(expr, str):
        raise SaltInvocationError(f"A target expression must be a string, not {type(expr).__name__}")
    parts = expr.split(delimiter)
    if len(parts) < 2:
        return False
    if mode == "pcre" and not _validated:
        check_pcre(_text(delimiter.join(parts[1:])), "target")
    for cut in range(len(parts) - 1, 0, -1):
        key = delimiter.join(parts[:cut])
        if key == "*":
            value, pattern = data, expr
        else:
            value = traverse(data, key, _MISSING, delimiter=delimiter)
            pattern = delimiter.join(parts[cut:])
        if value is _MISSING or (isinstance(value, Mapping) and not value):
            continue
        if _value_match(value, pattern, mode, delimiter):
            return True
    return False
