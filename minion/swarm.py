"""Many minion identities in one process, for benchmarks and tests.

    python -m saline.minion.swarm -c CONFDIR --count N --prefix NAME

Loads ``CONFDIR/minion`` once, then runs N minions ``NAME0`` .. ``NAME<N-1>`` in one asyncio loop. Each
identity is a real :class:`saline.minion.daemon.Minion`: its own key pair and pki dir (under
``<root_dir>/swarm/<id>``), its own DEALER and SUB sockets, its own replay guards and return spool. Only
the grains are collected once and shared (with ``id`` set per identity): collecting them N times would
measure grain collection, not the master.

Each identity costs about 10 file descriptors (two sockets, their TCP connections and the zmq context's
mailboxes and poller), so ``ulimit -n`` bounds N; the swarm refuses a count that would not fit.
"""

from __future__ import annotations

import asyncio
import copy
import os
import signal
import sys
from typing import Any

from saline.minion.daemon import Minion

FDS_PER_IDENTITY = 12  # measured: about 10 per identity, plus a margin


class SwarmMinion(Minion):
    """A minion that takes its grains from the swarm instead of collecting them itself."""

    shared_grains: dict[str, Any] = {}

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


async def run_swarm(config_dir: str | None, count: int, prefix: str) -> None:
    from saline.config import load_config

    base = load_config("minion", config_dir)
    root = base.get("root_dir") or "/"
    minions = [SwarmMinion(identity_opts(config_dir, f"{prefix}{i}", root)) for i in range(count)]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # grains once, before the others ask for them
    SwarmMinion.shared_grains = await loop.run_in_executor(None, minions[0]._collect_grains)
    tasks = [asyncio.ensure_future(m.run()) for m in minions]
    await stop.wait()
    for m in minions:
        m.stop_event.set()
    await asyncio.gather(*tasks, return_exceptions=True)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from saline.cli import setup_logging

    parser = argparse.ArgumentParser(prog="python -m saline.minion.swarm",
                                     description="Run N minion identities in one process (benchmarks).")
    parser.add_argument("-c", "--config-dir", dest="config_dir", metavar="DIR")
    parser.add_argument("--count", type=int, required=True, help="number of identities")
    parser.add_argument("--prefix", default="swarm", help="minion ids are PREFIX0 .. PREFIX<N-1>")
    parser.add_argument("-l", "--log-level", default="warning")
    ns = parser.parse_args(argv)
    setup_logging(ns.log_level)
    limit = max_count()
    if ns.count < 1 or ns.count > limit:
        sys.stderr.write(f"Error: --count must be between 1 and {limit} (open-files limit)\n")
        return 1
    asyncio.run(run_swarm(ns.config_dir, ns.count, ns.prefix))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
