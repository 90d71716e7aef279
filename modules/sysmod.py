"""Module ``sys``: what modules and functions this minion has, their docs and signatures."""

from __future__ import annotations

import fnmatch
import inspect
from typing import Any

from saline.loader import Context, Function, Module, list_modules, load_module, missing_modules

mod = Module("sys", doc="Introspection of the loaded execution modules.")


def _grains(ctx: Context) -> Any:
    return lambda: ctx.grains


def _functions(ctx: Context) -> list[Function]:
    found = []
    for name in list_modules(_grains(ctx)):
        module = load_module(name, _grains(ctx))
        if module is not None:
            found.extend(module.functions[f] for f in sorted(module.functions))
    return found


def _select(ctx: Context, patterns: tuple[str, ...]) -> list[Function]:
    """Functions matching any of ``patterns``: ``mod``, ``mod.fun`` or shell globs of either."""
    functions = _functions(ctx)
    if not patterns:
        return functions
    chosen = []
    for fn in functions:
        for pattern in patterns:
            pattern = str(pattern)
            if fnmatch.fnmatch(fn.full_name, pattern) or (
                "." not in pattern and fnmatch.fnmatch(fn.module.name, pattern)
            ):
                chosen.append(fn)
                break
    return chosen


@mod.query(name="list_modules")
def list_modules_(ctx: Context, *args: str) -> list[str]:
    """List the available execution modules, optionally filtered by shell globs.

    CLI Example: ``saline-call --local sys.list_modules 'p*'``
    """
    names = list_modules(_grains(ctx))
    if args:
        names = [n for n in names if any(fnmatch.fnmatch(n, str(p)) for p in args)]
    return names


@mod.query
def list_functions(ctx: Context, *args: str) -> list[str]:
    """List functions, all or those of the named modules (``test``, ``test.*``, ``file.get_*``).

    CLI Example: ``saline-call --local sys.list_functions test``
    """
    return sorted(fn.full_name for fn in _select(ctx, args))


@mod.query
def doc(ctx: Context, *args: str) -> dict[str, str]:
    """Return ``{function: docstring}`` for all functions or those matching the arguments.

    CLI Example: ``saline-call --local sys.doc test.ping``
    """
    return {fn.full_name: fn.doc for fn in _select(ctx, args)}


def _argspec(function: Function) -> dict[str, Any]:
    params = list(inspect.signature(function.fn).parameters.values())[1:]  # drop ctx
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    keyword_only = [p for p in params if p.kind == p.KEYWORD_ONLY]
    names = [p.name for p in positional + keyword_only]
    defaults = [p.default for p in positional + keyword_only if p.default is not p.empty]
    return {
        "args": names or None,
        "defaults": defaults or None,
        "varargs": True if any(p.kind == p.VAR_POSITIONAL for p in params) else None,
        "kwargs": True if any(p.kind == p.VAR_KEYWORD for p in params) else None,
    }


@mod.query
def argspec(ctx: Context, *args: str) -> dict[str, dict[str, Any]]:
    """Return the argument specification of functions: ``{args, defaults, varargs, kwargs}``.

    CLI Example: ``saline-call --local sys.argspec pkg.install``
    """
    return {fn.full_name: _argspec(fn) for fn in _select(ctx, args)}


@mod.query
def missing(ctx: Context) -> dict[str, str]:
    """Return ``{module: reason}`` for modules that exist but cannot be used on this system.

    A Saline addition: Salt hides unavailable modules without saying why.

    CLI Example: ``saline-call --local sys.missing``
    """
    return missing_modules(_grains(ctx))
