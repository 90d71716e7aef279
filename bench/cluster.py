"""Master and minions: start-up, `saline '*' test.ping` and idle RSS for N minions.

    .venv/bin/python bench/cluster.py [--runs 3] [--counts 1,10,100,1000]

A real saline-master (auto_accept, free ports, temp root_dir); real saline-minion processes for N <= 10,
``python -m saline.minion.swarm`` above that (the N identities split over ``--swarm-procs`` processes, one
per core by default), capped by the open-files limit. test.ping is timed once the cluster is idle after
start-up. Every process runs in its own session and is killed at the end, also on Ctrl-C.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import yaml

BIN = os.path.dirname(sys.executable)
PROCS: list[subprocess.Popen[bytes]] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(argv: list[str], log: str) -> subprocess.Popen[bytes]:
    with open(log, "ab") as fh:
        proc = subprocess.Popen(argv, stdout=fh, stderr=fh, start_new_session=True)
    PROCS.append(proc)
    return proc


def kill_all() -> None:
    for proc in PROCS:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for proc in PROCS:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    PROCS.clear()


def rss_mb(pid: int, children: bool = False) -> float:
    import psutil

    proc = psutil.Process(pid)
    procs = [proc, *(proc.children(recursive=True) if children else [])]
    return sum(p.memory_info().rss for p in procs) / 2**20


class SalineCluster:
    def __init__(self, base: str, srv: str) -> None:
        self.base = base
        self.pub, self.ret = free_port(), free_port()
        self.conf = os.path.join(base, "master-conf")
        os.makedirs(self.conf)
        with open(os.path.join(self.conf, "master"), "w", encoding="utf-8") as fh:
            yaml.safe_dump({"root_dir": os.path.join(base, "mr"), "interface": "127.0.0.1",
                            "publish_port": self.pub, "ret_port": self.ret, "auto_accept": True,
                            "file_roots": {"base": [srv]}}, fh)
        self.master = spawn([f"{BIN}/saline-master", "-c", self.conf], os.path.join(base, "master.out"))
        self.minions: list[subprocess.Popen[bytes]] = []
        wait(lambda: self.presence() is not None, 30)

    def minion_conf(self, name: str, **extra: Any) -> str:
        conf = os.path.join(self.base, f"minion-{name}")
        os.makedirs(conf)
        with open(os.path.join(conf, "minion"), "w", encoding="utf-8") as fh:
            yaml.safe_dump({"root_dir": os.path.join(conf, "root"), "master": "127.0.0.1",
                            "master_port": self.ret, "publish_port": self.pub, "acceptance_wait_time": 1,
                            "auth_timeout": 30, "file_client": "remote", **extra}, fh)
        return conf

    def add(self, n: int, swarm: bool, procs: int = 1) -> list[str]:
        if swarm:  # identities sw0 .. sw<n-1> split over `procs` swarm processes
            conf = self.minion_conf("swarm")
            per = -(-n // procs)
            for first in range(0, n, per):
                self.minions.append(spawn([sys.executable, "-m", "saline.minion.swarm", "-c", conf, "--count",
                                           str(min(per, n - first)), "--prefix", "sw", "--first", str(first)],
                                          os.path.join(self.base, "swarm.out")))
            return [f"sw{i}" for i in range(n)]
        ids = [f"m{i}" for i in range(n)]
        for mid in ids:
            conf = self.minion_conf(mid, id=mid)
            self.minions.append(spawn([f"{BIN}/saline-minion", "-c", conf], os.path.join(conf, "out")))
        return ids

    def presence(self) -> list[str] | None:
        from saline.config import load_config
        from saline.master.client import LocalClient

        try:
            with LocalClient(load_config("master", self.conf)) as client:
                return list(client.call({"cmd": "presence"}, timeout=5)["presence"])
        except Exception:
            return None

    def cli(self, *argv: str, timeout: float = 120) -> tuple[float, dict[str, Any]]:
        start = time.perf_counter()
        res = subprocess.run([f"{BIN}/saline", "-c", self.conf, *argv, "--out=json", "--static"],
                             capture_output=True, text=True, timeout=timeout)
        took = time.perf_counter() - start
        return took, json.loads(res.stdout or "{}")


def _minions(n: int) -> str:
    return "minion" if n == 1 else "minions"


def wait(predicate: Any, timeout: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if predicate():
            return time.perf_counter() - start
        time.sleep(0.05)
    raise TimeoutError("timed out")


def settle(pids: list[int], timeout: float = 60, busy: float = 10.0) -> None:
    """Wait until these processes (and their children) are idle: under ``busy`` % of a core together over
    half a second. After start-up a master compiles new minions' pillars and minions run their first mine
    update; test.ping is measured on a cluster in its steady state."""
    import psutil

    procs = []
    for pid in pids:
        proc = psutil.Process(pid)
        procs += [proc, *proc.children(recursive=True)]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = sum(sum(p.cpu_times()[:2]) for p in procs)
        time.sleep(0.5)
        if (sum(sum(p.cpu_times()[:2]) for p in procs) - before) / 0.5 * 100 < busy:
            return


def state_tree(srv: str, count: int) -> None:
    os.makedirs(os.path.join(srv, "bench"), exist_ok=True)
    lines = []
    for i in range(count):
        lines.append(f"/tmp/saline-bench-{{{{ grains['id'] }}}}/f{i}:\n  file.managed:\n"
                     f"    - contents: 'file {i}'\n    - makedirs: True\n")
    with open(os.path.join(srv, "bench", "init.sls"), "w", encoding="utf-8") as fh:
        fh.write("".join(lines))


def bench_saline(counts: list[int], runs: int, swarm_procs: int = 1) -> list[tuple[str, str]]:
    from saline.minion.swarm import max_count

    rows: list[tuple[str, str]] = []
    for n in counts:
        if n > max_count():
            rows.append((f"test.ping, {n} {_minions(n)}", f"skipped (open-files limit: max {max_count()})"))
            continue
        base = tempfile.mkdtemp(prefix="slb")
        srv = os.path.join(base, "srv")
        state_tree(srv, 50)
        try:
            cluster = SalineCluster(base, srv)
            start = time.perf_counter()
            ids = cluster.add(n, swarm=n > 10, procs=swarm_procs)
            wait(lambda c=cluster, i=ids: set(i) <= set(c.presence() or []), 600)
            rows.append((f"start-up until all answer, {n} {_minions(n)}", f"{time.perf_counter() - start:.2f} s"))
            settle([cluster.master.pid, *(m.pid for m in cluster.minions)])
            times = []
            for _ in range(runs):
                took, out = cluster.cli("*", "test.ping", "-t", "60")
                if len(out) != n:
                    rows.append((f"test.ping, {n} {_minions(n)}", f"only {len(out)} answered"))
                times.append(took)
            rows.append((f"test.ping, {n} {_minions(n)} (median of {runs})", f"{statistics.median(times):.3f} s"))
            if n == 1:
                time.sleep(2)
                rows.append(("idle RSS, master (all processes)", f"{rss_mb(cluster.master.pid, True):.0f} MB"))
                rows.append(("idle RSS, one minion", f"{rss_mb(cluster.minions[0].pid):.0f} MB"))
            if n == 10:
                for label in ("first run", "second run"):
                    took, out = cluster.cli("*", "state.apply", "bench", "-t", "120")
                    ok = sum(1 for m in out.values() if isinstance(m, dict)
                             for r in m.values() if isinstance(r, dict) and r.get("result"))
                    rows.append((f"state.apply 50 file.managed x 10 minions ({label}, file_client remote)",
                                 f"{took:.2f} s ({ok}/500 ok)"))
            if n > 10:
                swarm_rss = sum(rss_mb(m.pid) for m in cluster.minions)
                rows.append((f"RSS of the swarm ({len(cluster.minions)} processes), {n} identities",
                             f"{swarm_rss:.0f} MB"))
                rows.append((f"RSS of the master with {n} {_minions(n)}", f"{rss_mb(cluster.master.pid, True):.0f} MB"))
        finally:
            kill_all()
            shutil.rmtree(base, ignore_errors=True)
            subprocess.run(["sh", "-c", "rm -rf /tmp/saline-bench-*"], check=False)
    return rows


SALT_BIN = os.path.expanduser("~/.cache/saline-oracle/salt-venv/bin")


def bench_salt(counts: list[int], runs: int) -> dict[str, str]:
    """The same measurements with real Salt (unprivileged, temp root_dir, auto_accept, free ports)."""
    out: dict[str, str] = {}
    for n in counts:
        base = tempfile.mkdtemp(prefix="sltb")
        pub, ret = free_port(), free_port()
        user = {"user": __import__("getpass").getuser()}
        try:
            mconf = os.path.join(base, "master-conf")
            os.makedirs(mconf)
            with open(os.path.join(mconf, "master"), "w", encoding="utf-8") as fh:
                yaml.safe_dump({"root_dir": os.path.join(base, "mr"), "interface": "127.0.0.1",
                                "publish_port": pub, "ret_port": ret, "auto_accept": True, **user}, fh)
            master = spawn([f"{SALT_BIN}/salt-master", "-c", mconf, "-l", "quiet"], os.path.join(base, "m.out"))
            minions = []
            start = time.perf_counter()
            for i in range(n):
                conf = os.path.join(base, f"minion-{i}")
                os.makedirs(conf)
                with open(os.path.join(conf, "minion"), "w", encoding="utf-8") as fh:
                    yaml.safe_dump({"root_dir": os.path.join(conf, "root"), "master": "127.0.0.1", "id": f"m{i}",
                                    "master_port": ret, "publish_port": pub, "acceptance_wait_time": 1, **user}, fh)
                minions.append(spawn([f"{SALT_BIN}/salt-minion", "-c", conf, "-l", "quiet"],
                                     os.path.join(conf, "out")))

            def ping(mconf: str = mconf) -> tuple[float, int]:
                t0 = time.perf_counter()
                res = subprocess.run([f"{SALT_BIN}/salt", "-c", mconf, "*", "test.ping", "--out=json", "--static",
                                      "-t", "30"], capture_output=True, text=True, timeout=120)
                try:
                    return time.perf_counter() - t0, len(json.loads(res.stdout or "{}"))
                except ValueError:
                    return time.perf_counter() - t0, 0

            wait(lambda n=n: ping()[1] == n, 300)
            out[f"start-up until all answer, {n} {_minions(n)}"] = f"{time.perf_counter() - start:.2f} s"
            times = [ping()[0] for _ in range(runs)]
            out[f"test.ping, {n} {_minions(n)} (median of {runs})"] = f"{statistics.median(times):.3f} s"
            if n == 1:
                import psutil

                time.sleep(2)
                procs = [psutil.Process(master.pid), *psutil.Process(master.pid).children(recursive=True)]
                out["idle RSS, master (all processes)"] = (
                    f"{rss_mb(master.pid, True):.0f} MB in {len(procs)} processes")
                out["idle RSS, one minion"] = f"{rss_mb(minions[0].pid, True):.0f} MB"
        except TimeoutError:
            out[f"start-up until all answer, {n} {_minions(n)}"] = "did not come up in 300 s"
        finally:
            kill_all()
            shutil.rmtree(base, ignore_errors=True)
    return out


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--counts", default="1,10,100,1000")
    parser.add_argument("--salt-counts", default="1,10", help="minion counts for real Salt")
    parser.add_argument("--swarm-procs", type=int, default=os.cpu_count() or 1,
                        help="swarm processes sharing the identities above 10 minions (default: one per core)")
    ns = parser.parse_args()
    counts = [int(c) for c in ns.counts.split(",")]
    salt: dict[str, str] = {}
    try:
        rows = bench_saline(counts, ns.runs, max(1, ns.swarm_procs))
        if os.path.exists(f"{SALT_BIN}/salt-master"):
            salt = bench_salt([int(c) for c in ns.salt_counts.split(",") if c], ns.runs)
        else:
            print(f"note: {SALT_BIN} is missing: Salt columns skipped")
    except KeyboardInterrupt:
        kill_all()
        return 130
    finally:
        kill_all()
    width = max(len(r[0]) for r in rows)
    print(f"| {'case'.ljust(width)} | Saline | Salt 3007.8 |\n|{'-' * (width + 2)}|---:|---:|")
    for label, value in rows:
        print(f"| {label.ljust(width)} | {value} | {salt.get(label, 'n/a')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
