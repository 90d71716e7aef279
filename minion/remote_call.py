"""``saline-call`` with ``file_client: remote`` (no ``--local``): files, pillar and events from the master.

Like Salt's salt-call, saline-call then talks to the master itself, as the minion: same id, same key pair
(``<pki_dir>/minion.pem``), same pinned master key, over the minion's own channel code
(:class:`saline.minion.auth_client.MasterChannel`). The master keeps this session next to the running
daemon's (see ``saline.master.auth.Session``), so neither cuts the other off.

The connection is made on first use, when the function asks for a ``salt://`` file, the pillar or sends
an event: ``saline-call test.ping`` never waits for a master.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from saline.errors import SalineError

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger(__name__)

NOT_ACCEPTED = "Minion failed to authenticate with the master, has the minion key been accepted?"


class MasterUnavailable(SalineError):
    """saline-call could not authenticate with the master."""


class MasterLink:
    """A synchronous ``request(cmd, load)`` to the master for saline-call, authenticated on first use.

    The zmq sockets live in an event loop of their own, in a daemon thread; callers in any thread wait
    for their answer.
    """

    def __init__(self, opts: dict[str, Any], grains: Callable[[], dict[str, Any]]) -> None:
        self.opts = opts
        self.grains = grains
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.channel: Any = None
        self.zctx: Any = None
        self.lock = threading.Lock()
        self.failed: SalineError | None = None  # auth failed: every later request fails the same way
        self._grains: dict[str, Any] = {}

    def _address(self) -> str:
        master = self.opts.get("master") or "salt"
        host = master[0] if isinstance(master, list) else master
        host = f"[{host}]" if ":" in host else host
        return f"tcp://{host}:{self.opts.get('master_port') or 4506}"

    def _start(self) -> None:
        import asyncio
        import json

        import zmq.asyncio
        from saline import crypto, wire
        from saline.minion.auth_client import MasterChannel

        minion_id = wire.validate_minion_id(self.opts["id"])
        key = crypto.load_or_create_key_pair(self.opts["pki_dir"], "minion")
        self._grains = json.loads(json.dumps(self.grains(), default=str))  # plain data for the wire
        loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=loop.run_forever, name="saline-call-master", daemon=True)
        self.thread.start()
        self.loop = loop

        async def connect() -> None:
            self.zctx = zmq.asyncio.Context()
            self.channel = MasterChannel(self.opts, minion_id, key, self.zctx, self._address())
            await self._authenticate(self._grains)

        try:
            self._run(connect(), None)
        except SalineError as exc:
            self.failed = exc
            raise

    async def _authenticate(self, grains: dict[str, Any]) -> None:
        from saline.minion.auth_client import AuthError

        timeout = float(self.opts.get("auth_timeout") or 5)
        tries = max(1, int(self.opts.get("auth_tries") or 7))
        for _ in range(tries):
            try:
                state = await self.channel.authenticate(grains, timeout)
            except TimeoutError:
                log.info("no answer from the master at %s, retrying", self._address())
                continue
            except AuthError as exc:
                raise MasterUnavailable(f"Attempt to authenticate with the master failed: {exc}") from None
            if state.state == "accepted":
                return
            log.warning("the master says this minion's key is %s", state.state)
            raise MasterUnavailable(NOT_ACCEPTED)
        raise MasterUnavailable(f"Attempt to authenticate with the master failed with timeout error "
                                f"({self._address()}, {tries} tries)")

    def _run(self, coro: Any, timeout: float | None) -> Any:
        import asyncio  # only once a master is needed: saline-call test.ping stays lean

        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def request(self, cmd: str, load: dict[str, Any]) -> Any:
        """The master's answer to ``cmd``; re-authenticates once when the master lost our session."""
        from saline.minion.auth_client import NeedReauth

        with self.lock:
            if self.failed is not None:
                raise self.failed
            if self.loop is None:
                self._start()
        timeout = float(self.opts.get("auth_timeout") or 5)

        async def ask() -> Any:
            for _ in range(3):
                try:
                    return await self.channel.request(cmd, load, timeout)
                except NeedReauth:
                    await self._authenticate(self._grains)
                except TimeoutError:
                    log.warning("no answer from the master to %s", cmd)
            raise MasterUnavailable(f"{cmd}: the master did not answer")

        return self._run(ask(), None)

    def close(self) -> None:
        loop = self.loop
        if loop is None:
            return

        async def shut() -> None:
            if self.channel is not None:
                self.channel.reset()
            if self.zctx is not None:
                self.zctx.destroy(linger=0)

        try:
            self._run(shut(), 5)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            if self.thread is not None:
                self.thread.join(5)
            loop.close()
            self.loop = None


def use_master(ctx: Any) -> MasterLink:
    """Point saline-call's context at the master: ``salt://`` files, the pillar it compiles for this
    minion (``pillar=`` overrides merged on top) and ``event.send``. Returns the link (close it at the end)."""
    from saline.minion.executor import use_master as job_uses_master

    link = MasterLink(ctx.opts, lambda: ctx.grains)
    job_uses_master(ctx, ctx.opts, link.request)  # the same wiring as a job of the minion daemon
    ctx.scratch["master_request"] = link.request
    return link
