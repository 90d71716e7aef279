"""Where this host's pillar comes from: configured ``pillar:`` data, then ``pillar=`` overrides."""

from __future__ import annotations

import copy
from typing import Any


def merge_override(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Recursively merge ``override`` into a copy of ``base`` (CLI pillar wins)."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge_override(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def compile_pillar(opts: dict[str, Any], grains: dict[str, Any]) -> dict[str, Any]:
    pillar = copy.deepcopy(opts.get("pillar") or {})
    return merge_override(pillar, opts.get("pillar_override") or {})
