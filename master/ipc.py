"""The master's local CLI socket (``ipc://<sock_dir>/master.ipc``, mode 0600 in a 0700 directory).

Requests are msgpack maps with a ``cmd``; each gets one reply map (``{"error": ...}`` on failure).
After a ``publish`` that asked for returns, the master also pushes one map per return to the CLI.
Key changes made here take effect at once: a deleted or rejected minion loses its session and the
publish key is rotated before the reply is sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from saline import wire
from saline.errors import SalineError

if TYPE_CHECKING:
    from saline.master.daemon import Master

log = logging.getLogger(__name__)


class IpcServer:
    def __init__(self, master: Master) -> None:
        self.master = master
        self.tasks: set[asyncio.Task[None]] = set()

    async def runner(self, sock: Any, ident: bytes, req: dict[str, Any]) -> None:
        from saline.master.runner_bridge import serve_runner

        try:
            reply = await serve_runner(self.master, sock, ident, req)
        except SalineError as exc:
            reply = {"error": str(exc)}
        except Exception as exc:  # a runner bug must not take the socket down
            log.exception("runner %s failed", req.get("fun"))
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        await sock.send_multipart([ident, wire.pack(reply)])

    async def serve(self, sock: Any) -> None:
        while True:
            frames = await sock.recv_multipart()
            if len(frames) != 2:
                continue
            ident, raw = frames
            try:
                req = wire.unpack_map(raw, {"cmd": str})
                if req["cmd"] == "runner":
                    # Runners may take long (state.event streams until stopped): answer from a task so
                    # the socket keeps serving everybody else meanwhile.
                    task = asyncio.ensure_future(self.runner(sock, ident, req))
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)
                    continue
                reply = await self.dispatch(ident, req)
            except (SalineError, KeyError, TypeError, ValueError) as exc:
                reply = {"error": str(exc)}
            except Exception as exc:  # keep serving whatever one request did
                log.exception("local request failed")
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            await sock.send_multipart([ident, wire.pack(reply)])

    async def dispatch(self, ident: bytes, req: dict[str, Any]) -> dict[str, Any]:
        cmd = req["cmd"]
        if cmd == "publish":
            return await self.publish(ident, req)
        if cmd == "unsubscribe":
            subs = self.master.cli_subs.get(str(req.get("jid")))
            if subs:
                subs.pop(ident, None)
            return {"ok": True}
        if cmd == "subscribe":  # keep receiving a job's returns (a CLI still waiting after find_job probes)
            jid = wire.validate_jid(req.get("jid"))
            until = time.monotonic() + min(max(float(req.get("timeout") or 60), 1.0), 86400.0)
            self.master.cli_subs.setdefault(jid, {})[ident] = until
            return {"ok": True}
        if cmd == "key":
            return key_command(self.master, req)
        if cmd == "lookup_jid":
            jid = wire.validate_jid(req.get("jid"))
            job = self.master.jobs.get_job(jid)
            return {"job": job, "returns": self.master.jobs.returns(jid)}
        if cmd == "runner_stop":
            self.master.runner_clients_gone.add(ident)
            return {"ok": True}
        if cmd == "presence":
            return {"presence": dict(self.master.presence), "accepted": self.master.keys.list_state("accepted"),
                    "now": time.time()}
        raise SalineError(f"unknown local command {cmd!r}")

    async def publish(self, ident: bytes, req: dict[str, Any]) -> dict[str, Any]:
        wire.check_map(req, {"tgt": (str, list), "fun": str})
        load = {
            "tgt": req["tgt"], "tgt_type": str(req.get("tgt_type") or "glob"), "fun": req["fun"],
            "arg": list(req.get("arg") or []), "kwarg": dict(req.get("kwarg") or {}),
            "ret": str(req.get("ret") or ""), "user": str(req.get("user") or "root"),
        }
        timeout = float(req.get("timeout") or self.master.opts.get("timeout") or 5)
        subscriber = ident if req.get("subscribe", True) else None
        return await self.master.publish(load, subscriber, timeout)


def key_command(master: Master, req: dict[str, Any]) -> dict[str, Any]:
    """``saline-key`` actions run by the master, so that they take effect for the very next job."""
    keys = master.keys
    action = req.get("action")
    pattern = str(req.get("match") or "*")
    if action == "list":
        return {"keys": keys.list_all()}
    if action == "accept":
        return {"done": keys.accept(pattern, bool(req.get("include_rejected")), bool(req.get("include_denied")))}
    if action in ("reject", "delete"):
        before = set(keys.list_state("accepted"))
        if action == "reject":
            done = keys.reject(pattern, bool(req.get("include_accepted")), bool(req.get("include_denied")))
        else:
            done = keys.delete(pattern)
        removed = [m for m in done if m in before and keys.read("accepted", m) is None]
        for mid in done:
            if keys.read("accepted", mid) is None:
                master.forget_minion(mid)
        if removed:
            master.rotate_publish_key()
        master.events.publish("salt/key", {"act": action, "id": done})
        return {"done": done}
    raise SalineError(f"unknown key action {action!r}")
