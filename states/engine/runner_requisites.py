"""Requisite resolution for the state runner: which chunks a requisite names, and whether they are met.

The rules follow Salt's run-time semantics for low chunks (the compiler has already turned ``_in``
forms into their forward forms and added ``prerequired`` to the targets of ``prereq``):

* a requisite entry is ``{state: name-or-id}`` (a glob), ``{id: ...}``, ``{sls: ...}`` or a bare string
  (an id); ``{pkg.installed: x}`` is trimmed to ``{pkg: x}``;
* a requisite whose chunks have not all run yet is *unmet*: the runner runs those chunks first;
* the verdicts of all requisite kinds are folded into one status: ``met``, ``unmet``, ``fail``,
  ``change`` (a watched state changed), ``pre`` (a prereq'd state would change nothing),
  ``onfail`` and ``onchanges`` (the state is skipped).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

# The requisite kinds checked before a chunk runs, in the order Salt checks them.
REQUISITE_KINDS = (
    "require",
    "require_any",
    "watch",
    "watch_any",
    "prereq",
    "onfail",
    "onfail_any",
    "onfail_all",
    "onchanges",
    "onchanges_any",
)

# Keys of a low chunk that are for the engine, never passed to state functions.
REQUISITE_KEYWORDS = frozenset(
    {"onchanges", "onchanges_any", "onfail", "onfail_any", "onfail_all", "onfail_stop", "prereq",
     "prerequired", "watch", "watch_any", "require", "require_any", "listen"}
)
REQUISITE_IN_KEYWORDS = frozenset(
    {"onchanges_in", "onfail_in", "prereq_in", "watch_in", "require_in", "listen_in"}
)
RUNTIME_KEYWORDS = frozenset(
    {"fun", "state", "check_cmd", "cmd_opts_exclude", "failhard", "onlyif", "unless", "creates", "retry",
     "order", "parallel", "prereq", "prereq_in", "prerequired", "reload_modules", "reload_grains",
     "reload_pillar", "runas", "runas_password", "fire_event", "saltenv", "umask", "use", "use_in",
     "__env__", "__sls__", "__id__", "__sls_included_from__", "__orchestration_jid__", "__pub_user",
     "__pub_arg", "__pub_jid", "__pub_fun", "__pub_tgt", "__pub_ret", "__pub_pid", "__pub_tgt_type",
     "__prereq__", "__prerequired__", "__umask__"}
)
INTERNAL_KEYWORDS = REQUISITE_KEYWORDS | REQUISITE_IN_KEYWORDS | RUNTIME_KEYWORDS


class RequisiteError(Exception):
    """A requisite entry that cannot name any state (e.g. its target is not a string)."""


def gen_tag(low: Mapping[str, Any]) -> str:
    """The result key of a chunk: ``<state>_|-<id>_|-<name>_|-<fun>``."""
    return f"{low['state']}_|-{low['__id__']}_|-{low['name']}_|-{low['fun']}"


def normalise_req(req: Any) -> dict[str, Any]:
    """``"x"`` -> ``{"id": "x"}``; ``{"pkg.installed": "x"}`` -> ``{"pkg": "x"}``."""
    if isinstance(req, str):
        return {"id": req}
    if not isinstance(req, Mapping) or not req:
        raise RequisiteError(f"Invalid requisite entry: {req!r}")
    key = next(iter(req))
    value = req[key]
    if isinstance(key, str) and "." in key:
        key = key.split(".")[0]
    return {key: value}


def matches(req_key: str, req_val: Any, chunk: Mapping[str, Any]) -> bool:
    """Does the requisite ``{req_key: req_val}`` name ``chunk``?"""
    if req_key == "sls":
        return fnmatch.fnmatch(chunk["__sls__"], req_val) or req_val in chunk.get("__sls_included_from__", [])
    if not isinstance(req_val, str):
        raise RequisiteError(
            f"Could not locate requisite of [{req_key}] present in state with name [{chunk['name']}]"
        )
    if not (fnmatch.fnmatch(str(chunk["name"]), req_val) or fnmatch.fnmatch(str(chunk["__id__"]), req_val)):
        return False
    return req_key == "id" or chunk["state"] == req_key


def find_targets(req: Any, chunks: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The normalised requisite and the chunks it names (in chunk order)."""
    norm = normalise_req(req)
    key, val = next(iter(norm.items()))
    if val is None:
        return norm, []
    return norm, [chunk for chunk in chunks if matches(key, val, chunk)]


def fold_watch_into_require(low: dict[str, Any], has_mod_watch: bool) -> None:
    """A state without a ``mod_watch`` handler treats ``watch`` as ``require`` (Salt does the same)."""
    if has_mod_watch:
        return
    for watch, require in (("watch", "require"), ("watch_any", "require_any")):
        if watch in low:
            low[require] = list(low.get(require) or []) + list(low.pop(watch) or [])


