"""Publish frames: jobs encrypted with the publish key, signed by the master, with a counter.

The counter starts from the wall clock in microseconds and only goes up, so it keeps increasing
across master restarts (minions also reset their floor from the auth reply). Rotating the key
(after a key is deleted or rejected) makes every older copy of the publish key useless.
"""

from __future__ import annotations

import time
from typing import Any

from saline import crypto, wire


class Publisher:
    def __init__(self, master_key: Any) -> None:
        self.master_key = master_key
        self.counter = time.time_ns() // 1000
        self.key = b""
        self.kid = ""
        self.rotate()

    def rotate(self) -> str:
        """A new publish key; returns its id."""
        self.key = crypto.new_aes_key()
        self.kid = crypto.key_id(self.key)
        return self.kid

    def next_counter(self) -> int:
        self.counter = max(self.counter + 1, time.time_ns() // 1000)
        return self.counter

    def frame(self, jid: str, load: dict[str, Any]) -> bytes:
        """The bytes sent on the PUB socket for job ``jid``."""
        inner = wire.pack({"ctr": self.next_counter(), "ts": time.time(), "jid": jid, "load": load})
        data = crypto.aes_encrypt(self.key, inner, wire.AAD_PUBLISH + self.kid.encode())
        sig = crypto.sign(self.master_key, wire.publish_signed_bytes(self.kid, jid, data))
        return wire.pack({"v": wire.PROTOCOL, "kid": self.kid, "jid": jid, "data": data, "sig": sig})
