"""Many minion identities in one process, for benchmarks and tests.

    python -m saline.minion.swarm -c CONFDIR --count N --prefix NAME [--first K]

Loads ``CONFDIR/minion`` once, then runs N minions ``NAME<K>`` .. ``NAME<K+N-1>`` (K defaults to 0) in one
asyncio loop; several swarms with disjoint ranges spread the identities over several processes (cores). Each
identity is a real :class:`saline.minion.daemon.Minion`: its own key pair and pki dir (under
``<root_dir>/swarm/<id>``), its own DEALER and SUB sockets, its own session key, replay guards and
return spool, and each identity verifies and decrypts every publish itself.

What N separate processes on one host would each have once, the swarm has once for all identities:
the grains (collected once, ``id`` set per identity: collecting them N times would measure grain
collection, not the master), the zmq context (its I/O thread and reaper: N contexts are 2N threads),
the job worker threads, and a memo of publish signatures already verified against the master's key.
The memo is keyed by the master key's fingerprint and the SHA-256 of the exact signature and signed
bytes, and holds only positive results: an RSA verification is a pure function of (key, signature,
data), so an identity asking about bytes another identity verified gets the answer the check would
give; a forged, altered or differently-keyed frame never hits it and is verified (and refused) in full.

Each identity costs about 4 file descriptors (two sockets with their mailboxes and TCP connections), so
``ulimit -n`` bounds N; the swarm refuses a count that would not fit.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import os
import signal
import sys
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from saline import crypto
from saline.minion.daemon import Minion

FDS_PER_IDENTITY = 6  # measured: about 4 per identity, plus a margin
SWARM_WORKERS = 16
VERIFIED_MEMO = 64  # publishes whose signature is remembered as good


class SwarmMinion(Minion):
    """A minion identity of the swarm: its own keys, sockets and checks; process resources shared."""

    shared_grains: dict[str, Any] = {}
    shared_zctx: Any = None
    shared_pool: ThreadPoolExecutor | None = None
    verified: OrderedDict[bytes, None] = OrderedDict()
    master_finger: tuple[Any, str] = (None, "")  # (this identity's pinned master key, its fingerprint)

    def _make_pool(self) -> tuple[ThreadPoolExecutor, bool]:
        if SwarmMinion.shared_pool is None:
            SwarmMinion.shared_pool = ThreadPoolExecutor(max_workers=SWARM_WORKERS, thread_name_prefix="job")
        return SwarmMinion.shared_pool, False

    def _zmq_context(self) -> tuple[Any, bool]:
        if SwarmMinion.shared_zctx is None:
            raise RuntimeError("the swarm's zmq context is made by run_swarm")
        return SwarmMinion.shared_zctx, False

    def _verify_publish(self, master: Any, sig: Any, signed: bytes) -> bool:
        if not isinstance(sig, bytes):
            return False
        if self.master_finger[0] is not master:
            self.master_finger = (master, crypto.fingerprint(master))
        finger = self.master_finger[1]
        memo = hashlib.sha256(b"%s\0%d\0%s%s" % (finger.encode(), len(sig), sig, signed)).digest()
        if memo in SwarmMinion.verified:
            return True
        if not crypto.verify(master, sig, signed):
            return False
        SwarmMinion.verified[memo] = None
        while len(SwarmMinion.verified) > VERIFIED_MEMO:
            SwarmMinion.verified.popitem(last=False)
        return True

    def _collect_grains(self) -> dict[str, Any]:
        if not SwarmMinion.shared_grains:
            SwarmMinion.shared_grains = super()._collect_grains()
        grains = copy.deepcopy(SwarmMinion.shared_grains)
        grains["id"] = self.minion_id
        grains.update(self.opts.get("grains") or {})
        return grains


def identity_opts(config_dir: str | None, mid: str, root: str) -> dict[str, Any]:
    from saline.config import load_config

    return load_config("minion", config_dir, {"id": mid, "root_dir": os.path.join(root, "swarm", mid)})


def max_count() -> int:
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(1, (soft - 200) // FDS_PER_IDENTITY)


async def freeze_when_up(minions: list[SwarmMinion]) -> None:
    """Once every identity is authenticated, move what start-up built (keys, sockets, grains: hundreds of
    thousands of objects for 1,000 identities) out of the cyclic garbage collector's view: a full
    collection otherwise walks all of it, 0.1-0.3 s in which no identity answers anything."""
    import gc

    await asyncio.gather(*(m.authed.wait() for m in minions))
    gc.collect()
    gc.freeze()


async def run_swarm(config_dir: str | None, count: int, prefix: str, first: int = 0) -> None:
    import zmq
    import zmq.asyncio
    from saline.config import load_config

    base = load_config("minion", config_dir)
    SwarmMinion.shared_zctx = zctx = zmq.asyncio.Context()
    zctx.setsockopt(zmq.LINGER, 0)
    zctx.set(zmq.MAX_SOCKETS, 2 * count + 64)  # the default (1023) would stop at ~500 identities
    root = base.get("root_dir") or "/"
    minions = [SwarmMinion(identity_opts(config_dir, f"{prefix}{i}", root)) for i in range(first, first + count)]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # grains once, before the others ask for them
    SwarmMinion.shared_grains = await loop.run_in_executor(None, minions[0]._collect_grains)
    tasks = [asyncio.ensure_future(m.run()) for m in minions]
    freezer = asyncio.ensure_future(freeze_when_up(minions))
    await stop.wait()
    for m in minions:
        m.stop_event.set()
    freezer.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    zctx.destroy(linger=0)
    if SwarmMinion.shared_pool is not None:
        SwarmMinion.shared_pool.shutdown(wait=False, cancel_futures=True)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from saline.cli import setup_logging

    parser = argparse.ArgumentParser(prog="python -m saline.minion.swarm",
                                     description="Run N minion identities in one process (benchmarks).")
    parser.add_argument("-c", "--config-dir", dest="config_dir", metavar="DIR")
    parser.add_argument("--count", type=int, required=True, help="number of identities")
    parser.add_argument("--prefix", default="swarm", help="minion ids are PREFIX<K> .. PREFIX<K+N-1>")
    parser.add_argument("--first", type=int, default=0, metavar="K", help="number of the first identity (0)")
    parser.add_argument("-l", "--log-level", default="warning")
    ns = parser.parse_args(argv)
    setup_logging(ns.log_level)
    limit = max_count()
    if ns.count < 1 or ns.count > limit:
        sys.stderr.write(f"Error: --count must be between 1 and {limit} (open-files limit)\n")
        return 1
    if ns.first < 0:
        sys.stderr.write("Error: --first must not be negative\n")
        return 1
    asyncio.run(run_swarm(ns.config_dir, ns.count, ns.prefix, ns.first))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
