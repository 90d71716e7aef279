"""High data -> ordered low chunks (one chunk per ID, state module and name).

A chunk is ``{"state", "name", "__id__", "__sls__", "__env__", "fun", "order", <arguments>}``.
``names`` expands to one chunk per name (a name given as ``{name: [{arg: value}, ...]}`` carries its
own arguments) ordered after each other; a ``name`` that is not a string falls back to the ID.
Ordering is Salt's: numeric ``order`` (``state_auto_order`` numbers every state while rendering),
``order: first`` = 0, ``order: last`` after everything, negative orders count back from the end,
unordered chunks after the highest number; ties sort by state, name and function.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any

from saline.states.engine.highdata import _is_dunder


class LowChunkError(ValueError):
    """A ``names`` entry cannot be expanded."""


_SCALARS = (str, int, float, bool, type(None), bytes)
_MAPPING_TYPES: dict[type, bool] = {}


def copy_data(obj: Any, memo: dict[int, Any] | None = None) -> Any:
    """A deep copy of rendered data (dicts, lists, scalars) that keeps shared objects shared.

    Same result as ``copy.deepcopy`` for such data, several times faster on the ordered
    mappings the YAML renderer returns; anything else goes through ``copy.deepcopy``.
    """
    if isinstance(obj, _SCALARS):
        return obj
    if memo is None:
        memo = {}
    done = memo.get(id(obj))
    if done is not None:
        return done
    if isinstance(obj, list):
        new_list: list[Any] = []
        memo[id(obj)] = new_list
        new_list.extend(copy_data(item, memo) for item in obj)
        return new_list
    if isinstance(obj, dict) and _plain_mapping(type(obj)):
        new_map = type(obj)()
        memo[id(obj)] = new_map
        for key, value in obj.items():
            new_map[key] = copy_data(value, memo)
        return new_map
    if type(obj) is tuple:
        return tuple(copy_data(item, memo) for item in obj)
    return copy.deepcopy(obj)


def _plain_mapping(cls: type) -> bool:
    """dict, OrderedDict and Saline's own ordered mappings: rebuilt by item assignment."""
    known = _MAPPING_TYPES.get(cls)
    if known is None:
        known = cls in (dict, OrderedDict) or (cls.__module__.startswith("saline.") and cls() == {})
        _MAPPING_TYPES[cls] = known
    return known


def compile_high_data(high: dict[str, Any]) -> list[dict[str, Any]]:
    """The ordered low chunks of (verified) high data."""
    chunks: list[dict[str, Any]] = []
    for id_, body in high.items():
        if _is_dunder(id_) or not isinstance(body, dict):
            continue
        for state, run in body.items():
            if _is_dunder(state) or not isinstance(run, list):
                continue
            chunks.extend(_state_chunks(id_, state, run, body))
    return order_chunks(chunks)


def _state_chunks(id_: Any, state: str, run: list[Any], body: dict[str, Any]) -> list[dict[str, Any]]:
    chunk: dict[str, Any] = {"state": state, "name": id_}
    for key in ("__sls__", "__env__", "__sls_included_from__"):
        if key in body:
            chunk[key] = body[key]
    chunk["__id__"] = id_
    funcs: list[str] = []
    names: list[Any] = []
    for arg in run:
        if isinstance(arg, str):
            if arg not in funcs:
                funcs.append(arg)
            continue
        if not isinstance(arg, dict):
            continue
        for key, value in arg.items():
            if key == "names":
                for entry in value if isinstance(value, list) else []:
                    if entry not in names:
                        names.append(entry)
            elif key == "state":
                continue  # a state override is never passed down
            elif key == "name" and not isinstance(value, str):
                chunk["name"] = id_
            else:
                chunk[key] = value
    out: list[dict[str, Any]] = []
    if not names:
        for fun in funcs:
            live = copy_data(chunk)
            live["fun"] = fun
            out.append(live)
        return out
    for position, entry in enumerate(names, start=1):
        live = copy_data(chunk)
        if isinstance(entry, dict):
            if len(entry) != 1:
                raise LowChunkError(f"The names entry {entry!r} of ID '{id_}' in SLS "
                                    f"'{body.get('__sls__')}' must be a single-key dictionary")
            ((name, args),) = entry.items()
            live["name"] = name
            if isinstance(args, dict):
                args = [args]
            if not isinstance(args, list) or not all(isinstance(a, dict) for a in args):
                raise LowChunkError(f"The arguments of name '{name}' of ID '{id_}' in SLS "
                                    f"'{body.get('__sls__')}' need to be a list of dictionaries")
            for extra in args:
                live.update(extra)
        else:
            live["name"] = entry
        live["name_order"] = position
        for fun in funcs:
            one = dict(live)
            one["fun"] = fun
            out.append(one)
    return out


def order_chunks(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Resolve each chunk's ``order`` to a number and sort (stable on state, name, function)."""
    cap = 1
    for chunk in chunks:
        order = chunk.get("order")
        if isinstance(order, int) and order > cap - 1 and order > 0:
            cap = order + 100
    for chunk in chunks:
        if "order" not in chunk:
            chunk["order"] = cap
            continue
        order = chunk["order"]
        if not isinstance(order, (int, float)):
            order = {"last": cap + 1000000, "first": 0}.get(order, cap) if isinstance(order, str) else cap
        if "name_order" in chunk:
            order = order + chunk.pop("name_order") / 10000.0
        if order < 0:
            order = cap + 1000000 + order
        chunk["order"] = order
    chunks.sort(key=lambda c: (c["order"], f"{c['state']}{c['name']}{c['fun']}"))
    return chunks
