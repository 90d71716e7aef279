"""State module ``module``: call execution functions from a state tree (``module.run``, ``module.wait``).

Both of Salt's syntaxes work. The current one (Salt's default since 3005) names the functions as keys,
each with a list of positional values and ``key: value`` mappings::

    restart-app:
      module.run:
        - service.restart:
          - name: app
        - test.echo:
          - text: hello

The legacy one names one function in ``name`` and passes its arguments as keys (``m_name`` for an
argument called ``name``)::

    restart-app:
      module.run:
        - name: service.restart
        - m_name: app

A function is an action in general, so the state returns a :class:`Plan`: test mode reports
``Function X to be executed.`` and only a real run calls it.
"""

from __future__ import annotations

import inspect
from typing import Any

from saline.states.api import Plan, StateModule, ret

st = StateModule("module", doc="Call execution module functions as states.")

# Keys the runner adds for mod_watch; never function names.
_IGNORED = ("name", "__reqs__", "sfun", "__running__")
_RENAMED = {"name": "m_name", "fun": "m_fun", "names": "m_names", "state": "m_state", "saltenv": "m_saltenv"}


def _available(ctx: Any, fun: str) -> bool:
    return fun in ctx.salt


def _split_args(func_args: Any) -> tuple[list[Any], dict[str, Any]]:
    """A function's argument list: mappings are keyword arguments, other items positional."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if func_args is None:
        return args, kwargs
    if not isinstance(func_args, list):
        func_args = [func_args]
    for item in func_args:
        if isinstance(item, dict):
            kwargs.update(item)
        else:
            args.append(item)
    return args, kwargs


def _missing_arguments(ctx: Any, fun: str, args: list[Any], kwargs: dict[str, Any]) -> list[str]:
    params = list(inspect.signature(ctx.salt.function(fun).fn).parameters.values())[1:]
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    missing = []
    for index, param in enumerate(positional):
        if param.default is param.empty and index >= len(args) and param.name not in kwargs:
            missing.append(param.name)
    missing.extend(p.name for p in params
                   if p.kind == p.KEYWORD_ONLY and p.default is p.empty and p.name not in kwargs)
    return missing


def _result_of(value: Any) -> bool:
    """False for a ``False`` return or a mapping holding ``result: False`` or a non-zero ``retcode``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return _dict_result(value)
    return True


def _dict_result(node: dict[str, Any]) -> bool:
    for key, val in node.items():
        if (key == "result" and val is False) or (key == "retcode" and val != 0):
            return False
        if isinstance(val, dict) and not _dict_result(val):
            return False
    return True


def _plural(items: list[str]) -> str:
    return "s" if len(items) > 1 else ""


def _new_style(ctx: Any, name: str, kwargs: dict[str, Any]) -> dict[str, Any] | Plan:
    functions = [key for key in kwargs if "." in key]
    label: Any = functions
    if not functions:
        return ret(name, False, {}, "No function provided.")
    missing = [f.split(":")[0] for f in functions if not _available(ctx, f.split(":")[0])]
    pending = [f.split(":")[0] for f in functions if f.split(":")[0] not in missing]
    if missing:
        parts = [f"Unavailable function{_plural(missing)}: {', '.join(missing)}."]
        if ctx.test and pending:
            parts.append(f"Function{_plural(pending)} {', '.join(pending)} to be executed.")
        return ret(label, False, {}, " ".join(parts))

    def apply(real: Any) -> dict[str, Any]:
        failures: list[str] = []
        success: list[str] = []
        changes: dict[str, Any] = {}
        for func in functions:
            fun = func.split(":")[0]
            args, fkwargs = _split_args(kwargs.get(func))
            missing_args = _missing_arguments(real, fun, args, fkwargs)
            if missing_args:
                failures.append(f"'{func}' failed: Missing arguments: {', '.join(missing_args)}")
                continue
            try:
                value = real.salt[fun](*args, **fkwargs)
            except TypeError as exc:
                failures.append(f"'{func}' failed: {exc}")
                continue
            if not _result_of(value):
                if isinstance(value, dict):
                    failures.append(f"'{func}' failed: {value.get('comment', '(error message N/A)')}")
                if value is False:
                    failures.append(f"'{func}': {value}")
            else:
                shown = value.get("comment", "Success") if isinstance(value, dict) else value
                success.append(f"{func}: {shown}")
                changes[func] = value
        return ret(label, not failures, changes, ", ".join(failures + success))

    return Plan(label, {}, f"Function{_plural(pending)} {', '.join(pending)} to be executed.", apply)


def _legacy(ctx: Any, name: str, kwargs: dict[str, Any]) -> dict[str, Any] | Plan:
    if not _available(ctx, name):
        return ret(name, False, {}, f"Module function {name} is not available")
    kwargs = dict(kwargs)
    params = list(inspect.signature(ctx.salt.function(name).fn).parameters.values())[1:]
    args: list[Any] = []
    missing: list[str] = []
    call_kwargs: dict[str, Any] = {}
    for param in params:
        if param.kind == param.VAR_POSITIONAL:
            key = _RENAMED.get(param.name, param.name)
            if key in kwargs:
                extra = kwargs.pop(key)
                if not isinstance(extra, list):
                    return ret(name, False, {}, f"'{param.name}' must be a list.")
                args.extend(extra)
            continue
        if param.kind == param.VAR_KEYWORD:
            if param.name in kwargs:
                extra = kwargs.pop(param.name)
                if not isinstance(extra, dict):
                    return ret(name, False, {}, f"'{param.name}' must be a dict.")
                call_kwargs.update(extra)
            continue
        key = _RENAMED.get(param.name, param.name)
        if key in kwargs:
            value = kwargs.pop(key)
        elif param.name in kwargs and param.name not in _RENAMED:
            value = kwargs.pop(param.name)
        elif param.default is not param.empty:
            value = param.default
        else:
            missing.append(key)
            continue
        if param.kind == param.KEYWORD_ONLY:
            call_kwargs[param.name] = value
        else:
            args.append(value)
    if missing:
        return ret(name, False, {}, "The following arguments are missing: " + " ".join(missing))

    def apply(real: Any) -> dict[str, Any]:
        try:
            value = real.salt[name](*args, **call_kwargs)
        except Exception as exc:
            return ret(name, False, {}, f"Module function {name} threw an exception. Exception: {exc}")
        return ret(name, _result_of(value), {"ret": value}, f"Module function {name} executed")

    return Plan(name, {}, f"Module function {name} is set to execute", apply)


@st.state
def run(ctx: Any, name: str, **kwargs: Any) -> dict[str, Any] | Plan:
    """Call execution functions: ``- test.echo: [{text: hi}]`` keys, or legacy ``name: test.echo``."""
    keys = [key for key in kwargs if key not in _IGNORED]
    if not keys or any("." not in key for key in keys):
        return _legacy(ctx, name, {k: v for k, v in kwargs.items() if k not in _IGNORED})
    return _new_style(ctx, name, {k: kwargs[k] for k in keys})


@st.state
def wait(ctx: Any, name: str, **kwargs: Any) -> dict[str, Any]:
    """Like ``module.run``, but only when a watched state changed (through ``mod_watch``)."""
    return ret(name, True, {}, "")


@st.watch
def mod_watch(ctx: Any, name: str, **kwargs: Any) -> dict[str, Any] | Plan:
    """Run the functions of a ``module.wait``/``module.run`` whose watched states changed."""
    return run(ctx, name, **kwargs)
