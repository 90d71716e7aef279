"""Grains: facts about this host, with Salt's names and types.

``collect(opts)`` returns the core grains, then static grains from the grains file
(``<config_dir>/grains`` or ``grains_file``) and the ``grains:`` option, which override core
grains of the same name.
"""

from __future__ import annotations

import os
from typing import Any

from saline.minion.grains.core import core_grains


def static_grains(opts: dict[str, Any]) -> dict[str, Any]:
    from saline.config import read_yaml_config

    grains: dict[str, Any] = {}
    path = opts.get("grains_file") or os.path.join(opts.get("config_dir") or "/etc/saline", "grains")
    grains.update(read_yaml_config(path))
    grains.update(opts.get("grains") or {})
    return grains


def collect(opts: dict[str, Any]) -> dict[str, Any]:
    grains = core_grains(opts)
    grains.update(static_grains(opts))
    return grains
