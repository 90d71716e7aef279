"""``_in`` requisites, ``prereq`` and ``use``: rewritten into extends of the target states.

``A: {cmd: [run, {require_in: [{cmd: B}]}]}`` becomes ``B requires A``; ``prereq`` adds
``prerequired`` to its target; ``use``/``use_in`` copy arguments between states. Salt builds these
as an extend and reconciles it strictly; we do the same, including its accumulation rule: within
one requisite list every target seen so far is extended again by each later item (so a
``require_in: [{cmd: A}, {cmd: C}]`` puts the requirer twice into A's ``require``), because the
compiled low data must equal Salt's.

:func:`requisite_cycles` is not part of Salt's compile step: Salt only rejects two states that
require each other directly (see ``verify_high``) and fails longer cycles when it runs them; the
runner uses it to spell the whole cycle out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from saline.states.engine.highdata import (
    _is_dunder,
    find_name,
    find_sls_ids,
    hashable,
    reconcile_extend,
    state_args,
)

REQUISITE_IN = frozenset({
    "require_in", "watch_in", "onfail_in", "onchanges_in", "use", "use_in", "prereq", "prereq_in",
})
# Arguments ``use`` never copies (besides name/names and those the user already sets).
_NOT_COPIED = REQUISITE_IN | {"require", "watch", "onfail", "onfail_stop", "onchanges"}


class _Extend:
    """The extend data being built: ``{target id: {"__env__", "__sls__", state: [args]}}``."""

    def __init__(self) -> None:
        self.data: dict[Any, dict[str, Any]] = {}

    def decl(self, id_: Any, state: str) -> list[Any]:
        return self.data.setdefault(id_, {}).setdefault(state, [])

    def add_requisite(self, target: Any, target_state: str, kind: str, origin: dict[str, Any],
                      requirer_state: str, requirer_id: Any) -> None:
        """Add ``{requirer_state: requirer_id}`` to the ``kind`` requisite of the target."""
        decl = self.decl(target, target_state)
        entry = self.data[target]
        entry["__env__"] = origin.get("__env__")
        entry["__sls__"] = origin.get("__sls__")
        found = False
        for arg in decl:
            if next(iter(arg)) == kind:
                arg[kind].append({requirer_state: requirer_id})
                found = True
        if not found:
            decl.append({kind: [{requirer_state: requirer_id}]})


def _dotted(kind: str, state: Any, target: Any, sls: Any) -> str:
    return (f"Invalid requisite in {kind}: {state} for {target}, in SLS '{sls}'. Requisites must not "
            f"contain dots, did you mean '{state[:state.find('.')]}'?")


def requisite_in(
    high: dict[str, Any], opts: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Turn ``_in`` requisites, ``prereq`` and ``use`` into extends and apply them."""
    opts = opts or {}
    disabled = opts.get("disabled_requisites") or []
    if not isinstance(disabled, list):
        disabled = [disabled]
    extend = _Extend()
    errors: list[str] = []
    for id_, body in high.items():
        if not isinstance(body, dict):
            continue
        for state, run in body.items():
            if _is_dunder(state) or not isinstance(run, list):
                continue
            for arg in run:
                if not isinstance(arg, dict) or not arg:
                    continue
                key = next(iter(arg))
                if key not in REQUISITE_IN or key in disabled:
                    continue
                items = arg[key]
                if isinstance(items, dict):
                    _single_form(extend, key, items, id_, state, body, errors)
                elif isinstance(items, list):
                    _list_form(extend, key, items, id_, state, body, high, errors)
    high["__extend__"] = [{target: body} for target, body in extend.data.items()]
    high, ext_errors = reconcile_extend(high, strict=True)
    return high, errors + ext_errors


def _single_form(extend: _Extend, key: str, items: dict[Any, Any], id_: Any, state: str,
                 body: dict[str, Any], errors: list[str]) -> None:
    """``require_in: {cmd: B}``: one target per key."""
    kind = key.split("_")[0]
    for target_state, target in items.items():
        if not hashable(target):
            errors.append(f'Illegal requisite "{target}" in {key} of ID \'{id_}\' in SLS '
                          f"'{body.get('__sls__')}', please check your syntax.")
            continue
        if "." in target_state:
            errors.append(_dotted(kind, target_state, target, body.get("__sls__")))
            target_state = target_state.split(".")[0]
        extend.add_requisite(target, target_state, kind, body, state, id_)


def _resolve_bare(ref: Any, high: dict[str, Any]) -> dict[Any, Any] | None:
    """A bare requisite ``- foo``: the ID ``foo``, else the last state whose ``name`` is ``foo``."""
    if hashable(ref) and isinstance(high.get(ref), dict):
        states = [s for s in high[ref] if not _is_dunder(s)]
        return {states[0]: ref} if states else None
    found = None
    for other_id, other in high.items():
        if not isinstance(other, dict):
            continue
        for other_state, decl in other.items():
            if _is_dunder(other_state) or not isinstance(decl, list):
                continue
            for item in decl:
                if isinstance(item, dict) and "name" in item and item["name"] == ref:
                    found = {other_state: other_id}
    return found


