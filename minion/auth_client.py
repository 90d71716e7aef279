"""The minion's channel to the master's request port: auth, then AES-GCM requests.

One DEALER socket carries every round trip, one at a time (a lock): replies are matched to their
request (the auth reply echoes our nonce, an encrypted reply carries our counter), anything else is
discarded. On a timeout the socket is rebuilt so a stale reply can never be read as a new one.
The master's key is pinned in ``<pki_dir>/minion_master.pub`` on first use (or checked against
``master_finger``); a reply signed by any other key is refused.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from typing import Any

from saline import crypto, wire
from saline.errors import SalineError

log = logging.getLogger(__name__)


class AuthError(SalineError):
    """The master refused us or could not be trusted."""


class NeedReauth(SalineError):
    """The master no longer knows our session (restart, key change): authenticate again."""


@dataclass
class AuthState:
    state: str
    session_key: bytes = b""
    pub_key: bytes = b""
    pub_kid: str = ""
    pub_ctr: int = -1


class MasterChannel:
    def __init__(self, opts: dict[str, Any], minion_id: str, key: Any, zctx: Any, address: str) -> None:
        self.opts = opts
        self.minion_id = minion_id
        self.key = key
        self.pub_pem = crypto.public_pem(key).decode()
        self.zctx = zctx
        self.address = address
        self.lock = asyncio.Lock()
        self.sock: Any = None
        self.session_key = b""
        self.counter = 0
        self.master_pub: Any = self._pinned_master()

    # ---- master key pinning ---------------------------------------------------------------------

    @property
    def _pin_path(self) -> str:
        return os.path.join(self.opts["pki_dir"], "minion_master.pub")

    def _pinned_master(self) -> Any:
        try:
            with open(self._pin_path, "rb") as fh:
                return crypto.load_public_key(fh.read())
        except FileNotFoundError:
            return None

    def _trust(self, pem: Any) -> Any:
        """The master key to verify a reply with: the pinned one, or ``pem`` accepted on first use."""
        if self.master_pub is not None:
            return self.master_pub
        if not isinstance(pem, str):
            raise AuthError("auth reply carries no master key")
        key = crypto.load_public_key(pem)
        finger = self.opts.get("master_finger")
        if finger and crypto.fingerprint(key) != finger.strip().lower():
            raise AuthError(f"the master's key fingerprint {crypto.fingerprint(key)} does not match master_finger")
        return key

    def _pin(self, key: Any) -> None:
        if self.master_pub is not None:
            return
        os.makedirs(self.opts["pki_dir"], mode=0o700, exist_ok=True)
        with open(self._pin_path, "wb") as fh:
            fh.write(crypto.public_pem(key))
        self.master_pub = key
        log.info("pinned the master key %s", crypto.fingerprint(key))

    # ---- socket ---------------------------------------------------------------------------------

    def _socket(self) -> Any:
        import zmq

        if self.sock is None:
            self.sock = self.zctx.socket(zmq.DEALER)
            self.sock.setsockopt(zmq.LINGER, 0)
            self.sock.setsockopt(zmq.IMMEDIATE, 1)
            self.sock.setsockopt(zmq.RECONNECT_IVL, 100)
            self.sock.setsockopt(zmq.RECONNECT_IVL_MAX, 2000)
            self.sock.connect(self.address)
        return self.sock

    def reset(self) -> None:
        if self.sock is not None:
            self.sock.close(linger=0)
            self.sock = None

    async def _round_trip(self, frame: bytes, accept: Any, timeout: float) -> Any:
        """Send ``frame``; return the first reply ``accept`` turns into a value (not None)."""
        sock = self._socket()
        deadline = time.monotonic() + timeout
        try:
            sent = sock.send(frame)
            if not sent.done():  # usually sent at once: no timer needed
                await asyncio.wait_for(sent, timeout)
            sent.result()
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                raw = await asyncio.wait_for(sock.recv(), left)
                value = accept(raw)
                if value is not None:
                    return value
        except TimeoutError:
            self.reset()
            raise

    # ---- auth -----------------------------------------------------------------------------------

    def auth_request(self, grains: dict[str, Any], nonce: bytes) -> bytes:
        body = wire.pack({"id": self.minion_id, "pub": self.pub_pem, "nonce": nonce, "ts": time.time(),
                          "grains": grains})
        sig = crypto.sign(self.key, wire.SIG_AUTH + body)
        return wire.pack({"enc": "clear", "cmd": wire.AUTH_CMD, "body": body, "sig": sig})

    def read_auth_reply(self, raw: bytes, nonce: bytes) -> AuthState | None:
        """The verified auth reply for ``nonce``; None for unrelated frames; AuthError if forged."""
        try:
            frame = wire.unpack_map(raw, {"enc": str})
        except wire.WireError:
            return None
        if "body" not in frame:
            if frame.get("error") and frame.get("error") != "reauth":
                raise AuthError(f"the master refused us: {frame['error']}")
            return None
        try:
            wire.check_map(frame, {"body": bytes, "sig": bytes})
            body = wire.unpack_map(frame["body"], {"ret": str, "id": str, "nonce": bytes})
        except wire.WireError as exc:
            raise AuthError(f"malformed auth reply: {exc}") from None
        if body["nonce"] != nonce:
            return None  # a late reply to an earlier attempt
        master = self._trust(body.get("master_pub"))
        if not crypto.verify(master, frame["sig"], wire.SIG_AUTH_REPLY + frame["body"]):
            raise AuthError("the auth reply is not signed by the master's key: refused")
        if body["id"] != self.minion_id:
            raise AuthError("the auth reply is for another minion")
        self._pin(master)
        state = AuthState(body["ret"])
        if state.state == "accepted":
            wire.check_map(body, {"session": bytes, "pub_key": bytes, "pub_kid": str, "pub_ctr": int})
            state.session_key = crypto.rsa_decrypt(self.key, body["session"])
            state.pub_key = crypto.rsa_decrypt(self.key, body["pub_key"])
            state.pub_kid = body["pub_kid"]
            state.pub_ctr = body["pub_ctr"]
        return state

    async def authenticate(self, grains: dict[str, Any], timeout: float) -> AuthState:
        async with self.lock:
            nonce = os.urandom(32)
            loop = asyncio.get_running_loop()
            frame = await loop.run_in_executor(None, self.auth_request, grains, nonce)
            state = await self._round_trip(frame, lambda raw: self.read_auth_reply(raw, nonce), timeout)
            if state.state == "accepted":
                self.session_key = state.session_key
                self.counter = 0
            return state

    # ---- encrypted requests ---------------------------------------------------------------------

    async def request(self, cmd: str, load: dict[str, Any], timeout: float) -> Any:
        """Send ``cmd`` over the session; NeedReauth when the master no longer knows the session."""
        async with self.lock:
            if not self.session_key:
                raise NeedReauth("not authenticated")
            self.counter += 1
            ctr = self.counter
            aad = self.minion_id.encode()
            inner = wire.pack({"cmd": cmd, "ctr": ctr, "id": self.minion_id, "ts": time.time(), "load": load})
            data = crypto.aes_encrypt(self.session_key, inner, wire.AAD_REQUEST + aad)
            frame = wire.pack({"enc": "aes", "id": self.minion_id, "data": data})
            key = self.session_key

            def accept(raw: bytes) -> Any:
                try:
                    reply = wire.unpack_map(raw, {"enc": str})
                except wire.WireError:
                    return None
                if reply["enc"] == "clear" and reply.get("error") == "reauth":
                    return NeedReauth("the master asks us to authenticate again")
                if reply["enc"] != "aes" or not isinstance(reply.get("data"), bytes):
                    return None
                try:
                    body = wire.unpack_map(crypto.aes_decrypt(key, reply["data"], wire.AAD_REPLY + aad),
                                           {"ctr": int})
                except (crypto.CryptoError, wire.WireError):
                    return None
                return body if body["ctr"] == ctr else None

            result = await self._round_trip(frame, accept, timeout)
            if isinstance(result, NeedReauth):
                self.session_key = b""
                raise result
            return result.get("ret")
