"""Module ``defaults``: merging defaults into data in formulas."""

from __future__ import annotations

import copy
from typing import Any

from saline import dictupdate
from saline.errors import SaltInvocationError
from saline.loader import Context, Module

mod = Module("defaults", doc="Deep merging and copying of formula data.")


def _prepare(
    dest: Any, src: Any, in_place: bool, convert_none: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    if convert_none:
        if dest is None and in_place:
            raise SaltInvocationError("dest is None and in_place is True: nothing to merge into")
        dest = {} if dest is None else dest
        src = {} if src is None else src
    if not isinstance(dest, dict) or not isinstance(src, dict):
        raise SaltInvocationError("defaults.merge needs two dictionaries")
    return (dest if in_place else copy.deepcopy(dest)), src


@mod.query
def merge(ctx: Context, dest: Any, src: Any, merge_lists: bool = False, in_place: bool = True,
          convert_none: bool = True) -> dict[str, Any]:
    """Deep-merge ``src`` into ``dest`` (``src`` wins); lists are replaced unless ``merge_lists``.

    CLI Example: ``saline-call --local defaults.merge '{a: b}' '{d: e}'``
    """
    target, source = _prepare(dest, src, in_place, convert_none)
    return dictupdate.update(target, source, True, merge_lists)


@mod.query
def update(ctx: Context, dest: Any, defaults: Any, merge_lists: bool = True, in_place: bool = True,
           convert_none: bool = True) -> dict[str, Any]:
    """Apply ``defaults`` to every node of ``dest``: each node's own values win over the defaults.

    Example: ``{% do salt['defaults.update'](group.nodes, group.defaults) %}``

    CLI Example: ``saline-call --local defaults.update '{n1: {a: 1}}' '{b: 2}'``
    """
    target, source = _prepare(dest, defaults, in_place, convert_none)
    for node, values in list(target.items()):
        if values is None and convert_none:
            values = {}
        if not isinstance(values, dict):
            raise SaltInvocationError(f"node '{node}' must be a dictionary to receive defaults")
        merged = dictupdate.update(copy.deepcopy(source), values, True, merge_lists)
        target[node] = merged
    return target


@mod.query
def deepcopy(ctx: Context, source: Any) -> Any:
    """Return a deep copy of ``source`` (so templates can change it without side effects).

    CLI Example: ``saline-call --local defaults.deepcopy '{a: [1]}'``
    """
    return copy.deepcopy(source)
