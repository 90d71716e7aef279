"""Calling one state function: look it up, bind the chunk's arguments, plan, then apply or report.

A state function is called with a *planning* context (``@action`` execution functions refused). When
it returns a :class:`~saline.states.api.Plan`, the plan is reported under test mode (``result: None``
with the predicted changes) and applied with the real context otherwise.
"""

from __future__ import annotations

import functools
import inspect
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from saline.states.api import Plan, StateModule
from saline.states.engine.runner_requisites import INTERNAL_KEYWORDS
from saline.states.engine.runner_results import content_error, ordered, unify


class ArgumentError(Exception):
    """The chunk's arguments do not fit the state function."""


@dataclass
class Resolved:
    module: StateModule
    fn: Callable[..., Any]
    full: str


def find_function(load: Callable[[str], StateModule | None], state: str, fun: str) -> Resolved | None:
    module = load(state)
    if module is None:
        return None
    fn = module.mod_watch if fun == "mod_watch" else module.functions.get(fun)
    if fn is None:
        return None
    return Resolved(module, fn, f"{state}.{fun}")


@functools.lru_cache(maxsize=1024)
def _parameters(fn: Callable[..., Any]) -> tuple[inspect.Parameter, ...]:
    # cached: a run with hundreds of states calls the same few functions over and over
    params = tuple(inspect.signature(fn).parameters.values())
    return params[1:]  # the first one is ctx


def missing_parameters(fn: Callable[..., Any], low: dict[str, Any]) -> list[str]:
    """Required (no default) parameters the chunk does not provide."""
    return [
        p.name for p in _parameters(fn)
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        and p.name not in low
    ]


def bind_arguments(fn: Callable[..., Any], low: dict[str, Any], full: str) -> dict[str, Any]:
    """Keyword arguments for ``fn`` from the chunk; engine keywords are never passed.

    A function with ``**kwargs`` receives every other key; one without gets an error naming the keys
    it does not accept (Salt's wording).
    """
    params = _parameters(fn)
    named = {p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    takes_kwargs = any(p.kind == p.VAR_KEYWORD for p in params)
    kwargs: dict[str, Any] = {}
    extra: list[str] = []
    for key, value in low.items():
        if key in named:
            kwargs[key] = value
        elif key in INTERNAL_KEYWORDS:
            continue
        elif takes_kwargs:
            kwargs[key] = value
        else:
            extra.append(key)
    if "saltenv" in named and "saltenv" not in kwargs and "__env__" in low:
        kwargs["saltenv"] = low.get("saltenv", low["__env__"])
    if extra:
        if len(extra) == 1:
            raise ArgumentError(f"'{extra[0]}' is an invalid keyword argument for '{full}'")
        listed = ", ".join(f"'{e}'" for e in extra[:-1])
        raise ArgumentError(f"{listed} and '{extra[-1]}' are invalid keyword arguments for '{full}'")
    return kwargs


def exception_result(name: Any, detail: str | None = None) -> dict[str, Any]:
    return {
        "result": False,
        "name": name,
        "changes": {},
        "comment": f"An exception occurred in this state: {detail or traceback.format_exc()}",
    }


def invoke(resolved: Resolved, low: dict[str, Any], ctx: Any, *, test: bool) -> dict[str, Any]:
    """Run the state function for ``low`` and return its (unified) result.

    ``ctx`` is the run's context with ``opts['test']`` already set to ``test``.
    """
    try:
        kwargs = bind_arguments(resolved.fn, low, resolved.full)
    except ArgumentError as exc:
        return {"name": low["name"], "changes": {}, "result": False, "comment": str(exc)}
    try:
        outcome = resolved.fn(ctx if resolved.module.acts_itself else ctx.planning_view(), **kwargs)
        if isinstance(outcome, Plan):
            if test:
                ret = {"name": outcome.name, "changes": dict(outcome.changes), "result": None,
                       "comment": outcome.test_comment, **outcome.extra}
            else:
                ret = outcome.apply(ctx)
        else:
            ret = outcome
        error = content_error(ret)
        if error:
            return exception_result(low["name"], error)
        return ordered(unify(dict(ret)))
    except Exception:
        return exception_result(low["name"])
