"""The master's pillar cache (Salt's ``minion_data_cache``) and target resolution with it.

Whenever the master compiles a minion's pillar (the minion asked for it, or it authenticated with new
grains) the result is kept here: in memory as msgpack bytes, and with ``minion_data_cache: True`` (the
default) on disk as ``<cachedir>/pillar/<minion id>``, mode 0600 in a 0700 directory, so a restarted
master still resolves pillar targets. The cache is only read on the master (expected minions of a
pillar target, ``saline-run cache.pillar``); it is never sent to any minion.

Expected minions (:func:`target_matches`): a pillar term (``-I``, ``-J``, ``I@``, ``J@``) is matched
against the cached pillar. A minion with no cached pillar yet counts as matching every pillar term,
as Salt's "greedy" resolution does: it is expected, and if it does not match on its own pillar it shows
up as "[No response]" rather than being silently left out.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from saline import wire

log = logging.getLogger(__name__)

PILLAR_KINDS = frozenset({"pillar", "pillar_pcre", "pillar_exact"})
_PILLAR_WORD = re.compile(r"(?:^|[\s'\"\[,])[IJ].?@")  # I@, J@, I|@ (custom delimiter) words


def uses_pillar(tgt: Any, tgt_type: str, nodegroups: Any = None) -> bool:
    """Does resolving this target need pillar data? (a nodegroup may expand to ``I@``/``J@`` terms)"""
    if tgt_type in PILLAR_KINDS:
        return True
    if tgt_type not in ("compound", "nodegroup"):
        return False
    text = str(tgt)
    if tgt_type == "nodegroup" or "N@" in text:
        text += " " + str(nodegroups or "")
    return _PILLAR_WORD.search(text) is not None


class PillarCache:
    """``{minion_id: pillar}`` of the last pillar compiled for each minion (thread-safe)."""

    def __init__(self, directory: str, persist: bool = True, minions: Iterable[str] = ()) -> None:
        self.directory = directory
        self.persist = persist
        self._packed: dict[str, bytes] = {}
        self._lock = threading.Lock()
        if persist:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            os.chmod(directory, 0o700)
            for mid in minions:
                self._load(mid)

    def _path(self, minion_id: str) -> str:
        return os.path.join(self.directory, wire.validate_minion_id(minion_id))

    def _load(self, minion_id: str) -> None:
        try:
            with open(self._path(minion_id), "rb") as fh:
                packed = fh.read()
            if isinstance(wire.unpack(packed), dict):
                self._packed[minion_id] = packed
        except (OSError, wire.WireError):
            return

    def __contains__(self, minion_id: object) -> bool:
        return minion_id in self._packed

    def get(self, minion_id: str) -> dict[str, Any] | None:
        """A fresh copy of the cached pillar, or None when none was compiled yet."""
        packed = self._packed.get(minion_id)
        if packed is None:
            return None
        data = wire.unpack(packed)
        return data if isinstance(data, dict) else {}

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Every cached pillar (for ``cache.pillar``)."""
        return {mid: self.get(mid) or {} for mid in sorted(self._packed)}

    def store(self, minion_id: str, pillar: Mapping[str, Any]) -> None:
        packed = wire.pack(dict(pillar))
        path = self._path(minion_id)
        with self._lock:
            self._packed[minion_id] = packed
            if not self.persist:
                return
            tmp = f"{path}.{threading.get_ident()}.tmp"
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    os.fchmod(fh.fileno(), 0o600)  # whatever the umask: pillar holds secrets
                    fh.write(packed)
                os.replace(tmp, path)
            except OSError as exc:
                log.warning("cannot write the pillar cache of %s: %s", minion_id, exc)
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    def forget(self, minion_id: str) -> None:
        with self._lock:
            self._packed.pop(minion_id, None)
            try:
                os.unlink(self._path(minion_id))
            except (OSError, wire.WireError):
                pass


def target_matches(tgt: Any, tgt_type: str, minion_id: str, grains: Mapping[str, Any],
                   pillar: Mapping[str, Any] | None, opts: Mapping[str, Any]) -> bool:
    """Is ``minion_id`` expected to answer ``tgt``? ``pillar`` None: not cached, pillar terms match."""
    from saline.matchers import match
    from saline.matchers_compound import compound_match, expand_nodegroup

    if pillar is not None or not uses_pillar(tgt, tgt_type):
        return match(tgt, tgt_type, minion_id, grains, pillar or {}, opts=opts, datastore={})
    if tgt_type in PILLAR_KINDS:
        return True
    nodegroups = opts.get("nodegroups") or {}

    def single(kind: str, pattern: Any, delimiter: str | None) -> bool:
        if kind in PILLAR_KINDS:
            return True  # greedy: unknown pillar
        return match(pattern, kind, minion_id, grains, {}, opts=opts, delimiter=delimiter, datastore={})

    expr = expand_nodegroup(tgt, nodegroups) if tgt_type == "nodegroup" else tgt
    return compound_match(expr, nodegroups, single)


def expected_minions(minions: Iterable[str], tgt: Any, tgt_type: str, grains_cache: Mapping[str, Any],
                     pillar_cache: PillarCache, opts: Mapping[str, Any]) -> list[str]:
    """The minions of ``minions`` a pillar-using target is expected to reach (see the module docstring)."""
    out = []
    for mid in minions:
        try:
            if target_matches(tgt, tgt_type, mid, grains_cache.get(mid) or {}, pillar_cache.get(mid), opts):
                out.append(mid)
        except Exception as exc:  # a bad target was refused before publishing; never stop on one minion
            log.debug("matching %s against %r failed: %s", mid, tgt, exc)
    return out
