"""Serving ``saline-run``: the master runs runners in a worker thread with a :class:`MasterAPI` of its state.

Runners are synchronous functions; they run off the event loop. What they need from the running master
(publishing ``test.ping`` for ``manage.up``, deleting keys for ``manage.down removekeys=True``, lines
streamed back by ``state.event``) is handed to the event loop with ``run_coroutine_threadsafe`` /
``call_soon_threadsafe``, so the master's state is only ever touched from its loop.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from saline import wire

if TYPE_CHECKING:
    from saline.master.daemon import Master


class ClientGone(Exception):
    """The ``saline-run`` client stopped listening: streaming runners end."""


def make_api(master: Master, loop: asyncio.AbstractEventLoop, emit_line: Any) -> Any:
    from saline.master.ipc import key_command
    from saline.master.runners import MasterAPI

    def on_loop(coro: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    def ping(tgt: Any, tgt_type: str, timeout: float) -> list[str]:
        load = {"tgt": tgt, "tgt_type": tgt_type or "glob", "fun": "test.ping", "arg": [], "kwarg": {},
                "ret": "", "user": "root"}
        job = on_loop(master.publish(load, None, timeout), 30)
        expected = set(job["minions"])
        deadline = time.monotonic() + float(timeout)
        while time.monotonic() < deadline:
            answered = set(master.jobs.returns(job["jid"]))
            if expected and expected <= answered:
                break
            time.sleep(0.05)
        return sorted(master.jobs.returns(job["jid"]))

    def running(timeout: float) -> dict[str, Any]:
        """``saltutil.running`` on every minion, waited for like ``saline`` does (find_job probes)."""
        from saline.master.gather import Gatherer, poll_returns

        def publish(tgt: Any, tgt_type: str, fun: str, arg: list[Any]) -> dict[str, Any]:
            load = {"tgt": tgt, "tgt_type": tgt_type, "fun": fun, "arg": arg, "kwarg": {}, "ret": "",
                    "user": "root"}
            return on_loop(master.publish(load, None, timeout), 30)

        job = publish("*", "glob", "saltutil.running", [])
        gjt = float(master.opts.get("gather_job_timeout") or 10)
        gather = Gatherer(job["jid"], job["minions"], float(timeout), gjt)
        rets = poll_returns(gather, master.jobs.returns,
                            lambda ids: publish(ids, "list", "saltutil.find_job", [job["jid"]])["jid"])
        return {mid: ret.get("return") for mid, ret in rets.items()}

    def remove_keys(ids: list[str]) -> list[str]:
        async def delete() -> list[str]:
            done: list[str] = []
            for mid in ids:
                done.extend(key_command(master, {"action": "delete", "match": mid})["done"])
            return done

        return on_loop(delete(), 30)

    return MasterAPI(
        opts=master.opts, jobs=master.jobs, keys=master.keys, presence=dict(master.presence),
        grains_cache=dict(master.grains_cache), events=master.events, ping=ping, remove_keys=remove_keys,
        running=running, pillar_cache=master.pillar_cache.snapshot(),
        fileserver=master.fileserver,
        mine=master.mine, expected_minions=master.expected_minions,
        emit=emit_line,
    )


async def serve_runner(master: Master, sock: Any, ident: bytes, req: dict[str, Any]) -> dict[str, Any]:
    """Run ``req["fun"]`` and return the final reply; pushed lines go to ``ident`` as they come."""
    from saline.master.runners import run_runner

    wire.check_map(req, {"fun": str})
    loop = asyncio.get_running_loop()
    gone = master.runner_clients_gone

    def emit_line(line: str) -> None:
        if ident in gone:
            raise ClientGone("the saline-run client went away")
        loop.call_soon_threadsafe(
            lambda: asyncio.ensure_future(sock.send_multipart([ident, wire.pack({"print": str(line)})])))

    api = make_api(master, loop, emit_line)
    args, kwargs = list(req.get("arg") or []), dict(req.get("kwarg") or {})
    try:
        value = await loop.run_in_executor(None, run_runner, api, req["fun"], args, kwargs)
    except ClientGone:
        return {"return": None}
    finally:
        gone.discard(ident)
    return {"return": value}
