"""``saline-master``: the master daemon (asyncio + zmq.asyncio).

Sockets: PUB on ``publish_port`` (encrypted, signed jobs), ROUTER on ``ret_port`` (minion requests,
see :mod:`saline.master.reqserver`) and ROUTER on ``ipc://<sock_dir>/master.ipc`` (mode 0600, for the
local ``saline`` / ``saline-key`` CLIs, see :mod:`saline.master.ipc`). RSA work (auth) runs in a
thread pool so the loop never stalls.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from saline import crypto, wire
from saline.errors import ConfigError
from saline.master.grains_cache import ID_ONLY_TARGETS, GrainsCache
from saline.master.serving import ServingMixin

log = logging.getLogger("saline.master")

CATCH_UP_WINDOW = 300.0  # seconds a minion may fetch a job by jid after it was published


class Master(ServingMixin):
    def __init__(self, opts: dict[str, Any]) -> None:
        from saline.master.auth import Authenticator
        from saline.master.events import EventBus
        from saline.master.jobs import JobCache
        from saline.master.keys import KeyStore
        from saline.master.publisher import Publisher
        from saline.master.reqserver import RequestServer

        self.opts = opts
        self.keys = KeyStore(opts["pki_dir"], opts)
        self.master_key = crypto.load_or_create_key_pair(opts["pki_dir"], "master")
        self.publisher = Publisher(self.master_key)
        self.authenticator = Authenticator(self.keys, self.master_key)
        self.reqserver = RequestServer(self)
        os.makedirs(opts["cachedir"], mode=0o700, exist_ok=True)
        self.jobs = JobCache.from_opts(opts)
        self.events = EventBus()
        self.sessions: dict[str, Any] = {}
        self.presence: dict[str, float] = {}
        # saline-run clients that asked a streaming runner (state.event) to stop
        self.runner_clients_gone: set[bytes] = set()
        self.grains_dir = os.path.join(opts["cachedir"], "grains")
        os.makedirs(self.grains_dir, mode=0o700, exist_ok=True)
        self.grains_cache = self._load_grains()
        from saline.master.pillar_cache import PillarCache

        self.pillar_cache = PillarCache(os.path.join(opts["cachedir"], "pillar"),
                                        bool(opts.get("minion_data_cache", True)), self.keys.list_state("accepted"))
        from saline.master.mine import MineStore

        self.mine = MineStore(os.path.join(opts["cachedir"], "mine"), self.keys.list_state("accepted"))
        self.cli_subs: dict[str, dict[bytes, float]] = {}  # jid -> {ipc identity: give-up time}
        self.pool = ThreadPoolExecutor(max_workers=max(2, int(opts.get("worker_threads") or 5)))
        self.stop_event: asyncio.Event | None = None
        self.background: set[asyncio.Future[Any]] = set()
        self.pub_sock: Any = None
        self.ipc_sock: Any = None

    # ---- grains cache (expected minions) -----------------------------------------------------

    def _load_grains(self) -> GrainsCache:
        cache = GrainsCache()
        for name in self.keys.list_state("accepted"):
            try:
                with open(os.path.join(self.grains_dir, name), "rb") as fh:
                    packed = fh.read()
                if isinstance(wire.unpack(packed), dict):
                    cache.set_packed(name, packed)
            except (OSError, wire.WireError):
                continue
        return cache

    def _store_grains(self, minion_id: str, grains: dict[str, Any]) -> None:
        packed = wire.pack(grains)
        self.grains_cache.set_packed(minion_id, packed)
        if not self.opts.get("minion_data_cache", True):
            return
        path = os.path.join(self.grains_dir, wire.validate_minion_id(minion_id))
        with open(f"{path}.tmp", "wb") as fh:
            fh.write(packed)
        os.replace(f"{path}.tmp", path)

    def forget_minion(self, minion_id: str) -> None:
        """A key was deleted or rejected: end its session and rotate the publish key at once."""
        self.sessions.pop(minion_id, None)
        self.presence.pop(minion_id, None)
        self.grains_cache.pop(minion_id, None)
        self.pillar_cache.forget(minion_id)
        self.mine.forget(minion_id)
        try:
            os.unlink(os.path.join(self.grains_dir, wire.validate_minion_id(minion_id)))
        except (OSError, wire.WireError):
            pass

    def rotate_publish_key(self) -> None:
        kid = self.publisher.rotate()
        log.info("publish key rotated (now %s)", kid)

    def expected_minions(self, tgt: Any, tgt_type: str) -> list[str]:
        """Accepted minions the target matches, from the grains they reported at auth."""
        from saline.master import pillar_cache
        from saline.matchers import match

        if pillar_cache.uses_pillar(tgt, tgt_type, self.opts.get("nodegroups")):
            return pillar_cache.expected_minions(self.keys.list_state("accepted"), tgt, tgt_type,
                                                 self.grains_cache, self.pillar_cache, self.opts)
        out = []
        id_only = tgt_type in ID_ONLY_TARGETS  # no grains to unpack
        for mid in self.keys.list_state("accepted"):
            try:
                grains = {} if id_only else self.grains_cache.get(mid, {})
                if match(tgt, tgt_type, mid, grains, {}, opts=self.opts, datastore={}):
                    out.append(mid)
            except Exception as exc:
                log.debug("matching %s against %r failed: %s", mid, tgt, exc)
        return out

    # ---- minion requests ------------------------------------------------------------------------

    async def authenticate(self, frame: dict[str, Any]) -> bytes | None:
        loop = asyncio.get_running_loop()
        pub = self.publisher
        result = await loop.run_in_executor(self.pool, self.authenticator.handle, frame, pub.key, pub.kid,
                                            pub.counter)
        if result is None:
            return None
        if result.minion_id:
            if result.session is not None:
                result.session.supersede(self.sessions.get(result.minion_id))
                self.sessions[result.minion_id] = result.session
                self.presence[result.minion_id] = time.time()
                # a new minion, or new grains: compile its pillar for the pillar cache (in a worker)
                recompile = (result.minion_id not in self.pillar_cache
                             or self.grains_cache.get(result.minion_id) != (result.grains or {}))
                self._store_grains(result.minion_id, result.grains or {})
                if recompile:
                    self.cache_pillar_soon(result.minion_id)
            else:
                self.sessions.pop(result.minion_id, None)
            self.events.publish("salt/auth", {"id": result.minion_id, "act": result.state,
                                              "result": result.state == "accepted"})
        return result.reply

    def req_ping(self, minion_id: str, load: dict[str, Any]) -> dict[str, Any]:
        self.presence[minion_id] = time.time()
        return {"pub_kid": self.publisher.kid}

    def req_job(self, minion_id: str, load: dict[str, Any]) -> dict[str, Any] | None:
        """A job's publish load by jid: how a minion catches up on a job it could not decrypt."""
        jid = wire.validate_jid(load.get("jid"))
        job = self.jobs.get_job(jid)
        if job is None or time.time() - float(job.get("ts") or 0) > CATCH_UP_WINDOW:
            return None  # only recent jobs: an old publish replayed later cannot re-run a job
        return publish_load(jid, job)

    def req_return(self, minion_id: str, load: dict[str, Any]) -> dict[str, Any]:
        jid = wire.validate_jid(load.get("jid"))
        if not self.jobs.has_job(jid):
            raise wire.WireError(f"return for unknown job {jid}")
        self.presence[minion_id] = time.time()
        ret = {
            "return": load.get("return"), "retcode": load.get("retcode", 0),
            "success": bool(load.get("success", True)), "fun": str(load.get("fun", "")),
            "fun_args": load.get("fun_args", []), "jid": jid, "id": minion_id,
        }
        if not self.jobs.add_return(jid, minion_id, ret):
            return {"ok": False}
        self.events.publish(f"salt/job/{jid}/ret/{minion_id}", ret)
        subs = self.cli_subs.get(jid)
        if subs and self.ipc_sock is not None:
            msg = wire.pack({"jid": jid, "id": minion_id, "return": ret["return"], "retcode": ret["retcode"],
                             "success": ret["success"]})
            for ident in list(subs):
                task = asyncio.ensure_future(self.ipc_sock.send_multipart([ident, msg]))
                self.background.add(task)
                task.add_done_callback(self.background.discard)
        return {"ok": True}

    # ---- publishing -----------------------------------------------------------------------------

    async def publish(self, load: dict[str, Any], subscriber: bytes | None, timeout: float) -> dict[str, Any]:
        from saline.matchers import validate_target

        tgt, tgt_type = load["tgt"], load.get("tgt_type") or "glob"
        validate_target(tgt, tgt_type, nodegroups=self.opts.get("nodegroups") or {})
        jid = self.jobs.new_jid()
        minions = self.expected_minions(tgt, tgt_type)
        record = {**load, "tgt_type": tgt_type, "ts": time.time()}
        self.jobs.add_job(jid, record, minions)
        if subscriber is not None:
            self.cli_subs.setdefault(jid, {})[subscriber] = time.monotonic() + max(timeout, 1) + 60
        self.events.publish(f"salt/job/{jid}/new", {"jid": jid, "minions": minions, **record})
        await self.pub_sock.send(self.publisher.frame(jid, publish_load(jid, record)))
        return {"jid": jid, "minions": minions}

    def _expire_subs(self) -> None:
        now = time.monotonic()
        for jid in list(self.cli_subs):
            subs = self.cli_subs[jid]
            for ident in [i for i, until in subs.items() if until < now]:
                del subs[ident]
            if not subs:
                del self.cli_subs[jid]

    # ---- main loop ------------------------------------------------------------------------------

    async def run(self) -> None:
        import zmq
        import zmq.asyncio
        from saline.master.fileserver import make_updater
        from saline.master.ipc import IpcServer

        # a bad gitfs / git pillar configuration stops the master here; remotes are then fetched by
        # the updater thread, never on a request
        updater = make_updater(self.opts, self.fileserver)
        self.stop_event = asyncio.Event()
        self.events.attach()
        ctx = zmq.asyncio.Context()
        iface = self.opts.get("interface") or "0.0.0.0"
        host = f"[{iface}]" if ":" in iface else iface
        self.pub_sock = ctx.socket(zmq.PUB)
        self.pub_sock.setsockopt(zmq.SNDHWM, 100_000)
        self.pub_sock.setsockopt(zmq.LINGER, 0)
        router = ctx.socket(zmq.ROUTER)
        router.setsockopt(zmq.LINGER, 0)
        # zmq itself cuts off absurd frames; anything up to this size reaches wire.unpack and its log line
        router.setsockopt(zmq.MAXMSGSIZE, wire.MAX_FRAME + 65536)
        self.ipc_sock = ctx.socket(zmq.ROUTER)
        self.ipc_sock.setsockopt(zmq.LINGER, 0)
        try:
            self.pub_sock.bind(f"tcp://{host}:{self.opts['publish_port']}")
            router.bind(f"tcp://{host}:{self.opts['ret_port']}")
            ipc_path = bind_ipc(self.ipc_sock, self.opts["sock_dir"])
        except zmq.ZMQError as exc:
            ctx.destroy(linger=0)
            raise ConfigError(f"cannot listen: {exc}") from None
        log.warning("saline-master listening on %s (publish %s, requests %s)", iface,
                    self.opts["publish_port"], self.opts["ret_port"])
        updater.start()
        ipc = IpcServer(self)
        tasks = [
            asyncio.ensure_future(self._serve_minions(router)),
            asyncio.ensure_future(ipc.serve(self.ipc_sock)),
            asyncio.ensure_future(self._housekeeping()),
        ]
        try:
            await self.stop_event.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            updater.stop()
            for sock in (self.pub_sock, router, self.ipc_sock):
                sock.close(linger=0)
            ctx.destroy(linger=0)
            try:
                os.unlink(ipc_path)
            except OSError:
                pass
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.jobs.close()
            log.warning("saline-master stopped")

    async def _serve_minions(self, router: Any) -> None:
        pending: set[asyncio.Future[Any]] = set()
        while True:
            frames = await router.recv_multipart(copy=True)
            if len(frames) != 2:
                log.warning("dropped a request with %d frames", len(frames))
                continue
            task = asyncio.ensure_future(self._answer(router, frames[0], frames[1]))
            pending.add(task)
            task.add_done_callback(pending.discard)

    async def _answer(self, router: Any, ident: bytes, raw: bytes) -> None:
        try:
            reply = await self.reqserver.handle(raw)
        except Exception:  # a bug in one handler must never stop the server
            log.exception("request handler failed")
            return
        if reply is not None:
            await router.send_multipart([ident, reply])

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(5)
            self._expire_subs()