def _list_form(extend: _Extend, key: str, items: list[Any], id_: Any, state: str, body: dict[str, Any],
               high: dict[str, Any], errors: list[str]) -> None:
    kind = key.split("_")[0]
    sls = body.get("__sls__")
    targets: list[tuple[Any, str]] = []  # accumulates over the list, see the module docstring
    for ref in items:
        if not isinstance(ref, dict):
            ref = _resolve_bare(ref, high)
            if ref is None:
                continue
        if not ref:
            continue
        ref_state = next(iter(ref))
        ref_name = ref[ref_state]
        if not hashable(ref_name):
            errors.append(f'Illegal requisite "{ref_name}" in {key} of ID \'{id_}\' in SLS \'{sls}\', '
                          "please check your syntax.")
            continue
        if ref_state == "sls":
            targets = find_sls_ids(ref_name, high)
        else:
            targets.append((ref_name, ref_state))
        if isinstance(ref_state, str) and "." in ref_state:
            errors.append(_dotted(kind, ref_state, ref_name, sls))
        for target, target_state in targets:
            _apply_one(extend, key, kind, target, target_state, id_, state, body, high)


def _apply_one(extend: _Extend, key: str, kind: str, target: Any, target_state: str, id_: Any,
               state: str, body: dict[str, Any], high: dict[str, Any]) -> None:
    if key == "prereq_in":
        extend.decl(id_, state).append({"prerequired": [{target_state: target}]})
        # and the target gets a `prereq` on us, below
    elif key == "prereq":
        for ext_id, ext_state in find_name(target, target_state, high, strict=True):
            extend.decl(ext_id, ext_state).append({"prerequired": [{state: id_}]})
        return
    elif key == "use_in":
        for ext_id, ext_state in find_name(target, target_state, high, strict=True):
            if ext_id:
                skip = _NOT_COPIED | state_args(ext_id, target_state, high)
                extend.decl(ext_id, ext_state).extend(_copyable(high[id_][state], skip))
        return
    elif key == "use":
        for ext_id, ext_state in find_name(target, target_state, high, strict=True):
            if ext_id:
                skip = _NOT_COPIED | state_args(id_, state, high)
                extend.decl(id_, state).extend(_copyable(high[ext_id][ext_state], skip))
        return
    extend.add_requisite(target, target_state, kind, body, state, id_)


def _copyable(decl: Iterable[Any], skip: set[str]) -> list[Any]:
    out = []
    for arg in decl:
        if not isinstance(arg, dict) or len(arg) != 1:
            continue
        key = next(iter(arg))
        if key in skip or key in ("name", "names"):
            continue
        out.append(arg)
    return out


# ---- cycles ---------------------------------------------------------------------------------------

_ORDERING_KINDS = ("require", "watch", "onchanges", "onfail", "prereq", "require_any", "watch_any",
                   "onchanges_any", "onfail_any", "onfail_all")


def _chunk_matches(chunk: dict[str, Any], req_state: str, req_name: Any) -> bool:
    if req_state == "sls":
        return chunk.get("__sls__") == req_name
    if req_state != "id" and chunk.get("state") != req_state:
        return False
    return req_name in (chunk.get("__id__"), chunk.get("name"))


def _tag(chunk: dict[str, Any]) -> str:
    return f"{chunk['state']}: {chunk['__id__']}"


def requisite_cycles(chunks: list[dict[str, Any]]) -> list[list[str]]:
    """Cycles in the ordering requisites of compiled chunks, each as ``["cmd: A", "cmd: B", "cmd: A"]``.

    A chunk ``A`` that requires ``B`` (by ID, name, ``sls`` or bare ID) contributes the edge
    A -> B; every strongly connected group (or self loop) is reported once, starting at its
    first chunk in execution order.
    """
    edges: list[list[int]] = [[] for _ in chunks]
    for index, chunk in enumerate(chunks):
        for kind in _ORDERING_KINDS:
            reqs = chunk.get(kind)
            if not isinstance(reqs, list):
                continue
            for req in reqs:
                if isinstance(req, str):
                    req = {"id": req}
                if not isinstance(req, dict) or len(req) != 1:
                    continue
                (req_state, req_name), = req.items()
                edges[index].extend(j for j, other in enumerate(chunks)
                                    if _chunk_matches(other, req_state, req_name))
    cycles: list[list[str]] = []
    seen: set[int] = set()
    for start in range(len(chunks)):
        if start in seen:
            continue
        path = _find_path(start, start, edges)
        if path is None:
            continue
        seen.update(path)
        cycles.append([_tag(chunks[i]) for i in path])
    return cycles


def _find_path(start: int, goal: int, edges: list[list[int]]) -> list[int] | None:
    """A shortest path start -> ... -> goal of length >= 1 (breadth first), or None."""
    parents: dict[int, int] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for node in frontier:
            for succ in edges[node]:
                if succ == goal:
                    path = [node]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return [*reversed(path), goal]
                if succ not in parents and succ != start:
                    parents[succ] = node
                    nxt.append(succ)
        frontier = nxt
    return None
