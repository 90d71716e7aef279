"""The literal registry of builtin state modules: name -> import path (greppable, imported lazily)."""

from __future__ import annotations

import importlib

from saline.states.api import StateModule

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
}

_loaded: dict[str, StateModule] = {}


def load_state_module(name: str) -> StateModule | None:
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
