"""Minion authentication on the master (runs in a worker thread: RSA is CPU-heavy).

The request proves possession of the private key: its body is signed with the key it presents.
The id is validated before anything else, so a hostile id never reaches the key store. The reply
is signed by the master key and echoes the minion's nonce; accepted minions get a fresh session
key and the current publish key, both encrypted to their own RSA key.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from saline import crypto, wire
from saline.master.keys import ACCEPTED, KeyStore

log = logging.getLogger(__name__)

MAX_CLOCK_SKEW = 300.0
# Live sessions per minion id: a second process of the same minion (saline-call next to the daemon)
# authenticates without cutting the other one off.
MAX_SESSIONS = 4


@dataclass
class Session:
    minion_id: str
    key: bytes
    guard: wire.ReplayGuard = field(default_factory=wire.ReplayGuard)
    earlier: list[Session] = field(default_factory=list)  # sessions of the same id still live, newest first

    def supersede(self, old: Session | None) -> None:
        """This session replaces ``old``: keep ``old`` and its earlier ones (up to MAX_SESSIONS in all)."""
        kept = [old, *old.earlier][:MAX_SESSIONS - 1] if old is not None else []
        for session in kept:
            session.earlier = []
        self.earlier = kept

    def candidates(self) -> list[Session]:
        return [self, *self.earlier]


@dataclass
class AuthResult:
    reply: bytes
    minion_id: str | None = None
    state: str | None = None
    session: Session | None = None
    grains: dict[str, Any] | None = None


class Authenticator:
    def __init__(self, keys: KeyStore, master_key: Any) -> None:
        self.keys = keys
        self.master_key = master_key
        self.master_pub = crypto.public_pem(master_key).decode()
        self._seen: OrderedDict[bytes, float] = OrderedDict()  # recent nonces: an auth request is single-use

    def _fresh(self, nonce: bytes, ts: float) -> bool:
        now = time.time()
        if abs(now - ts) > MAX_CLOCK_SKEW:
            return False
        while self._seen and next(iter(self._seen.values())) < now - 2 * MAX_CLOCK_SKEW:
            self._seen.popitem(last=False)
        if nonce in self._seen:
            return False
        self._seen[nonce] = now
        return True

    def handle(self, frame: dict[str, Any], publish_key: bytes, publish_kid: str,
               publish_ctr: int) -> AuthResult | None:
        """The reply to an auth request, or None when the request is dropped (logged)."""
        try:
            wire.check_map(frame, {"body": bytes, "sig": bytes})
            body = wire.unpack_map(frame["body"], {"id": str, "pub": str, "nonce": bytes, "ts": (int, float)})
        except wire.WireError as exc:
            log.warning("dropped a malformed auth request: %s", exc)
            return None
        try:
            minion_id = wire.validate_minion_id(body["id"])
        except wire.WireError as exc:
            log.warning("refused auth: %s", exc)
            return AuthResult(wire.pack({"enc": "clear", "error": "invalid minion id"}))
        try:
            pub = crypto.load_public_key(body["pub"])
        except crypto.CryptoError as exc:
            log.warning("refused auth from %s: %s", minion_id, exc)
            return None
        if not crypto.verify(pub, frame["sig"], wire.SIG_AUTH + frame["body"]):
            log.warning("refused auth from %s: the request is not signed by the key it presents", minion_id)
            return None
        if len(body["nonce"]) < 16 or not self._fresh(body["nonce"], float(body["ts"])):
            log.warning("refused auth from %s: stale or replayed request", minion_id)
            return None
        state = self.keys.check_auth(minion_id, body["pub"].encode())
        reply: dict[str, Any] = {
            "ret": state, "id": minion_id, "nonce": body["nonce"], "master_pub": self.master_pub,
            "ts": time.time(),
        }
        result = AuthResult(b"", minion_id, state)
        if state == ACCEPTED:
            session = Session(minion_id, crypto.new_aes_key())
            reply.update(
                session=crypto.rsa_encrypt(pub, session.key),
                pub_key=crypto.rsa_encrypt(pub, publish_key),
                pub_kid=publish_kid,
                pub_ctr=publish_ctr,
            )
            result.session = session
            grains = body.get("grains")
            result.grains = grains if isinstance(grains, dict) else {}
        packed = wire.pack(reply)
        sig = crypto.sign(self.master_key, wire.SIG_AUTH_REPLY + packed)
        result.reply = wire.pack({"enc": "clear", "body": packed, "sig": sig})
        log.info("auth from %s: %s", minion_id, state)
        return result