def has_requisites(low: Mapping[str, Any], with_prerequired: bool) -> bool:
    kinds = (*REQUISITE_KINDS, "prerequired") if with_prerequired else REQUISITE_KINDS
    return any(kind in low for kind in kinds) or "prerequired" in low


def check(
    low: dict[str, Any],
    running: Mapping[str, dict[str, Any]],
    pre: Mapping[str, dict[str, Any]],
    chunks: list[dict[str, Any]],
    *,
    with_prerequired: bool,
    disabled: frozenset[str] = frozenset(),
) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    """Status of ``low``'s requisites against the results so far, and the chunks each kind named.

    ``running`` holds the results of this run, ``pre`` the test-mode results of prereq'd states.
    """
    if not has_requisites(low, with_prerequired):
        return "met", {}
    kinds = (*REQUISITE_KINDS, "prerequired") if with_prerequired else REQUISITE_KINDS
    reqs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    for kind in kinds:
        if low.get(kind) is None or kind in disabled:
            continue
        for req in low[kind]:
            norm, targets = find_targets(req, chunks)
            if next(iter(norm.values())) is None:
                continue
            if not targets:
                return "unmet", {}
            reqs[kind].extend(targets)

    stats: set[str] = set()
    for kind, targets in reqs.items():
        results = pre if kind == "prereq" else running
        kind_stats: set[str] = set()
        for chunk in targets:
            res = results.get(gen_tag(chunk))
            if res is None:
                kind_stats.add("unmet")
                continue
            kind_stats.update(_verdicts(kind, res))
        if kind.endswith("_any") or kind == "onfail":
            if ("met" in kind_stats or "change" in kind_stats) and "fail" in kind_stats:
                kind_stats.discard("fail")
            if "onchangesmet" in kind_stats:
                kind_stats.discard("onchanges")
                kind_stats.discard("fail")
            if "onfail" in kind_stats and "met" in kind_stats:
                kind_stats.discard("onfail")  # one failed requisite is enough
        if kind.endswith("_all") and "onfail" in kind_stats and "met" in kind_stats:
            kind_stats.discard("met")  # every requisite must have failed
        stats |= kind_stats
    return _fold(stats), reqs


def _verdicts(kind: str, res: Mapping[str, Any]) -> set[str]:
    """What one finished requisite says, for requisite kind ``kind``."""
    result = res.get("result")
    if kind.startswith("onfail"):
        if result is True:
            return {"onfail"}  # it did not fail: the onfail state stays skipped
    elif result is False:
        return {"fail"}
    if kind.startswith("onchanges"):
        return {"onchangesmet"} if res.get("changes") else {"onchanges"}
    if kind.startswith("watch") and res.get("changes"):
        return {"change"}
    out: set[str] = set()
    if kind == "prereq":
        # The prereq'd state ran in test mode: None means it would change something.
        out.add("premet" if result is None else "pre")
        if result is not None:
            return out
    elif kind == "prerequired" and result is not None:
        return out
    if res.get("__state_ran__", True):
        out.add("met")
    return out


def _fold(stats: set[str]) -> str:
    if "unmet" in stats:
        return "unmet"
    if "fail" in stats:
        return "fail"
    if "pre" in stats:
        return "met" if "premet" in stats else "pre"
    if "onfail" in stats and "onchangesmet" not in stats:
        return "onfail"
    if "onchanges" in stats and "onchangesmet" not in stats:
        return "onchanges"
    if "change" in stats:
        return "change"
    if "onfail" in stats:
        return "onfail"
    return "met"


def order_chunks(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give every chunk a numeric ``order`` and sort by it (then by state, name and function).

    Chunks from the compiler already carry numeric orders, for which this is a stable no-op; it
    matters for hand-made chunk lists (``order: first``/``last``/negative, or none at all).
    """
    cap = 1
    for chunk in chunks:
        order = chunk.get("order")
        if isinstance(order, int) and not isinstance(order, bool) and order > cap - 1 and order > 0:
            cap = order + 100
    for chunk in chunks:
        if "order" not in chunk:
            chunk["order"] = cap
            continue
        if not isinstance(chunk["order"], (int, float)) or isinstance(chunk["order"], bool):
            chunk["order"] = {"last": cap + 1000000, "first": 0}.get(chunk["order"], cap)
        if "name_order" in chunk:
            chunk["order"] = chunk["order"] + chunk.pop("name_order") / 10000.0
        if chunk["order"] < 0:
            chunk["order"] = cap + 1000000 + chunk["order"]
    chunks.sort(key=lambda c: (c["order"], f"{c['state']}{c['name']}{c['fun']}"))
    return chunks
