"""Targeting: does a minion match a target expression?

One entry point, :func:`match`, for every Salt target type: ``glob`` (default), ``pcre``,
``list``, ``grain``, ``grain_pcre``, ``pillar``, ``pillar_pcre``, ``pillar_exact``, ``ipcidr``,
``compound``, ``nodegroup`` and ``data``. The same code runs on the minion (is this job for me?),
in top files (state and pillar) and on the master (which minions are expected to answer).

Malformed targets raise :class:`saline.errors.SaltInvocationError`; callers that must follow
Salt's lenient behaviour (a bad target in a top file simply matches nothing) use
:func:`match_or_false`.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import logging
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from saline.errors import SaltInvocationError
from saline.matchers_compound import (
    compound_match,
    expand_nodegroup,
    nodegroup_to_compound,
    normalize_nodegroups,
)
from saline.matchers_subdict import check_pcre, subdict_match

log = logging.getLogger(__name__)

TARGET_TYPES = (
    "glob", "pcre", "list", "grain", "grain_pcre", "pillar", "pillar_pcre", "pillar_exact",
    "ipcidr", "compound", "nodegroup", "data",
)
DEFAULT_DELIMITER = ":"


def _need_str(tgt: Any, tgt_type: str) -> str:
    if not isinstance(tgt, str):
        raise SaltInvocationError(f"A {tgt_type} target must be a string, not {type(tgt).__name__}")
    return tgt


def glob_match(tgt: str, minion_id: str) -> bool:
    """Shell-style glob on the minion id (case-sensitive, like Salt on POSIX)."""
    return fnmatch.fnmatchcase(minion_id, _need_str(tgt, "glob"))


def pcre_match(tgt: str, minion_id: str) -> bool:
    """``re.match`` of the target regex at the start of the minion id."""
    check_pcre(_need_str(tgt, "pcre"), "pcre target")
    return re.match(tgt, minion_id) is not None


def list_match(tgt: str | Sequence[Any], minion_id: str) -> bool:
    """Membership: a comma-separated string (no spaces trimmed, as in Salt) or a list of ids."""
    if isinstance(tgt, str):
        return minion_id in tgt.split(",")
    if isinstance(tgt, list | tuple | set | frozenset):
        return minion_id in tgt
    raise SaltInvocationError(f"A list target must be a comma-separated string or a list, not {tgt!r}")


def _keyed_match(tgt: Any, data: Mapping[str, Any], tgt_type: str, delimiter: str, mode: str) -> bool:
    tgt = _need_str(tgt, tgt_type)
    if delimiter not in tgt:
        raise SaltInvocationError(
            f"Invalid {tgt_type} target '{tgt}': expected 'key{delimiter}value' "
            f"(nested keys are joined with '{delimiter}')"
        )
    return subdict_match(data or {}, tgt, delimiter=delimiter, mode=mode)


def grain_match(tgt: str, grains: Mapping[str, Any], delimiter: str = DEFAULT_DELIMITER) -> bool:
    """Glob on a grain value: ``os:Debian``, ``roles:web*``, ``ip_interfaces:eth0:10.*``."""
    return _keyed_match(tgt, grains, "grain", delimiter, "glob")


def grain_pcre_match(tgt: str, grains: Mapping[str, Any], delimiter: str = DEFAULT_DELIMITER) -> bool:
    """Regular expression (``re.match``, case-insensitive) on a grain value."""
    return _keyed_match(tgt, grains, "grain_pcre", delimiter, "pcre")


def pillar_match(tgt: str, pillar: Mapping[str, Any], delimiter: str = DEFAULT_DELIMITER) -> bool:
    """Glob on a pillar value."""
    return _keyed_match(tgt, pillar, "pillar", delimiter, "glob")


def pillar_pcre_match(tgt: str, pillar: Mapping[str, Any], delimiter: str = DEFAULT_DELIMITER) -> bool:
    """Regular expression on a pillar value."""
    return _keyed_match(tgt, pillar, "pillar_pcre", delimiter, "pcre")


def pillar_exact_match(tgt: str, pillar: Mapping[str, Any], delimiter: str = DEFAULT_DELIMITER) -> bool:
    """Case-insensitive equality on a pillar value (no wildcards)."""
    return _keyed_match(tgt, pillar, "pillar_exact", delimiter, "exact")


def _addresses(values: Any) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    found = []
    for value in values if isinstance(values, list | tuple) else [values]:
        try:
            found.append(ipaddress.ip_address(str(value).split("%", 1)[0]))
        except ValueError:
            continue
    return found


def ipcidr_match(tgt: str, grains: Mapping[str, Any]) -> bool:
    """An address (``10.0.0.5``) or network (``10.0.0.0/24``) against the ``ipv4``/``ipv6`` grains."""
    tgt = _need_str(tgt, "ipcidr").strip()
    try:
        target: Any = ipaddress.ip_address(tgt)
    except ValueError:
        try:
            target = ipaddress.ip_network(tgt)
        except ValueError as exc:
            raise SaltInvocationError(f"Invalid IP/CIDR target '{tgt}': {exc}") from None
    own = _addresses((grains or {}).get(f"ipv{target.version}") or [])
    if isinstance(target, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return any(addr in target for addr in own)
    return target in own


def load_datastore(opts: Mapping[str, Any] | None) -> dict[str, Any]:
    """The minion's local data store (``<cachedir>/datastore``, msgpack), or ``{}`` when absent."""
    cachedir = (opts or {}).get("cachedir")
    if not cachedir:
        return {}
    path = os.path.join(cachedir, "datastore")
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise SaltInvocationError(f"Cannot read the data store {path}: {exc.strerror}") from None
    if not raw:
        return {}
    import msgpack

    try:
        data = msgpack.unpackb(raw, raw=False, strict_map_key=False)
    except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError) as exc:
        raise SaltInvocationError(f"The data store {path} is corrupt: {exc}") from None
    return data if isinstance(data, dict) else {}


