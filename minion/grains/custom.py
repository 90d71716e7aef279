"""Custom grains synced by ``saltutil.sync_grains``: ``<cachedir>/extmods/grains/*.py``.

Each public function of such a file (a name not starting with ``_``) is called; one that takes a
parameter gets the grains collected so far (read-only use). A function returning a dict adds those
grains; later files (by name) override earlier ones. A file or function that fails is logged and
skipped, never stopping the minion.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import os
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)


def grains_dir(opts: Mapping[str, Any]) -> str:
    return os.path.join(str(opts.get("cachedir") or ""), "extmods", "grains")


def custom_grains(opts: Mapping[str, Any], grains: Mapping[str, Any]) -> dict[str, Any]:
    """The grains of the custom grains modules, merged in file-name order."""
    directory = grains_dir(opts)
    if not opts.get("cachedir"):
        return {}
    try:
        names = sorted(f for f in os.listdir(directory) if f.endswith(".py") and f[:-3].isidentifier())
    except OSError:
        return {}
    found: dict[str, Any] = {}
    for name in names:
        path = os.path.join(directory, name)
        try:
            spec = importlib.util.spec_from_file_location(f"saline_extmods.grains.{name[:-3]}", path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {path}")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        except Exception as exc:  # a broken custom grains file must not stop grain collection
            log.error("custom grains module %s failed to load: %s", path, exc)
            continue
        for attr, fn in sorted(vars(module).items()):
            if attr.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            try:
                takes_arg = bool(inspect.signature(fn).parameters)
                value = fn({**grains, **found}) if takes_arg else fn()
            except Exception as exc:
                log.error("custom grains function %s.%s failed: %s", name[:-3], attr, exc)
                continue
            if isinstance(value, dict):
                found.update(value)
            elif value is not None:
                log.warning("custom grains function %s.%s returned %s, not a dict; ignored",
                            name[:-3], attr, type(value).__name__)
    return found
