"""Module ``environ``: read and change the process environment of the minion (``os.environ``).

Changes last for the life of the process: with ``saline-call`` that is the rest of the run, so a
state that sets a variable is seen by the commands that later states run.
"""

from __future__ import annotations

import os
from typing import Any

from saline.errors import SaltInvocationError
from saline.loader import Context, Module

mod = Module("environ", doc="Read and set environment variables of the minion process.")


@mod.query
def get(ctx: Context, key: str, default: Any = "") -> Any:
    """Return the value of environment variable ``key``, or ``default`` when it is not set.

    CLI Example: ``saline-call --local environ.get HOME``
    """
    return os.environ.get(str(key), default)


@mod.query
def has_value(ctx: Context, key: str, value: Any = None) -> bool:
    """Return True when ``key`` is set (and, with ``value``, set to exactly that string).

    CLI Example: ``saline-call --local environ.has_value LANG C.UTF-8``
    """
    if str(key) not in os.environ:
        return False
    return value is None or os.environ[str(key)] == value


@mod.query
def item(ctx: Context, keys: Any, default: Any = "") -> dict[str, Any]:
    """Return ``{key: value}`` for one key or a list of keys; unset keys get ``default``.

    CLI Example: ``saline-call --local environ.item '[HOME, PATH]'``
    """
    names = keys if isinstance(keys, list | tuple) else [keys]
    return {str(k): os.environ.get(str(k), default) for k in names}


@mod.query
def items(ctx: Context) -> dict[str, str]:
    """Return the whole environment as a dict.

    CLI Example: ``saline-call --local environ.items``
    """
    return dict(os.environ)


def _assign(key: str, val: Any, false_unsets: bool) -> str | None:
    if val is False:
        if false_unsets:
            os.environ.pop(key, None)
            return None
        val = ""
    os.environ[key] = val
    return val


@mod.action
def setval(ctx: Context, key: str, val: Any, false_unsets: bool = False, permanent: bool = False) -> Any:
    """Set ``key`` to the string ``val`` and return the new value.

    ``val`` False sets an empty string, or unsets the key (returning None) with ``false_unsets``.
    A value that is not a string is refused with an error log and False, as in Salt.
    ``permanent`` writes the Windows registry in Salt; there is no such store on Linux, so it is
    accepted and has no further effect.

    CLI Example: ``saline-call --local environ.setval DEPLOY_ENV prod``
    """
    if val is not False and not isinstance(val, str):
        ctx.log.error("environ.setval: '%s' is not a string; refusing to set %s", val, key)
        return False
    return _assign(str(key), val, bool(false_unsets))


@mod.action
def setenv(ctx: Context, environ: Any, false_unsets: bool = False, clear_all: bool = False,
           update_minion: bool = False, permanent: bool = False) -> Any:
    """Set several variables from the dict ``environ``; return ``{key: new value}`` of every change.

    Values follow :func:`setval` (False: empty, or unset with ``false_unsets``). ``clear_all`` also
    clears every variable not named in ``environ``. ``update_minion`` is accepted for Salt
    compatibility: modules run inside the minion process here, so changes always reach it.

    CLI Example: ``saline-call --local environ.setenv '{APP_ENV: prod, DEBUG: false}' false_unsets=True``
    """
    if not isinstance(environ, dict):
        ctx.log.error("environ.setenv: 'environ' must be a dict, not %s", type(environ).__name__)
        return False
    for key, val in environ.items():
        if val is not False and not isinstance(val, str):
            ctx.log.error("environ.setenv: the value of %s is not a string", key)
            return False
    if not all(isinstance(k, str) and k and "=" not in k for k in environ):
        raise SaltInvocationError("environ.setenv: variable names must be non-empty strings without '='")
    changes: dict[str, Any] = {}
    if clear_all:
        for key in [k for k in os.environ if k not in environ]:
            changes[key] = _assign(key, False, bool(false_unsets))
    for key, val in environ.items():
        changes[key] = _assign(key, val, bool(false_unsets))
    return changes
