"""Salt's Jinja globals (``raise``, ``ifelse``, ``odict``, ``show_full_context``) and tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jinja2
from jinja2 import pass_context
from saline.renderers.odict import TemplateOrderedDict


def jinja_raise(message: Any) -> None:
    """``{{ raise("message") }}`` stops rendering with that message."""
    raise jinja2.TemplateRuntimeError(f"raise(): {message}")


@pass_context
def ifelse(context: Any, *args: Any) -> Any:
    """``ifelse('G@os:Debian', 'apt', 'I@role:x', 'y', 'default')``: first matching compound target wins.

    Targets are checked against this minion with ``match.compound``; the last odd argument is the
    default (None when absent).
    """
    salt = context.environment.saline_job.ctx.salt
    pairs = list(args)
    default = pairs.pop() if len(pairs) % 2 else None
    for target, value in zip(pairs[::2], pairs[1::2], strict=True):
        if salt["match.compound"](target):
            return value
    return default


def _simple(value: Any) -> bool:
    if isinstance(value, (str, int, float, bool, type(None))):
        return True
    if isinstance(value, (list, tuple)):
        return all(_simple(v) for v in value)
    if isinstance(value, dict):
        return all(_simple(k) and _simple(v) for k, v in value.items())
    return False


@pass_context
def show_full_context(context: Any) -> dict[str, Any]:
    """Every plain-data variable of the current template context (for debugging templates)."""
    return {k: v for k, v in sorted(context.get_all().items()) if _simple(v)}


GLOBALS: dict[str, Any] = {
    "raise": jinja_raise,
    "ifelse": ifelse,
    "odict": TemplateOrderedDict,
    "show_full_context": show_full_context,
}


def test_match(value: Any, regex: str, ignorecase: bool = False, multiline: bool = False) -> bool:
    """``x is match('re')``: the regex matches at the start of ``value``."""
    flags = (re.IGNORECASE if ignorecase else 0) | (re.MULTILINE if multiline else 0)
    return re.match(regex, str(value), flags) is not None


def test_equalto(value: Any, other: Any) -> bool:
    return bool(value == other)


def test_list(value: Any) -> bool:
    return isinstance(value, list)


TESTS: dict[str, Callable[..., bool]] = {
    "match": test_match,
    "equalto": test_equalto,
    "list": test_list,
}
