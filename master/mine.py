"""The master's mine: each minion's latest mine data, readable by other minions through ``mine.get``.

A minion only ever writes under the id of its authenticated session (the request server hands that id
to the handlers; ids inside a load are never used). Data is kept in memory and in one msgpack file per
minion (mode 0600) in ``<cachedir>/mine`` (0700), loaded at start; deleting a minion's key drops it.
Every field from the wire is checked before use (see docs/protocol.md, ``_mine*`` commands).
"""

from __future__ import annotations

import fnmatch
import logging
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from saline import wire

log = logging.getLogger(__name__)

MAX_MINION_BYTES = 1024 * 1024  # packed mine data of one minion
MAX_FUNCTIONS = 1000  # entries per minion
MAX_NAME = 255  # characters of a function name / pattern
MAX_PATTERNS = 100  # functions asked for in one mine.get
ACL_MARK = "__saltmine_acl__"  # Salt's marker of an entry stored with an access list (allow_tgt)


def check_name(name: Any, what: str = "function name") -> str:
    if not isinstance(name, str) or not name or len(name) > MAX_NAME or any(ord(c) < 32 for c in name):
        raise wire.WireError(f"invalid mine {what}")
    return name


def _check_acl(name: str, value: Any) -> None:
    if not (isinstance(value, dict) and ACL_MARK in value):
        return
    from saline.errors import SaltInvocationError
    from saline.matchers import validate_target

    tgt, tgt_type = value.get("allow_tgt"), value.get("allow_tgt_type", "glob")
    if not isinstance(tgt_type, str) or not (isinstance(tgt, str) or (
            isinstance(tgt, list) and all(isinstance(t, str) for t in tgt))):
        raise wire.WireError(f"mine function {name}: invalid allow_tgt")
    try:
        validate_target(tgt, tgt_type)
    except SaltInvocationError as exc:
        raise wire.WireError(f"mine function {name}: {exc}") from None


def check_update(load: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The ``data`` and ``clear`` of a ``_mine`` load; WireError when malformed."""
    data, clear = load.get("data"), load.get("clear", False)
    if not isinstance(data, dict):
        raise wire.WireError("mine data must be a mapping of function name to data")
    if not isinstance(clear, bool):
        raise wire.WireError("clear must be a boolean")
    if len(data) > MAX_FUNCTIONS:
        raise wire.WireError(f"more than {MAX_FUNCTIONS} mine functions")
    for name, value in data.items():
        _check_acl(check_name(name), value)
    return data, clear


def check_get(load: dict[str, Any]) -> tuple[Any, str, list[str], bool, bool]:
    """``tgt, tgt_type, patterns, keyed, exclude_minion`` of a ``_mine_get`` load; WireError when malformed."""
    tgt, tgt_type = load.get("tgt"), load.get("tgt_type", "glob")
    fun, keyed, exclude = load.get("fun"), load.get("keyed", False), load.get("exclude_minion", False)
    if not isinstance(tgt_type, str) or not (isinstance(tgt, str) or (
            isinstance(tgt, list) and all(isinstance(t, str) for t in tgt))):
        raise wire.WireError("invalid target")
    if isinstance(fun, str):
        fun = [fun]
    if not isinstance(fun, list) or not fun or len(fun) > MAX_PATTERNS:
        raise wire.WireError("fun must be a non-empty list of function names")
    patterns = [check_name(f, "function pattern") for f in fun]
    if not isinstance(keyed, bool) or not isinstance(exclude, bool):
        raise wire.WireError("keyed and exclude_minion must be booleans")
    return tgt, tgt_type, patterns, keyed, exclude


def unwrap(stored: Any) -> tuple[Any, Any, str]:
    """``(data, allow_tgt, allow_tgt_type)`` of a stored entry (allow_tgt None: readable by all)."""
    if isinstance(stored, dict) and ACL_MARK in stored:
        return stored.get("__data__"), stored.get("allow_tgt"), stored.get("allow_tgt_type") or "glob"
    return stored, None, "glob"


class MineStore:
    """Mine data per minion id; thread-safe (the request server and runner threads use it)."""

    def __init__(self, directory: str, accepted: Iterable[str], persist: bool = True) -> None:
        self.directory = directory
        self.persist = persist
        self.lock = threading.Lock()
        self.data: dict[str, dict[str, Any]] = {}
        os.makedirs(directory, mode=0o700, exist_ok=True)
        os.chmod(directory, 0o700)
        for mid in accepted:
            try:
                with open(self._path(mid), "rb") as fh:
                    loaded = wire.unpack(fh.read())
            except (OSError, wire.WireError):
                continue
            if isinstance(loaded, dict):
                self.data[mid] = loaded

    def _path(self, minion_id: str) -> str:
        return os.path.join(self.directory, wire.validate_minion_id(minion_id))

    def _write(self, minion_id: str, data: dict[str, Any]) -> None:
        if not self.persist:
            return
        from saline.atomic import atomic_write

        atomic_write(self._path(minion_id), wire.pack(data), mode="0600", fsync=False)

    def update(self, minion_id: str, data: dict[str, Any], clear: bool = False) -> None:
        with self.lock:
            merged = dict(data) if clear else {**self.data.get(minion_id, {}), **data}
            if len(merged) > MAX_FUNCTIONS:
                raise wire.WireError(f"more than {MAX_FUNCTIONS} mine functions")
            packed = wire.pack(merged)
            if len(packed) > MAX_MINION_BYTES:
                raise wire.WireError(f"mine data of {len(packed)} bytes exceeds {MAX_MINION_BYTES} bytes")
            self._write(minion_id, merged)
            self.data[minion_id] = merged

    def delete(self, minion_id: str, fun: str) -> bool:
        with self.lock:
            current = self.data.get(minion_id, {})
            if fun not in current:
                return True
            remaining = {k: v for k, v in current.items() if k != fun}
            self._write(minion_id, remaining)
            self.data[minion_id] = remaining
            return True

    def flush(self, minion_id: str) -> None:
        with self.lock:
            self._write(minion_id, {})
            self.data[minion_id] = {}

    def forget(self, minion_id: str) -> None:
        """The minion's key was deleted or rejected: its mine data goes too."""
        with self.lock:
            self.data.pop(minion_id, None)
            try:
                os.unlink(self._path(minion_id))
            except (OSError, wire.WireError):
                pass

    def get(self, minions: Iterable[str], patterns: list[str], keyed: bool,
            allowed: Callable[[Any, str], bool] | None = None) -> dict[str, Any]:
        """``{minion: data}`` (``{pattern: {minion: data}}`` when ``keyed``) for ``minions``; an entry
        with an access list is left out when ``allowed(allow_tgt, allow_tgt_type)`` is False."""
        out: dict[str, Any] = {p: {} for p in patterns} if keyed else {}
        with self.lock:
            snapshot = {mid: self.data[mid] for mid in minions if mid in self.data}
        for mid in sorted(snapshot):
            stored = snapshot[mid]
            for pattern in patterns:
                names = [pattern] if pattern in stored else sorted(
                    n for n in stored if fnmatch.fnmatchcase(n, pattern))
                for name in names:
                    data, tgt, tgt_type = unwrap(stored[name])
                    if tgt is not None and (allowed is None or not allowed(tgt, tgt_type)):
                        continue
                    (out[pattern] if keyed else out)[mid] = data
                    break  # the first readable function a glob selects answers for this minion
        return out
