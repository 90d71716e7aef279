"""The master's minion key store: one PEM file per minion id under ``pki_dir``, by state.

``minions/`` accepted, ``minions_pre/`` pending, ``minions_rejected/`` rejected, ``minions_denied/``
denied (a different key arrived for an id that already has one). Ids are validated before any path
is built from them. The same class serves the daemon (auth) and ``saline-key``.
"""

from __future__ import annotations

import fnmatch
import logging
import os
from typing import Any

from saline.wire import is_valid_minion_id, validate_minion_id

log = logging.getLogger(__name__)

ACCEPTED, PENDING, REJECTED, DENIED = "accepted", "pending", "rejected", "denied"
DIRS = {ACCEPTED: "minions", PENDING: "minions_pre", REJECTED: "minions_rejected", DENIED: "minions_denied"}
# saline-key --out=json keys, Salt's names
LIST_KEYS = {ACCEPTED: "minions", PENDING: "minions_pre", REJECTED: "minions_rejected", DENIED: "minions_denied"}


class KeyStore:
    def __init__(self, pki_dir: str, opts: dict[str, Any] | None = None) -> None:
        self.pki_dir = pki_dir
        self.opts = opts or {}
        os.makedirs(pki_dir, mode=0o700, exist_ok=True)
        for sub in DIRS.values():
            os.makedirs(os.path.join(pki_dir, sub), mode=0o700, exist_ok=True)

    def _path(self, state: str, minion_id: str) -> str:
        return os.path.join(self.pki_dir, DIRS[state], validate_minion_id(minion_id))

    def read(self, state: str, minion_id: str) -> bytes | None:
        try:
            with open(self._path(state, minion_id), "rb") as fh:
                return fh.read()
        except FileNotFoundError:
            return None

    def _write(self, state: str, minion_id: str, pem: bytes) -> None:
        path = self._path(state, minion_id)
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "wb") as fh:
            fh.write(pem)
        os.replace(tmp, path)

    def _remove(self, state: str, minion_id: str) -> bool:
        try:
            os.unlink(self._path(state, minion_id))
        except FileNotFoundError:
            return False
        return True

    def list_state(self, state: str) -> list[str]:
        folder = os.path.join(self.pki_dir, DIRS[state])
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            return []
        return sorted(n for n in names if is_valid_minion_id(n) and ".tmp" not in n)

    def list_all(self) -> dict[str, list[str]]:
        return {LIST_KEYS[state]: self.list_state(state) for state in DIRS}

    def state_of(self, minion_id: str) -> str | None:
        for state in (ACCEPTED, REJECTED, PENDING, DENIED):
            if self.read(state, minion_id) is not None:
                return state
        return None

    def _autofile_match(self, option: str, minion_id: str) -> bool:
        path = self.opts.get(option)
        if not path:
            return False
        try:
            with open(path, encoding="utf-8") as fh:
                lines = [ln.strip() for ln in fh]
        except OSError:
            return False
        return any(ln and not ln.startswith("#") and fnmatch.fnmatchcase(minion_id, ln) for ln in lines)

    def check_auth(self, minion_id: str, pem: bytes) -> str:
        """The state of ``minion_id`` presenting key ``pem``, recording a new key as pending (or as
        accepted/rejected per ``auto_accept``, ``autosign_file``, ``autoreject_file``)."""
        validate_minion_id(minion_id)
        for state in (ACCEPTED, REJECTED, PENDING):
            known = self.read(state, minion_id)
            if known is None:
                continue
            if _same_key(known, pem):
                return state
            # Another key for a known id: keep the known one, record the newcomer as denied.
            self._write(DENIED, minion_id, pem)
            log.warning("minion %s presented a key different from its %s key: denied", minion_id, state)
            return DENIED
        if self._autofile_match("autoreject_file", minion_id):
            self._write(REJECTED, minion_id, pem)
            return REJECTED
        if self.opts.get("auto_accept") or self._autofile_match("autosign_file", minion_id):
            self._write(ACCEPTED, minion_id, pem)
            return ACCEPTED
        self._write(PENDING, minion_id, pem)
        return PENDING

    def match(self, pattern: str, states: tuple[str, ...]) -> list[tuple[str, str]]:
        """(state, id) pairs of keys in ``states`` whose id matches glob ``pattern``."""
        return [(s, m) for s in states for m in self.list_state(s) if fnmatch.fnmatchcase(m, pattern)]

    def accept(self, pattern: str, include_rejected: bool = False, include_denied: bool = False) -> list[str]:
        states = (PENDING,) + ((REJECTED,) if include_rejected else ()) + ((DENIED,) if include_denied else ())
        done = []
        for state, mid in self.match(pattern, states):
            if self.read(ACCEPTED, mid) is not None:
                continue
            pem = self.read(state, mid)
            if pem is None:
                continue
            self._write(ACCEPTED, mid, pem)
            self._remove(state, mid)
            done.append(mid)
        return done

    def reject(self, pattern: str, include_accepted: bool = False, include_denied: bool = False) -> list[str]:
        states = (PENDING,) + ((ACCEPTED,) if include_accepted else ()) + ((DENIED,) if include_denied else ())
        done = []
        for state, mid in self.match(pattern, states):
            pem = self.read(state, mid)
            if pem is None:
                continue
            self._write(REJECTED, mid, pem)
            self._remove(state, mid)
            done.append(mid)
        return done

    def delete(self, pattern: str) -> list[str]:
        done = []
        for state, mid in self.match(pattern, tuple(DIRS)):
            if self._remove(state, mid):
                done.append(mid)
        return sorted(set(done))

    def keys_by_state(self, pattern: str) -> dict[str, dict[str, bytes]]:
        out: dict[str, dict[str, bytes]] = {}
        for state, mid in self.match(pattern, tuple(DIRS)):
            pem = self.read(state, mid)
            if pem is not None:
                out.setdefault(LIST_KEYS[state], {})[mid] = pem
        return out


def _same_key(a: bytes, b: bytes) -> bool:
    return a.strip() == b.strip()
