"""Custom grains synced by ``saltutil.sync_grains``: ``<cachedir>/extmods/grains/*.py``, Salt's style.

Each public function of such a file (a name not starting with ``_``) is called; one that takes a
parameter gets the grains collected so far. ``__opts__`` (and ``__grains__``, the grains so far) are
there as in Salt, and ``__virtual__`` may turn a file off. A function returning a dict adds those
grains; later files (by name) override earlier ones. A file or function that fails is logged and
skipped, never stopping the minion.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)


def custom_grains(opts: dict[str, Any], grains: Mapping[str, Any]) -> dict[str, Any]:
    """The grains of the custom grains modules, merged in file-name order."""
    from saline import extmods
    from saline.loader import Context, use_extension_modules

    use_extension_modules(opts)
    found: dict[str, Any] = {}
    for name in sorted(extmods.names("grains")):
        try:
            module = extmods.load_file("grains", name)
        except ImportError as exc:  # a broken custom grains file must not stop grain collection
            log.error("custom grains module %s failed to load: %s", name, exc)
            continue
        ctx = Context(opts, _grains={**grains, **found})
        reason = extmods.virtual(module, ctx)
        if module is None or reason is not None:
            continue
        for attr, fn in sorted(extmods.public_functions(module).items()):
            try:
                takes_arg = bool(inspect.signature(fn).parameters)
                call = extmods.with_context(fn)
                value = call(ctx, {**grains, **found}) if takes_arg else call(ctx)
            except Exception as exc:
                log.error("custom grains function %s.%s failed: %s", name, attr, exc)
                continue
            if isinstance(value, dict):
                found.update(value)
            elif value is not None:
                log.warning("custom grains function %s.%s returned %s, not a dict; ignored",
                            name, attr, type(value).__name__)
    return found
