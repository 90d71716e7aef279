"""Grains: facts about this host, with Salt's names and types.

``collect(opts)`` returns the core grains (see :mod:`saline.minion.grains.core`), then static
grains from the grains file (``grains_file``, else ``<config_dir>/grains``) and finally the
``grains:`` option; each later source overrides grains of the same name.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from saline.minion.grains.core import HostFacts, core_grains

log = logging.getLogger(__name__)

__all__ = ["HostFacts", "collect", "core_grains", "grains_file_path", "read_grains_file", "static_grains"]


def grains_file_path(opts: Mapping[str, Any]) -> str:
    """Where static grains live: the ``grains_file`` option, else ``grains`` beside the config.

    (``saline.modules.grains`` applies the same rule; not imported here to keep collection lean.)
    """
    configured = opts.get("grains_file")
    if configured:
        return str(configured)
    conf_dir = opts.get("config_dir") or os.path.dirname(str(opts.get("conf_file") or "")) or "/etc/saline"
    return os.path.join(str(conf_dir), "grains")


def read_grains_file(path: str) -> dict[str, Any]:
    """The grains file's mapping; like Salt, a missing file is empty and a broken one is skipped
    with a warning (a bad grains file must not stop the minion)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        log.warning("Cannot read grains file %s: %s", path, exc.strerror)
        return {}
    from saline.yamlload import safe_load

    try:
        data = safe_load(text)
    except Exception as exc:  # any YAML error
        log.warning("Bad syntax in grains file %s, skipping it: %s", path, exc)
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        log.warning("Grains file %s must hold a mapping of grain names to values; skipping it", path)
        return {}
    return data


def static_grains(opts: Mapping[str, Any]) -> dict[str, Any]:
    """Grains from the grains file, overridden by the ``grains:`` option."""
    grains = read_grains_file(grains_file_path(opts))
    grains.update(opts.get("grains") or {})
    return grains


def collect(opts: Mapping[str, Any], facts: HostFacts | None = None) -> dict[str, Any]:
    """Core grains of this host (or of ``facts``), overridden by the static grains."""
    grains = core_grains(opts, facts)
    if facts is None:  # this host: custom grains from saltutil.sync_grains, before the static ones
        from saline.minion.grains.custom import custom_grains

        grains.update(custom_grains(opts, grains))
    grains.update(static_grains(opts))
    return grains
