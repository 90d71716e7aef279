"""Merging nested data the way Salt does (pillar sources, ``slsutil.merge``, ``defaults.merge``).

Strategies: ``recurse`` (nested dicts merged key by key, the update wins on scalars and, unless
``merge_lists``, on lists), ``overwrite`` (top-level keys replaced), ``aggregate`` (only values the
yamlex renderer tagged for aggregation are combined; plain data behaves like ``overwrite``),
``list`` (colliding values gathered into lists), ``smart`` (``aggregate`` for yamlex, else
``recurse``). Unknown names fall back to ``recurse`` with a warning, like Salt.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)

STRATEGIES = ("smart", "recurse", "overwrite", "aggregate", "list", "none")


def update(dest: dict[str, Any], upd: Mapping[str, Any], recursive_update: bool = True,
           merge_lists: bool = False) -> dict[str, Any]:
    """Merge ``upd`` into ``dest`` in place and return it.

    Nested mappings merge recursively; with ``merge_lists`` a list in ``upd`` extends the list in
    ``dest`` with the items it does not already hold. Anything else in ``upd`` replaces ``dest``'s value.
    """
    if not isinstance(dest, dict) or not isinstance(upd, Mapping):
        raise TypeError("update() needs two mappings")
    for key, value in upd.items():
        current = dest.get(key)
        if recursive_update and isinstance(current, dict) and isinstance(value, Mapping):
            update(current, value, True, merge_lists)
        elif recursive_update and merge_lists and isinstance(current, list) and isinstance(value, list):
            current.extend(item for item in value if item not in current)
        else:
            dest[key] = copy.deepcopy(value)
    return dest


def merge_recurse(
    obj_a: Mapping[str, Any], obj_b: Mapping[str, Any], merge_lists: bool = False
) -> dict[str, Any]:
    return update(copy.deepcopy(dict(obj_a)), obj_b, True, merge_lists)


def merge_overwrite(
    obj_a: Mapping[str, Any], obj_b: Mapping[str, Any], merge_lists: bool = False
) -> dict[str, Any]:
    merged = copy.deepcopy(dict(obj_a))
    merged.update(copy.deepcopy(dict(obj_b)))
    return merged


def merge_list(obj_a: Mapping[str, Any], obj_b: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(dict(obj_a))
    for key, value in obj_b.items():
        if key in merged:
            merged[key] = [merged[key], copy.deepcopy(value)]
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def merge(obj_a: Mapping[str, Any], obj_b: Mapping[str, Any], strategy: str = "smart",
          renderer: str = "yaml", merge_lists: bool = False) -> dict[str, Any]:
    """Return a new mapping: ``obj_b`` merged into ``obj_a`` with ``strategy``."""
    if strategy == "smart":
        strategy = "aggregate" if renderer.split("|")[-1] == "yamlex" else "recurse"
    if strategy == "list":
        return merge_list(obj_a, obj_b)
    if strategy in ("overwrite", "aggregate"):
        return merge_overwrite(obj_a, obj_b, merge_lists)
    if strategy not in ("recurse", "none"):
        log.warning("Unknown merging strategy '%s', falling back to recurse", strategy)
    return merge_recurse(obj_a, obj_b, merge_lists)
