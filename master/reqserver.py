"""Requests from minions on the ret port: auth in clear, everything else AES-GCM per session.

Dispatch goes through the allow-list in :mod:`saline.wire`: an unauthenticated peer can only send
``_auth``; an authenticated minion can only send the commands in ``wire.MINION_COMMANDS``. The minion id
of a request is the id its session key belongs to (bound into the AES associated data), never a
field a minion could choose freely. Malformed frames, failed decryptions and replays are dropped
with a log line.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from saline import crypto, wire
from saline.errors import SalineError

if TYPE_CHECKING:
    from saline.master.daemon import Master

log = logging.getLogger(__name__)

# Commands that read files or render templates (a pillar may run for seconds): answered from the master's
# worker threads so one slow minion never holds up the others. The rest touch loop-owned state (job
# cache, sessions, the event bus) and stay on the event loop.
IN_WORKER = frozenset({"_pillar", "_file_list", "_file_hash", "_file_get"})


def _open(session: Any, data: bytes, aad: bytes) -> tuple[bytes, Any]:
    """Decrypt with the minion's newest session key, else one of its earlier live ones (see auth.Session)."""
    for candidate in session.candidates():
        try:
            return crypto.aes_decrypt(candidate.key, data, aad), candidate
        except crypto.CryptoError:
            continue
    raise crypto.CryptoError("no session key of this minion opens the request")


def reauth_reply() -> bytes:
    return wire.pack({"enc": "clear", "error": "reauth"})


class RequestServer:
    def __init__(self, master: Master) -> None:
        self.master = master

    async def handle(self, raw: bytes) -> bytes | None:
        """The reply frame for one request frame, or None to send nothing."""
        try:
            frame = wire.unpack_map(raw, {"enc": str})
        except wire.WireError as exc:
            log.warning("dropped a malformed request frame: %s", exc)
            return None
        if frame["enc"] == "clear":
            if frame.get("cmd") != wire.AUTH_CMD:
                log.warning("dropped an unauthenticated %r request: only auth is allowed in clear",
                            str(frame.get("cmd"))[:40])
                return None
            return await self.master.authenticate(frame)
        if frame["enc"] == "aes":
            return await self._encrypted(frame)
        log.warning("dropped a request with unknown encoding %r", str(frame["enc"])[:20])
        return None

    async def _encrypted(self, frame: dict[str, Any]) -> bytes | None:
        try:
            wire.check_map(frame, {"id": str, "data": bytes})
            minion_id = wire.validate_minion_id(frame["id"])
        except wire.WireError as exc:
            log.warning("dropped an encrypted request: %s", exc)
            return None
        session = self.master.sessions.get(minion_id)
        if session is None:
            return reauth_reply()
        aad = minion_id.encode()
        try:
            plain, session = _open(session, frame["data"], wire.AAD_REQUEST + aad)
            inner = wire.unpack_map(plain, {"cmd": str, "ctr": int, "id": str})
        except crypto.CryptoError:
            log.info("request from %s does not decrypt with its session key: asking it to re-auth", minion_id)
            return reauth_reply()
        except wire.WireError as exc:
            log.warning("dropped a malformed request from %s: %s", minion_id, exc)
            return None
        if inner["id"] != minion_id:
            log.warning("dropped a request whose id %r does not match its key (%s)", inner["id"][:60], minion_id)
            return None
        if not session.guard.check(inner["ctr"]):
            log.warning("dropped a replayed request from %s (counter %s)", minion_id, inner["ctr"])
            return None
        cmd = inner["cmd"]
        if cmd not in wire.MINION_COMMANDS:
            log.warning("dropped request %r from %s: not an allowed command", cmd[:40], minion_id)
            return None
        load = inner.get("load")
        handler = getattr(self.master, "req" + cmd)
        args = (minion_id, load if isinstance(load, dict) else {})
        try:
            if cmd in IN_WORKER:
                ret = await asyncio.get_running_loop().run_in_executor(self.master.pool, handler, *args)
            else:
                ret = handler(*args)
        except wire.WireError as exc:
            log.warning("refused %s from %s: %s", cmd, minion_id, exc)
            ret = {"error": str(exc)}
        except SalineError as exc:  # e.g. a pillar that fails to render: the minion gets the error text
            log.warning("%s for %s failed: %s", cmd, minion_id, exc)
            ret = {"error": str(exc)}
        body = wire.pack({"ctr": inner["ctr"], "ret": ret})
        return wire.pack({"enc": "aes", "data": crypto.aes_encrypt(session.key, body, wire.AAD_REPLY + aad)})
