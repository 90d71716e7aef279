"""``saline-minion``: the minion daemon.

Start-up: create the key pair on first start, authenticate (retrying every
``acceptance_wait_time`` seconds while the key is pending), then subscribe to the master's
publishes. Each publish is verified (master signature), decrypted with the publish key, checked
against the replay counter and matched against this minion's own grains/pillar before its
function runs in a worker thread; the return goes back encrypted with the session key.

The minion never needs a restart: a publish under an unknown key id (key rotation, master
restart), a ``reauth`` answer, or a failed liveness ping makes it authenticate again, and jobs it
could not decrypt are fetched by jid over its encrypted channel.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from saline import crypto, wire
from saline.errors import ConfigError

log = logging.getLogger("saline.minion")

SEEN_JIDS = 10_000
# A return the master has not acknowledged after this many seconds goes to the on-disk spool (most are
# acknowledged within milliseconds: writing and fsyncing every return first would cost more than the job).
SPOOL_AFTER = 1.0


class Minion:
    def __init__(self, opts: dict[str, Any]) -> None:
        self.opts = opts
        self.minion_id = wire.validate_minion_id(opts["id"])
        self.key = crypto.load_or_create_key_pair(opts["pki_dir"], "minion")
        self.grains: dict[str, Any] = {}
        self.pub_key = b""
        self.pub_kid = ""
        self.guards: dict[str, wire.ReplayGuard] = {}
        self.seen: OrderedDict[str, None] = OrderedDict()
        self.pool, self.own_pool = self._make_pool()
        self.channel: Any = None
        self.authed = asyncio.Event()
        self.auth_lock = asyncio.Lock()
        self.stop_event = asyncio.Event()
        self.first_auth = True
        self.tasks: set[asyncio.Future[Any]] = set()
        self.spool_dirty = True  # returns may be on disk (the first look covers a previous run's)

    # Process resources; the swarm (many identities in one process) shares them between identities.

    def _make_pool(self) -> tuple[ThreadPoolExecutor, bool]:
        """The worker threads for jobs and whether this minion owns (shuts down) them."""
        return ThreadPoolExecutor(max_workers=8, thread_name_prefix="job"), True

    def _zmq_context(self) -> tuple[Any, bool]:
        """The zmq context for this minion's sockets and whether this minion owns (destroys) it."""
        import zmq.asyncio

        return zmq.asyncio.Context(), True

    def _verify_publish(self, master: Any, sig: Any, signed: bytes) -> bool:
        return crypto.verify(master, sig, signed)

    def _master_host(self) -> str:
        master = self.opts.get("master") or "salt"
        host = master[0] if isinstance(master, list) else master
        return f"[{host}]" if ":" in host else host

    def _collect_grains(self) -> dict[str, Any]:
        from saline.minion.call import make_context

        grains = make_context(self.opts).grains
        return json.loads(json.dumps(grains, default=str))  # plain data for the wire

    # ---- authentication -------------------------------------------------------------------------

    async def authenticate(self) -> None:
        """Authenticate until accepted (pending: retry; rejected/denied: retry slowly, logged)."""
        from saline.minion.auth_client import AuthError

        async with self.auth_lock:
            self.authed.clear()
            wait = _seconds(self.opts.get("acceptance_wait_time"), 10.0)
            timeout = float(self.opts.get("auth_timeout") or 5)
            while not self.stop_event.is_set():
                try:
                    state = await self.channel.authenticate(self.grains, timeout)
                except TimeoutError:
                    log.info("no answer from the master to auth, retrying")
                    continue
                except (AuthError, crypto.CryptoError, wire.WireError) as exc:
                    log.error("authentication failed: %s", exc)
                    await self._sleep(wait)
                    continue
                if state.state == "accepted":
                    self._install_publish_key(state)
                    self.authed.set()
                    log.info("authenticated with the master")
                    return
                log.warning("the master says our key is %s; waiting %ss", state.state, wait)
                await self._sleep(wait)

    def _install_publish_key(self, state: Any) -> None:
        if state.pub_kid != self.pub_kid or self.first_auth:
            # First auth: only publishes newer than now are ours. A later new key: every frame under it
            # is new to us (it was unreadable), jid de-duplication covers replays of jobs we ran.
            floor = state.pub_ctr if self.first_auth else -1
            self.guards = {state.pub_kid: wire.ReplayGuard(floor)}
        self.first_auth = False
        self.pub_key, self.pub_kid = state.pub_key, state.pub_kid

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.stop_event.wait(), seconds)
        except TimeoutError:
            pass

    async def reauth(self) -> None:
        if self.auth_lock.locked():
            await self.authed.wait()
            return
        await self.authenticate()

    async def request(self, cmd: str, load: dict[str, Any], tries: int = 3) -> Any:
        from saline.minion.auth_client import NeedReauth

        timeout = float(self.opts.get("auth_timeout") or 5)
        for _ in range(tries):
            await self.authed.wait()
            try:
                return await self.channel.request(cmd, load, timeout)
            except NeedReauth:
                await self.reauth()
            except TimeoutError:
                log.warning("no answer from the master to %s", cmd)
        raise TimeoutError(f"{cmd}: the master did not answer")

    # ---- publishes ------------------------------------------------------------------------------

    async def listen(self, sub: Any) -> None:
        while True:
            raw = await sub.recv()
            try:
                self.on_publish(raw)
            except Exception:  # never let one frame stop the listener
                log.exception("publish handling failed")

    def on_publish(self, raw: bytes) -> None:
        try:
            frame = wire.unpack_map(raw, {"kid": str, "jid": str, "data": bytes, "sig": bytes})
            jid = wire.validate_jid(frame["jid"])
        except wire.WireError as exc:
            log.warning("dropped a malformed or clear-text publish: %s", exc)
            return
        master = self.channel.master_pub
        signed = wire.publish_signed_bytes(frame["kid"], jid, frame["data"])
        if master is None or not self._verify_publish(master, frame["sig"], signed):
            log.warning("dropped a publish not signed by the master (jid %s)", jid)
            return
        if jid in self.seen:
            log.info("dropped a publish for job %s, already handled", jid)
            return
        if frame["kid"] != self.pub_kid:
            log.info("publish for job %s is under a key we do not have: re-authenticating", jid)
            self._spawn(self.catch_up(jid))
            return
        try:
            plain = crypto.aes_decrypt(self.pub_key, frame["data"], wire.AAD_PUBLISH + frame["kid"].encode())
            inner = wire.unpack_map(plain, {"ctr": int, "jid": str, "load": dict})
        except (crypto.CryptoError, wire.WireError) as exc:
            log.warning("dropped publish %s: %s", jid, exc)
            return
        if inner["jid"] != jid:
            log.warning("dropped publish %s: inner jid differs", jid)
            return
        guard = self.guards.setdefault(frame["kid"], wire.ReplayGuard())
        if not guard.check(inner["ctr"]):
            log.warning("dropped a replayed publish (jid %s, counter %s)", jid, inner["ctr"])
            return
        self.handle_job(jid, inner["load"])

    async def catch_up(self, jid: str) -> None:
        """A job we could not decrypt: re-authenticate, then fetch it by jid over our channel."""
        try:
            await self.reauth()
            load = await self.request("_job", {"jid": jid})
        except TimeoutError as exc:
            log.error("could not fetch job %s: %s", jid, exc)
            return
        if isinstance(load, dict) and load.get("jid") == jid:
            self.handle_job(jid, load)

    def handle_job(self, jid: str, load: dict[str, Any]) -> None:
        if jid in self.seen:
            return
        self.seen[jid] = None
        while len(self.seen) > SEEN_JIDS:
            self.seen.popitem(last=False)
        self._spawn(self.execute(jid, {**load, "jid": jid}))

    async def execute(self, jid: str, load: dict[str, Any]) -> None:
        from saline.minion.executor import job_matches, needs_pillar, run_job

        loop = asyncio.get_running_loop()
        if needs_pillar(load.get("tgt"), load.get("tgt_type") or "glob"):
            # the pillar may have to be compiled (files, the master): a worker thread
            matched = await loop.run_in_executor(self.pool, job_matches, self.opts, self.grains, load,
                                                 self.sync_request)
        else:  # grains, ids and lists match in microseconds: no thread hop for the common case
            matched = job_matches(self.opts, self.grains, load)
        if not matched:
            return
        log.info("running job %s: %s", jid, load.get("fun"))
        ret = await loop.run_in_executor(self.pool, run_job, self.opts, self.grains, load, self.sync_request)
        try:
            wire.pack(ret)
        except (TypeError, ValueError, wire.WireError):
            ret["return"] = json.loads(json.dumps(ret.get("return"), default=str))
        await self.send_return(ret)

    def sync_request(self, cmd: str, load: dict[str, Any]) -> Any:
        """:meth:`request` for job threads (files and pillar while a job runs)."""
        future = asyncio.run_coroutine_threadsafe(self.request(cmd, load), self.loop)
        return future.result(timeout=120)

    # ---- returns: kept on disk until the master has them ------------------------------------------

    def _spool_path(self, jid: str) -> str:
        return os.path.join(self.opts["cachedir"], "returns", f"{wire.validate_jid(jid)}.ret")

    def spool(self, ret: dict[str, Any]) -> str:
        """Write a return the master has not acknowledged to ``<cachedir>/returns/<jid>.ret``: a master that
        is away (a restart in the middle of a job) gets it later, and so does a master after a minion restart."""
        from saline.atomic import atomic_write

        path = self._spool_path(str(ret["jid"]))
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        atomic_write(path, wire.pack(ret), mode="0600")
        self.spool_dirty = True
        return path

    async def send_return(self, ret: dict[str, Any]) -> None:
        """Send a return; one the master has not acknowledged within ``SPOOL_AFTER`` seconds (master away
        or restarting), or that is still in flight when the minion stops, is spooled to disk first."""
        tries = max(1, int(self.opts.get("return_retry_tries") or 3))
        spooled: list[str] = []
        timer = asyncio.get_running_loop().call_later(SPOOL_AFTER, lambda: spooled.append(self.spool(ret)))
        try:
            await self.request("_return", ret, tries=tries)
        except TimeoutError:
            log.warning("the master did not take the return of job %s; it is kept in %s and sent again",
                        ret["jid"], spooled[0] if spooled else self.spool(ret))
            return
        except asyncio.CancelledError:
            if not spooled:
                self.spool(ret)  # stopping with the return in flight: a restarted minion sends it
            raise
        finally:
            timer.cancel()
        if spooled:
            _unlink(spooled[0])  # any answer is an acknowledgement (a duplicate is answered too)

    async def resend_returns(self) -> None:
        """Every ``return_retry_timer`` seconds, send the returns still on disk, oldest first."""
        directory = os.path.join(self.opts["cachedir"], "returns")
        interval = _seconds(self.opts.get("return_retry_timer"), 5.0)
        while not self.stop_event.is_set():
            if not self.spool_dirty:  # nothing spooled since the directory was last seen empty
                await self._sleep(interval)
                continue
            try:
                names = sorted(n for n in os.listdir(directory) if n.endswith(".ret"))
            except FileNotFoundError:
                names = []
            if not names:
                self.spool_dirty = False  # set again by spool() (on this thread, so nothing is missed)
            for name in names:
                path = os.path.join(directory, name)
                try:
                    with open(path, "rb") as fh:
                        ret = wire.unpack(fh.read())
                    if not isinstance(ret, dict) or path != self._spool_path(str(ret.get("jid"))):
                        raise wire.WireError("not a spooled return")
                except (OSError, wire.WireError) as exc:
                    log.error("dropping unreadable spooled return %s: %s", path, exc)
                    _unlink(path)
                    continue
                if _age(path) > SPOOL_MAX_AGE:
                    log.error("giving up on the return of job %s after %d s", ret["jid"], SPOOL_MAX_AGE)
                    _unlink(path)
                    continue
                try:
                    await self.request("_return", ret, tries=1)
                except TimeoutError:
                    break  # the master is still away: try again later
                _unlink(path)
            await self._sleep(interval)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # ---- liveness -------------------------------------------------------------------------------

    async def keepalive(self) -> None:
        """Ping the master; a new publish key id or a lost session leads to a new auth."""
        import random

        interval = float(self.opts.get("master_alive_interval") or 30)
        # The first ping at a random point of the interval: minions started (or reconnected after a master
        # restart) together would otherwise ping in one burst every interval, all of them at once.
        await asyncio.sleep(random.uniform(0.5, 1.0) * interval)
        while True:
            try:
                ret = await self.request("_ping", {}, tries=1)
            except TimeoutError:
                ret = None
            if isinstance(ret, dict) and ret.get("pub_kid") not in (None, self.pub_kid):
                await self.reauth()
            await asyncio.sleep(interval)

    # ---- the mine -------------------------------------------------------------------------------

    async def mine_updates(self) -> None:
        """Salt's ``__mine_interval`` job: ``mine.update`` once authenticated, then every ``mine_interval``
        minutes (``mine_functions`` from the config merged with the pillar; see modules/mine.py)."""
        if not self.opts.get("mine_enabled", True):
            return
        interval = _seconds(self.opts.get("mine_interval"), 60.0) * 60
        loop = asyncio.get_running_loop()
        while not self.stop_event.is_set():
            try:
                await loop.run_in_executor(self.pool, self.mine_update)
            except Exception as exc:  # a broken pillar or module: try again at the next interval
                log.error("mine.update failed: %s", exc)
            await self._sleep(interval)

    def mine_update(self) -> None:
        from saline.minion.call import make_context
        from saline.minion.executor import use_master

        ctx = make_context(self.opts)
        ctx.grains = self.grains
        ctx.scratch["master_request"] = self.sync_request
        if self.opts.get("file_client", "remote") == "remote":
            use_master(ctx, self.opts, self.sync_request)
        if ctx.opts.get("mine_functions") or ctx.pillar.get("mine_functions"):
            ctx.salt["mine.update"]()

    # ---- main -----------------------------------------------------------------------------------

    async def run(self) -> None:
        import zmq
        from saline.minion.auth_client import MasterChannel

        loop = asyncio.get_running_loop()
        self.loop = loop
        self.grains = await loop.run_in_executor(self.pool, self._collect_grains)
        zctx, own_zctx = self._zmq_context()
        host = self._master_host()
        self.channel = MasterChannel(self.opts, self.minion_id, self.key, zctx,
                                     f"tcp://{host}:{self.opts['master_port']}")
        sub = zctx.socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        sub.setsockopt(zmq.RECONNECT_IVL, 100)
        sub.setsockopt(zmq.RECONNECT_IVL_MAX, 2000)
        sub.setsockopt(zmq.MAXMSGSIZE, wire.MAX_FRAME + 65536)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        tasks: list[asyncio.Future[Any]] = []
        try:
            # Subscribed while authenticating (frames wait in the socket until we listen): a job published
            # just after the master accepted us is not missed while the subscription is still being set up.
            sub.connect(f"tcp://{host}:{self.opts['publish_port']}")
            auth = asyncio.ensure_future(self.authenticate())
            stop = asyncio.ensure_future(self.stop_event.wait())
            await asyncio.wait([auth, stop], return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            if self.stop_event.is_set():
                auth.cancel()
                return
            tasks = [asyncio.ensure_future(self.listen(sub)), asyncio.ensure_future(self.keepalive()),
                     asyncio.ensure_future(self.resend_returns())]
            tasks.append(asyncio.ensure_future(self.mine_updates()))
            log.warning("saline-minion %s is running", self.minion_id)
            await self.stop_event.wait()
        finally:
            for task in [*tasks, *self.tasks]:
                task.cancel()
            await asyncio.gather(*tasks, *self.tasks, return_exceptions=True)
            self.channel.reset()
            sub.close(linger=0)
            if own_zctx:
                zctx.destroy(linger=0)
            if self.own_pool:
                self.pool.shutdown(wait=False, cancel_futures=True)
            log.warning("saline-minion stopped")


SPOOL_MAX_AGE = 86400  # seconds a return waits on disk for the master before it is dropped


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _age(path: str) -> float:
    import time

    try:
        return time.time() - os.path.getmtime(path)
    except OSError:
        return 0.0


def _seconds(value: Any, default: float) -> float:
    """A positive number of seconds from an option (Salt's acceptance_wait_time is still a Salt-only
    option in the config schema, so its type is checked here)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return default


def build_parser() -> Any:
    from saline.cli import SalineArgumentParser, add_logging_options

    parser = SalineArgumentParser(prog="saline-minion", description="The Saline minion daemon.")
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
        opts = load_config("minion", ns.config_dir, overrides)
        wire.validate_minion_id(opts["id"])
    except (ConfigError, wire.WireError) as exc:
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
        asyncio.run(_run(opts))
    finally:
        remove_pidfile(opts.get("pidfile", ""))
    return 0


async def _run(opts: dict[str, Any]) -> None:
    minion = Minion(opts)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, minion.stop_event.set)
    await minion.run()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