def data_match(tgt: str, datastore: Mapping[str, Any]) -> bool:
    """``key:pattern`` against the minion data store: glob on a value, any list member, or a dict key."""
    tgt = _need_str(tgt, "data")
    key, sep, pattern = tgt.partition(":")
    if not sep:
        raise SaltInvocationError(f"Invalid data target '{tgt}': expected 'key:value'")
    value = datastore.get(key)
    if value is None:
        return False
    if isinstance(value, list | tuple):
        return any(fnmatch.fnmatchcase(str(m).lower(), pattern.lower()) for m in value)
    if isinstance(value, Mapping):
        return pattern in value
    return fnmatch.fnmatchcase(str(value), pattern)


def match(
    tgt: Any,
    tgt_type: str | None,
    minion_id: str,
    grains: Mapping[str, Any] | None,
    pillar: Mapping[str, Any] | None,
    *,
    nodegroups: Any = None,
    opts: Mapping[str, Any] | None = None,
    delimiter: str | None = None,
    datastore: Mapping[str, Any] | None = None,
) -> bool:
    """True when the minion described by ``minion_id``/``grains``/``pillar`` matches ``tgt``.

    ``nodegroups`` defaults to ``opts["nodegroups"]``; ``delimiter`` (grain and pillar types)
    defaults to ``:``; ``datastore`` (``data`` type) defaults to the store under
    ``opts["cachedir"]``. Raises SaltInvocationError for an unknown type or a malformed target.
    """
    tgt_type = tgt_type or "glob"
    grains = grains or {}
    pillar = pillar or {}
    delim = delimiter or DEFAULT_DELIMITER
    if nodegroups is None:
        nodegroups = (opts or {}).get("nodegroups") or {}

    def single(kind: str, pattern: Any, target_delim: str | None) -> bool:
        d = target_delim or delim
        if kind == "glob":
            return glob_match(pattern, minion_id)
        if kind == "pcre":
            return pcre_match(pattern, minion_id)
        if kind == "list":
            return list_match(pattern, minion_id)
        if kind == "grain":
            return grain_match(pattern, grains, d)
        if kind == "grain_pcre":
            return grain_pcre_match(pattern, grains, d)
        if kind == "pillar":
            return pillar_match(pattern, pillar, d)
        if kind == "pillar_pcre":
            return pillar_pcre_match(pattern, pillar, d)
        if kind == "pillar_exact":
            return pillar_exact_match(pattern, pillar, d)
        if kind == "ipcidr":
            return ipcidr_match(pattern, grains)
        if kind == "data":
            store = datastore if datastore is not None else load_datastore(opts)
            return data_match(pattern, store)
        if kind == "range":
            raise SaltInvocationError("Range targeting (R@, range) needs a range server; it is not supported")
        raise SaltInvocationError(
            f"Unknown target type '{kind}' (expected one of {', '.join(TARGET_TYPES)})"
        )

    if tgt_type == "compound":
        return compound_match(tgt, nodegroups, single)
    if tgt_type == "nodegroup":
        name = _need_str(tgt, "nodegroup")
        return compound_match(expand_nodegroup(name, nodegroups), nodegroups, single)
    return single(tgt_type, tgt, None)


def validate_target(tgt: Any, tgt_type: str | None, *, nodegroups: Any = None, delimiter: str | None = None) -> None:
    """Raise SaltInvocationError when ``tgt`` is malformed, whatever minion it is matched against.

    For a master or CLI to refuse a bad target before publishing it: every term of a compound
    target is parsed and checked (regexes compile, subnets are valid, nodegroups exist).
    """
    match(tgt, tgt_type, "", {}, {}, nodegroups=nodegroups or {}, delimiter=delimiter, datastore={})


def match_or_false(tgt: Any, tgt_type: str | None, minion_id: str, grains: Mapping[str, Any] | None,
                   pillar: Mapping[str, Any] | None, **kwargs: Any) -> bool:
    """:func:`match`, but a malformed target logs an error and matches nothing (Salt's top files)."""
    try:
        return match(tgt, tgt_type, minion_id, grains, pillar, **kwargs)
    except SaltInvocationError as exc:
        log.error("%s", exc)
        return False


__all__ = [
    "TARGET_TYPES", "compound_match", "data_match", "expand_nodegroup", "glob_match", "grain_match",
    "grain_pcre_match", "ipcidr_match", "list_match", "load_datastore", "match", "match_or_false",
    "nodegroup_to_compound", "normalize_nodegroups", "pcre_match", "pillar_exact_match", "pillar_match",
    "pillar_pcre_match", "validate_target",
]
