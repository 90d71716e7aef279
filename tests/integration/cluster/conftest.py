"""A real cluster for tests: one ``saline-master`` and N ``saline-minion`` processes on 127.0.0.1.

Free ports, one temp ``root_dir`` per daemon, every process in its own process group, killed in
``finally`` (no orphans). Waiting is done by polling the master's local socket for the state we
need (keys pending, minions authenticated), never by fixed sleeps.

    def test_x(cluster):
        cluster.start(["m1", "m2"])                 # master + minions, keys accepted, all authenticated
        rc, out, err = cluster.saline("*", "test.ping", "--out=json", "--static")
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import pytest
import yaml


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _script(name: str) -> list[str]:
    path = os.path.join(os.path.dirname(sys.executable), name)
    return [path]


class Cluster:
    def __init__(self, base: str) -> None:
        self.base = base
        self.pub_port, self.ret_port = free_port(), free_port()
        self.master_dir = os.path.join(base, "master-conf")
        self.master_root = os.path.join(base, "mr")
        self.master_proc: subprocess.Popen[bytes] | None = None
        self.minions: dict[str, subprocess.Popen[bytes]] = {}
        os.makedirs(self.master_dir)
        self._write(os.path.join(self.master_dir, "master"), {
            "root_dir": self.master_root, "interface": "127.0.0.1", "publish_port": self.pub_port,
            "ret_port": self.ret_port, "log_level": "info",
            "log_file": os.path.join(self.master_root, "master.log"),
        })

    @staticmethod
    def _write(path: str, data: dict[str, Any]) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            yaml.safe_dump(data, fh)

    @property
    def opts(self) -> dict[str, Any]:
        from saline.config import load_config

        return load_config("master", self.master_dir)

    # ---- processes -----------------------------------------------------------------------------

    def start_master(self) -> None:
        log = open(os.path.join(self.base, "master.out"), "ab")  # noqa: SIM115 - handed to the child
        self.master_proc = subprocess.Popen([*_script("saline-master"), "-c", self.master_dir],
                                            stdout=log, stderr=log, start_new_session=True)
        log.close()
        sock = os.path.join(self.opts["sock_dir"], "master.ipc")
        self.wait(lambda: os.path.exists(sock) and self.ipc({"cmd": "presence"}, quiet=True), "master up")

    def stop_master(self) -> None:
        proc = self.master_proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)

    def minion_dir(self, mid: str) -> str:
        return os.path.join(self.base, f"minion-{mid}")

    def add_minion(self, mid: str, grains: dict[str, Any] | None = None, prefix: tuple[str, ...] = (),
                   **opts: Any) -> None:
        """Start minion ``mid``; ``prefix`` runs it through another command (``ip netns exec NS``)."""
        conf = self.minion_dir(mid)
        os.makedirs(conf, exist_ok=True)
        root = os.path.join(conf, "root")
        self._write(os.path.join(conf, "minion"), {
            "id": mid, "root_dir": root, "master": "127.0.0.1", "master_port": self.ret_port,
            "publish_port": self.pub_port, "acceptance_wait_time": 0.3, "master_alive_interval": 1,
            "auth_timeout": 3, "log_level": "info", "log_file": os.path.join(root, "minion.log"),
            "grains": grains or {}, "file_client": "local",
            "file_roots": {"base": [os.path.join(root, "srv", "salt")]},
            "pillar_roots": {"base": [os.path.join(root, "srv", "pillar")]}, **opts,
        })
        log = open(os.path.join(self.base, f"minion-{mid}.out"), "ab")  # noqa: SIM115
        self.minions[mid] = subprocess.Popen([*prefix, *_script("saline-minion"), "-c", conf], stdout=log,
                                             stderr=log, start_new_session=True)
        log.close()

    def teardown(self) -> None:
        procs = [p for p in [self.master_proc, *self.minions.values()] if p is not None]
        for proc in procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 10
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=5)

    # ---- CLIs and the local socket ---------------------------------------------------------------

    def run(self, tool: str, *argv: str, timeout: float = 60, input: str | None = None) -> tuple[int, str, str]:
        res = subprocess.run([*_script(tool), "-c", self.master_dir, *argv], capture_output=True, text=True,
                             timeout=timeout, input=input)
        return res.returncode, res.stdout, res.stderr

    def saline(self, *argv: str, timeout: float = 60) -> tuple[int, str, str]:
        return self.run("saline", *argv, timeout=timeout)

    def key(self, *argv: str) -> tuple[int, str, str]:
        return self.run("saline-key", *argv)

    def keys(self) -> dict[str, list[str]]:
        rc, out, err = self.key("-L", "--out=json")
        assert rc == 0, err
        return json.loads(out)

    def ipc(self, request: dict[str, Any], quiet: bool = False) -> dict[str, Any] | None:
        from saline.master.client import LocalClient

        try:
            with LocalClient(self.opts) as client:
                return client.call(request, timeout=5)
        except Exception:
            if quiet:
                return None
            raise

    def wait(self, predicate: Any, what: str, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}\n{self.logs()}")

    def logs(self) -> str:
        out = []
        for name in sorted(os.listdir(self.base)):
            if name.endswith(".out"):
                with open(os.path.join(self.base, name), encoding="utf-8", errors="replace") as fh:
                    out.append(f"--- {name}\n{fh.read()[-3000:]}")
        return "\n".join(out)

    def master_log(self) -> str:
        with open(os.path.join(self.base, "master.out"), encoding="utf-8", errors="replace") as fh:
            return fh.read()

    def wait_pending(self, ids: list[str]) -> None:
        self.wait(lambda: set(ids) <= set(self.keys()["minions_pre"]), f"pending keys {ids}")

    def wait_authenticated(self, ids: list[str]) -> None:
        def ready() -> bool:
            state = self.ipc({"cmd": "presence"}, quiet=True)
            return bool(state) and set(ids) <= set(state["presence"])

        self.wait(ready, f"minions {ids} authenticated")

    def configure_master(self, **options: Any) -> None:
        """Set master options (before ``start``), e.g. ``file_roots={"base": [str(srv)]}``."""
        path = os.path.join(self.master_dir, "master")
        with open(path, encoding="utf-8") as fh:
            conf = yaml.safe_load(fh)
        self._write(path, {**conf, **options})

    def start(self, ids: list[str], grains: dict[str, dict[str, Any]] | None = None, **minion_opts: Any) -> None:
        """Master and minions ``ids`` (options ``minion_opts`` for each), keys accepted, all authenticated."""
        self.start_master()
        for mid in ids:
            self.add_minion(mid, (grains or {}).get(mid), **minion_opts)
        self.wait_pending(ids)
        rc, _out, err = self.key("-A", "-y")
        assert rc == 0, err
        self.wait_authenticated(ids)


@pytest.fixture
def cluster(tmp_path_factory):
    # a short base path: ipc socket paths are limited to ~100 characters
    import tempfile

    base = tempfile.mkdtemp(prefix="slc")
    c = Cluster(base)
    try:
        yield c
    finally:
        c.teardown()
        import shutil

        shutil.rmtree(base, ignore_errors=True)
