"""Talking to a running master over its local socket (``<sock_dir>/master.ipc``), for the CLIs."""

from __future__ import annotations

import os
import time
from collections import deque
from typing import Any

from saline import wire
from saline.errors import SalineError


class MasterNotRunning(SalineError):
    """No master answers on the local socket."""


class LocalClient:
    def __init__(self, opts: dict[str, Any]) -> None:
        import zmq

        self.path = os.path.join(opts["sock_dir"], "master.ipc")
        if not os.path.exists(self.path):
            raise MasterNotRunning(f"the master is not running (no socket {self.path})")
        self.zctx = zmq.Context()
        self.sock = self.zctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(f"ipc://{self.path}")
        self.backlog: deque[dict[str, Any]] = deque()  # returns that arrived while waiting for a reply

    def close(self) -> None:
        self.sock.close(linger=0)
        self.zctx.term()

    def __enter__(self) -> LocalClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def recv(self, timeout: float) -> dict[str, Any] | None:
        """The next message from the master, or None after ``timeout`` seconds."""
        if self.backlog:
            return self.backlog.popleft()
        if not self.sock.poll(max(0, int(timeout * 1000))):
            return None
        msg = wire.unpack(self.sock.recv())
        return msg if isinstance(msg, dict) else None

    def call(self, request: dict[str, Any], timeout: float = 10) -> dict[str, Any]:
        """One request and its reply; returns pushed in between are kept for :meth:`recv`."""
        self.sock.send(wire.pack(request))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            msg = None
            if self.sock.poll(max(0, int(remaining * 1000))):
                raw = wire.unpack(self.sock.recv())
                msg = raw if isinstance(raw, dict) else {}
            if msg is None:
                raise MasterNotRunning(f"the master did not answer within {timeout:g}s ({self.path})")
            if "id" in msg and "return" in msg:
                self.backlog.append(msg)
                continue
            if "error" in msg:
                raise SalineError(str(msg["error"]))
            return msg
