"""``cache.*`` runners: grains and pillar the master keeps for each minion (Salt's ``salt.runners.cache``)."""

from __future__ import annotations

from typing import Any

from saline.matchers import match


def _select(api: Any, data: Any, tgt: Any, tgt_type: str) -> dict[str, Any]:
    tgt = "*" if tgt in (None, "") else tgt
    out = {}
    for minion in sorted(data):
        if match(tgt, tgt_type, minion, api.grains_cache.get(minion) or {}, api.pillar_cache.get(minion) or {},
                 opts=api.opts):
            out[minion] = data[minion]
    return out


def grains(api: Any, tgt: Any = None, tgt_type: str = "glob", **kwargs: Any) -> dict[str, Any]:
    """``{minion_id: grains}`` from the master's cache for the minions ``tgt`` matches.

    CLI Example: ``saline-run cache.grains 'web*'``
    """
    return _select(api, api.grains_cache, tgt, tgt_type)


def pillar(api: Any, tgt: Any = None, tgt_type: str = "glob", **kwargs: Any) -> dict[str, Any]:
    """``{minion_id: pillar}`` from the master's cache for the minions ``tgt`` matches (all when no tgt).

    CLI Example: ``saline-run cache.pillar tgt_type=grain 'os:Debian'``
    """
    return _select(api, api.pillar_cache, tgt, tgt_type)
