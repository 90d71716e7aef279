"""The master/minion wire format: msgpack frames, envelopes, id/jid checks and replay counters.

Every frame is one msgpack map, at most ``MAX_FRAME`` bytes. Anything that does not decode to the
expected shape raises :class:`WireError`, which the servers catch and log (a malformed frame never
crashes or blocks a worker). The exact format is documented in docs/protocol.md.
"""

from __future__ import annotations

import re
import time
from typing import Any

from saline.errors import SalineError

MAX_FRAME = 4 * 1024 * 1024
PROTOCOL = 1

# What an authenticated minion may ask the master (request server allow-list); an unauthenticated
# peer may only send AUTH_CMD in clear.
AUTH_CMD = "_auth"
MINION_COMMANDS = frozenset({"_return", "_job", "_ping", "_file_envs", "_file_list", "_file_hash", "_file_get",
                             "_pillar", "_event", "_mine", "_mine_get", "_mine_delete", "_mine_flush"})

AAD_REQUEST = b"saline/req/"
AAD_REPLY = b"saline/rep/"
AAD_PUBLISH = b"saline/pub/"
SIG_AUTH = b"saline/auth\0"
SIG_AUTH_REPLY = b"saline/auth-reply\0"
SIG_PUBLISH = b"saline/pub\0"

_JID_RE = re.compile(r"^\d{20}$")
_MAX_ID = 255


class WireError(SalineError):
    """A frame is malformed, too large, or not the expected shape."""


def pack(obj: Any) -> bytes:
    import msgpack

    data = msgpack.packb(obj, use_bin_type=True)
    if len(data) > MAX_FRAME:
        raise WireError(f"message of {len(data)} bytes exceeds the {MAX_FRAME}-byte frame limit")
    return data


def unpack(data: Any, max_size: int = MAX_FRAME) -> Any:
    """Decode one msgpack frame; WireError when it is oversized, truncated or not msgpack."""
    import msgpack

    if not isinstance(data, bytes | bytearray | memoryview):
        raise WireError("frame is not bytes")
    if len(data) > max_size:
        raise WireError(f"frame of {len(data)} bytes exceeds the {max_size}-byte limit")
    try:
        return msgpack.unpackb(
            bytes(data), raw=False, strict_map_key=False,
            max_str_len=max_size, max_bin_len=max_size, max_array_len=1_000_000, max_map_len=1_000_000,
        )
    except (ValueError, TypeError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError,
            RecursionError) as exc:
        raise WireError(f"malformed frame: {type(exc).__name__}: {exc}") from None


def unpack_map(data: Any, required: dict[str, type | tuple[type, ...]], max_size: int = MAX_FRAME) -> dict[str, Any]:
    """:func:`unpack` a map and check that each ``required`` key is present with the given type."""
    obj = unpack(data, max_size)
    return check_map(obj, required)


def check_map(obj: Any, required: dict[str, type | tuple[type, ...]]) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise WireError(f"expected a map, got {type(obj).__name__}")
    for key, kind in required.items():
        if key not in obj:
            raise WireError(f"missing field '{key}'")
        value = obj[key]
        if isinstance(value, bool) and kind in (int, (int, float)):
            raise WireError(f"field '{key}' has the wrong type")
        if not isinstance(value, kind):
            raise WireError(f"field '{key}' has the wrong type ({type(value).__name__})")
    return obj


def validate_minion_id(minion_id: Any) -> str:
    """Return ``minion_id`` when it is safe as a file name and key-store entry, else WireError.

    Refused: non-strings, empty, over 255 characters, ``.``/``..``, path separators, NUL and other
    control characters, and a leading ``-`` or ``.`` (would read as an option or a hidden file).
    """
    if not isinstance(minion_id, str) or not minion_id:
        raise WireError("minion id must be a non-empty string")
    if len(minion_id) > _MAX_ID:
        raise WireError(f"minion id is longer than {_MAX_ID} characters")
    if minion_id in (".", "..") or "/" in minion_id or "\\" in minion_id or ".." in minion_id:
        raise WireError(f"minion id {minion_id!r} contains a path component")
    if any(ord(c) < 32 or ord(c) == 127 for c in minion_id):
        raise WireError(f"minion id {minion_id!r} contains control characters")
    if minion_id[0] in "-." or minion_id != minion_id.strip():
        raise WireError(f"minion id {minion_id!r} must not start with '-' or '.' or have surrounding spaces")
    return minion_id


def is_valid_minion_id(minion_id: Any) -> bool:
    try:
        validate_minion_id(minion_id)
    except WireError:
        return False
    return True


def validate_jid(jid: Any) -> str:
    """A jid is exactly 20 digits (``%Y%m%d%H%M%S%f``)."""
    if not isinstance(jid, str) or not _JID_RE.match(jid):
        raise WireError(f"invalid jid {jid!r}")
    return jid


def new_jid(last: str | None = None) -> str:
    """A fresh 20-digit jid, strictly greater than ``last`` when given."""
    now = time.time()
    jid = time.strftime("%Y%m%d%H%M%S", time.localtime(now)) + f"{int(now * 1e6) % 1_000_000:06d}"
    if last is not None and jid <= last:
        jid = f"{int(last) + 1:020d}"
    return jid


class ReplayGuard:
    """Accepts only strictly increasing counters (replays and reordered old messages are refused)."""

    def __init__(self, floor: int = -1) -> None:
        self.last = floor

    def check(self, counter: Any) -> bool:
        if isinstance(counter, bool) or not isinstance(counter, int) or counter <= self.last:
            return False
        self.last = counter
        return True


def publish_signed_bytes(kid: str, jid: str, data: bytes) -> bytes:
    """The exact bytes the master signs for a publish (key id, jid and ciphertext bound together)."""
    return SIG_PUBLISH + kid.encode() + b"\0" + jid.encode() + b"\0" + data


def wire_safe(value: Any) -> Any:
    """``value`` with integers msgpack cannot carry (beyond 64 bits, e.g. a 20-digit jid typed as a number
    on a command line) turned into their text, in nested lists and dicts too."""
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64:
        return str(value)
    if isinstance(value, list):
        return [wire_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: wire_safe(v) for k, v in value.items()}
    return value