def publish_load(jid: str, job: dict[str, Any]) -> dict[str, Any]:
    keys = ("fun", "arg", "kwarg", "tgt", "tgt_type", "ret", "user")
    return {"jid": jid, **{k: job.get(k) for k in keys if k in job}}


def bind_ipc(sock: Any, sock_dir: str) -> str:
    """Bind the local CLI socket in ``sock_dir`` (0700) as a 0600 socket file."""
    os.makedirs(sock_dir, mode=0o700, exist_ok=True)
    os.chmod(sock_dir, 0o700)
    path = os.path.join(sock_dir, "master.ipc")
    old = os.umask(0o177)
    try:
        sock.bind(f"ipc://{path}")
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    return path


def build_parser() -> Any:
    from saline.cli import SalineArgumentParser, add_logging_options

    parser = SalineArgumentParser(prog="saline-master", description="The Saline master daemon.")
    parser.add_argument("-c", "--config-dir", dest="config_dir", metavar="DIR",
                        help="configuration directory (default $SALINE_CONFIG_DIR, else /etc/saline)")
    parser.add_argument("-d", "--daemon", action="store_true", help="run in the background")
    parser.add_argument("--pid-file", dest="pidfile", metavar="FILE", help="pidfile (default: the pidfile option)")
    add_logging_options(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    from saline.cli import setup_logging
    from saline.config import load_config
    from saline.daemon import daemonize, remove_pidfile, write_pidfile

    ns = build_parser().parse_args(argv)
    setup_logging(ns.log_level or "warning")
    overrides = {k: getattr(ns, k) for k in ("log_level", "log_level_logfile") if getattr(ns, k)}
    try:
        opts = load_config("master", ns.config_dir, overrides)
    except ConfigError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    if ns.log_file:
        opts["log_file"] = os.path.abspath(ns.log_file)
    if ns.pidfile:
        opts["pidfile"] = os.path.abspath(ns.pidfile)
    for key in ("log_file", "pidfile"):
        if opts.get(key):
            os.makedirs(os.path.dirname(opts[key]), exist_ok=True)
    setup_logging(opts["log_level"], opts.get("log_file"), opts.get("log_level_logfile") or opts["log_level"])
    if ns.daemon:
        daemonize()
    else:
        import faulthandler

        faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>` dumps every thread's stack to stderr
    write_pidfile(opts.get("pidfile", ""))
    try:
        return asyncio.run(_run(opts))
    except ConfigError as exc:
        log.error("%s", exc)
        return 1
    finally:
        remove_pidfile(opts.get("pidfile", ""))


async def _run(opts: dict[str, Any]) -> int:
    master = Master(opts)
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    master.stop_event = done

    def stop() -> None:
        if master.stop_event is not None:
            master.stop_event.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    runner = asyncio.ensure_future(master.run())
    await runner
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
