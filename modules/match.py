"""Module ``match``: does this minion match a target? Salt's targeting from templates.

Every function goes through :func:`saline.matchers.match` with this minion's id, grains and
pillar. As in Salt, a malformed target is logged and simply does not match (templates keep
rendering); ``filter_by``/``search_by``/``ifelse`` pick data by target.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from saline.dictupdate import update
from saline.errors import SaltInvocationError
from saline.loader import Context, Module
from saline.matchers import match as target_match

mod = Module("match", doc="Match this minion against targets; pick data by target (filter_by).")

def _minion_id(ctx: Context, minion_id: Any) -> str:
    if minion_id is not None:
        return str(minion_id)
    return str(ctx.opts.get("id") or ctx.grains.get("id") or "")


def _check(ctx: Context, tgt: Any, tgt_type: str, minion_id: Any = None, delimiter: str | None = None) -> bool:
    try:
        return target_match(tgt, tgt_type, _minion_id(ctx, minion_id), ctx.grains, ctx.pillar,
                            opts=ctx.opts, delimiter=delimiter)
    except SaltInvocationError as exc:
        ctx.log.error("match.%s: %s", tgt_type, exc)
        return False


@mod.query
def compound(ctx: Context, tgt: Any, minion_id: Any = None) -> bool:
    """Return True when this minion (or ``minion_id``) matches the compound target ``tgt``.

    CLI Example: ``saline-call --local match.compound 'G@os:Debian and web*'``
    """
    return _check(ctx, tgt, "compound", minion_id)


@mod.query
def glob(ctx: Context, tgt: Any, minion_id: Any = None) -> bool:
    """Return True when the minion id matches the shell glob ``tgt``.

    CLI Example: ``saline-call --local match.glob 'web*'``
    """
    return _check(ctx, tgt, "glob", minion_id)


@mod.query
def pcre(ctx: Context, tgt: Any, minion_id: Any = None) -> bool:
    """Return True when the minion id matches the regular expression ``tgt`` (anchored at the start).

    CLI Example: ``saline-call --local match.pcre 'web\\d+'``
    """
    return _check(ctx, tgt, "pcre", minion_id)


@mod.query(name="list")
def list_(ctx: Context, tgt: Any, minion_id: Any = None) -> bool:
    """Return True when the minion id is in ``tgt`` (a comma-separated string or a list).

    CLI Example: ``saline-call --local match.list 'web01,web02'``
    """
    return _check(ctx, tgt, "list", minion_id)


@mod.query
def grain(ctx: Context, tgt: Any, delimiter: str = ":") -> bool:
    """Return True when a grain matches ``key:glob`` (nested keys joined by ``delimiter``).

    CLI Example: ``saline-call --local match.grain 'os_family:Debian'``
    """
    return _check(ctx, tgt, "grain", delimiter=delimiter)


@mod.query
def grain_pcre(ctx: Context, tgt: Any, delimiter: str = ":") -> bool:
    """Return True when a grain matches ``key:regex``.

    CLI Example: ``saline-call --local match.grain_pcre 'os:Deb.*'``
    """
    return _check(ctx, tgt, "grain_pcre", delimiter=delimiter)


@mod.query
def pillar(ctx: Context, tgt: Any, delimiter: str = ":") -> bool:
    """Return True when a pillar value matches ``key:glob``.

    CLI Example: ``saline-call --local match.pillar 'role:web'``
    """
    return _check(ctx, tgt, "pillar", delimiter=delimiter)


@mod.query
def pillar_pcre(ctx: Context, tgt: Any, delimiter: str = ":") -> bool:
    """Return True when a pillar value matches ``key:regex``.

    CLI Example: ``saline-call --local match.pillar_pcre 'role:w.*'``
    """
    return _check(ctx, tgt, "pillar_pcre", delimiter=delimiter)


@mod.query
def ipcidr(ctx: Context, tgt: Any) -> bool:
    """Return True when one of the minion's addresses (ipv4/ipv6 grains) is ``tgt`` or inside it.

    CLI Example: ``saline-call --local match.ipcidr 10.0.0.0/8``
    """
    return _check(ctx, tgt, "ipcidr")


@mod.query
def data(ctx: Context, tgt: Any) -> bool:
    """Return True when the minion data store matches ``key:glob``.

    CLI Example: ``saline-call --local match.data 'datacenter:eu*'``
    """
    return _check(ctx, tgt, "data")


def _merged(result: Any, merge: Any, merge_lists: bool) -> Any:
    if not merge:
        return result
    if not isinstance(merge, Mapping):
        raise SaltInvocationError("the merge argument must be a dictionary")
    if result is None:
        return copy.deepcopy(dict(merge))
    if not isinstance(result, dict):
        raise SaltInvocationError("merge needs the matched value to be a dictionary too")
    return update(copy.deepcopy(result), merge, merge_lists=bool(merge_lists))


@mod.query
def filter_by(ctx: Context, lookup: Any, tgt_type: str = "compound", minion_id: Any = None, merge: Any = None,
              merge_lists: bool = False, default: Any = "default") -> Any:
    """Return the value of the first key of ``lookup`` that matches this minion as a target.

    Keys are ``tgt_type`` targets (compound by default). With no match, ``lookup[default]`` (or
    None). ``merge`` (a dict) is merged recursively into the matched value (lists too with
    ``merge_lists``).

    CLI Example: ``saline-call --local match.filter_by '{web*: Web, db*: DB}' minion_id=web03``
    """
    if not isinstance(lookup, Mapping):
        raise SaltInvocationError("filter_by needs a dictionary of targets")
    for key, value in lookup.items():
        if _check(ctx, key, tgt_type, minion_id):
            return _merged(value, merge, merge_lists)
    return lookup.get(default)


@mod.query
def search_by(ctx: Context, lookup: Any, tgt_type: str = "compound", minion_id: Any = None) -> list[Any] | None:
    """Return every key of ``lookup`` whose list of targets holds one that matches (None if none).

    CLI Example: ``saline-call --local match.search_by '{web: [web*], db: ["G@role:db"]}'``
    """
    if not isinstance(lookup, Mapping):
        raise SaltInvocationError("search_by needs a dictionary of target lists")
    found = []
    for key, targets in lookup.items():
        targets = [targets] if isinstance(targets, str) else targets
        if any(_check(ctx, t, tgt_type, minion_id) for t in targets or []):
            found.append(key)
    return found or None


@mod.query
def ifelse(ctx: Context, *args: Any, tgt_type: str = "compound", minion_id: Any = None, merge: Any = None,
           merge_lists: bool = False) -> Any:
    """Multi-way if/else: ``tgt1 value1 tgt2 value2 ... default`` returns the value of the first
    matching target, else the last argument. True/False as a target always/never match.

    CLI Example: ``saline-call --local match.ifelse 'web*' Web 'db*' DB Other``
    """
    if len(args) % 2 == 0:
        raise SaltInvocationError("ifelse needs an odd number of arguments: target/value pairs and a default")
    if len(args) == 1:
        return args[0]
    for tgt, value in zip(args[:-1:2], args[1:-1:2], strict=True):
        if tgt is True or (tgt is not False and _check(ctx, tgt, tgt_type, minion_id)):
            return _merged(value, merge, merge_lists)
    return args[-1]
