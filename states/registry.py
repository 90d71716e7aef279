"""The literal registry of builtin state modules: name -> import path (greppable, imported lazily)."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from saline.states.api import StateModule

log = logging.getLogger(__name__)

BUILTIN_STATES: dict[str, str] = {
    "test": "saline.states.test",
    "cmd": "saline.states.cmd",
    "module": "saline.states.module",
    "file": "saline.states.file",
    "pkg": "saline.states.pkg",
    "pkgrepo": "saline.states.pkgrepo",
    "docker_image": "saline.states.docker_image",
    "docker_container": "saline.states.docker_container",
    "docker_network": "saline.states.docker_network",
    "docker_volume": "saline.states.docker_volume",
    "user": "saline.states.user",
    "group": "saline.states.group",
    "service": "saline.states.service",
    "git": "saline.states.git",
    "host": "saline.states.host",
    "ini": "saline.states.ini_manage",
    "sysctl": "saline.states.sysctl",
    "alternatives": "saline.states.alternatives",
    "timezone": "saline.states.timezone",
    "locale": "saline.states.locale",
    "ssh_auth": "saline.states.ssh_auth",
    "ssh_known_hosts": "saline.states.ssh_known_hosts",
    "pip": "saline.states.pip_state",
    "cron": "saline.states.cron",
    "archive": "saline.states.archive",
}

_loaded: dict[str, StateModule] = {}


def load_state_module(name: str) -> StateModule | None:
    custom = _custom_state_module(name)  # as in Salt, a synced custom module replaces a builtin one
    if custom is not None:
        return custom
    if name in _loaded:
        return _loaded[name]
    path = BUILTIN_STATES.get(name)
    if path is None:
        from importlib.metadata import entry_points

        for ep in entry_points(group="saline.states"):
            if ep.name == name:
                path = ep.value
                break
    if path is None:
        return None
    module = getattr(importlib.import_module(path), "st", None)
    if not isinstance(module, StateModule):
        raise RuntimeError(f"{path} does not declare `st = StateModule(...)`")
    _loaded[name] = module
    return module


_custom: dict[str, tuple[Any, StateModule]] = {}


def _custom_state_module(name: str) -> StateModule | None:
    """The custom state module ``name`` synced by ``saltutil.sync_states`` (see :mod:`saline.extmods`)."""
    from saline import extmods

    if name not in extmods.names("states"):
        return None
    try:
        module = extmods.load_file("states", name)
    except ImportError as exc:
        log.error("custom state module %s cannot be loaded: %s", name, exc)
        return None
    if module is None:
        return None
    declared = getattr(module, "st", None)
    if isinstance(declared, StateModule):
        return declared
    cached = _custom.get(name)
    if cached is None or cached[0] is not module:
        cached = (module, _salt_style_states(name, module))
        _custom[name] = cached
    return cached[1]


def _salt_style_states(name: str, module: Any) -> StateModule:
    """A Salt-style state module: functions ``(name, ...)`` returning Salt's result dict, which check
    ``__opts__['test']`` themselves; ``__virtual__`` is asked with the context of each call."""
    from saline import extmods

    wrapped = StateModule(name, doc=module.__doc__ or "")
    wrapped.acts_itself = True
    module.__states__ = _STATES
    for fun, fn in extmods.public_functions(module).items():
        call = extmods.with_context(fn)
        if hasattr(module, "__virtual__"):
            call = _checking_virtual(module, f"{name}.{fun}", call)
        if fun == "mod_watch":
            wrapped.mod_watch = call
        else:
            wrapped.functions[fun] = call
    return wrapped


def _checking_virtual(module: Any, full: str, call: Any) -> Any:
    from saline import extmods

    def checked(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        reason = extmods.virtual(module, ctx)
        if reason is not None:
            return {"name": kwargs.get("name", args[0] if args else full), "result": False, "changes": {},
                    "comment": f"State '{full}' is not available: {reason}"}
        return call(ctx, *args, **kwargs)

    checked.__signature__ = call.__signature__  # type: ignore[attr-defined]
    checked.__doc__ = call.__doc__
    return checked


class _StatesView(Mapping[str, Any]):
    """Salt's ``__states__`` in custom state modules: ``__states__['file.managed'](name, **kwargs)`` runs
    that state function in the calling state's context (its ``test`` included) and returns its result."""

    def __getitem__(self, full: str) -> Any:
        from saline import extmods
        from saline.states.engine.runner_call import find_function, invoke

        state, _, fun = str(full).rpartition(".")
        resolved = find_function(load_state_module, state, fun) if state else None
        if resolved is None:
            raise KeyError(full)

        def call(name: Any, **kwargs: Any) -> dict[str, Any]:
            ctx = extmods.current()
            low = {**kwargs, "state": state, "fun": fun, "name": name, "__id__": name}
            return invoke(resolved, low, ctx, test=bool(ctx.opts.get("test")))

        return call

    def __iter__(self) -> Iterator[str]:
        for state in sorted(BUILTIN_STATES):
            module = load_state_module(state)
            if module is not None:
                yield from (f"{state}.{fun}" for fun in module.functions)

    def __len__(self) -> int:
        return sum(1 for _ in self)


_STATES = _StatesView()
