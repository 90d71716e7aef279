"""``make demo``, part 2: a master and three minions on 127.0.0.1, driven with the real CLIs.

Everything lives in a temporary directory (free ports, every root_dir under it, no root needed):
``saline-master`` and three ``saline-minion`` processes, each in its own process group. The demo
lists and accepts the keys, pings, targets by grain and applies the demo state tree, whose files and
pillar the minions fetch from the master (``file_client: remote``). Waiting is done by polling
``saline-key`` and ``saline-run``, never by fixed sleeps. Every process is stopped in ``finally``
(SIGTERM, then SIGKILL to the group) and the directory is removed.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from demo_steps import PILLAR_FILES, STATE_FILES, Step, command, run_quiet, run_step, write_tree

# minion id -> static grains from its config file
MINIONS: dict[str, dict[str, Any]] = {
    "web1": {"roles": ["web"]},
    "web2": {"roles": ["web"]},
    "db1": {"roles": ["db"]},
}

STEPS: list[Step] = [
    Step("The minions asked to join: their keys are pending", ["-L"], tool="saline-key"),
    Step("Accept them all", ["-A", "-y"], tool="saline-key"),
    Step("Which minions are connected now (no job is sent)", ["manage.present"], tool="saline-run"),
    Step("Ping every minion", ["*", "test.ping"], tool="saline"),
    Step("Target by grain: only the minions whose `roles` grain holds `web`",
         ["-G", "roles:web", "cmd.run", "echo web server on $(hostname)", "python_shell=True"], tool="saline"),
    Step("Pillar is compiled on the master, for each minion", ["*", "pillar.get", "site:title"], tool="saline"),
    Step("Highstate on every minion: the state tree and pillar come from the master",
         ["*", "state.apply", "--out=highstate", "--state-output=terse", "-t", "60"], tool="saline"),
    Step("Highstate again: nothing left to change",
         ["*", "state.apply", "--out=highstate", "--state-output=terse", "-t", "60"], tool="saline"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(base: pathlib.Path) -> dict[str, pathlib.Path]:
    """Write the master's config and tree and one config dir per minion; return name -> config dir."""
    pub, ret = free_port(), free_port()
    master_conf, master_root = base / "master", base / "master" / "root"
    file_root, pillar_root = master_root / "srv" / "salt", master_root / "srv" / "pillar"
    write_tree(file_root, STATE_FILES)
    write_tree(pillar_root, PILLAR_FILES)
    (master_conf / "master").write_text(json.dumps({
        "interface": "127.0.0.1", "publish_port": pub, "ret_port": ret, "root_dir": str(master_root),
        "log_file": str(master_root / "master.log"), "log_level": "info",
        "file_roots": {"base": [str(file_root)]}, "pillar_roots": {"base": [str(pillar_root)]},
    }, indent=2) + "\n")
    confs = {"master": master_conf}
    for mid, grains in MINIONS.items():
        conf = base / mid
        root = conf / "root"
        root.mkdir(parents=True)
        (conf / "minion").write_text(json.dumps({
            "id": mid, "master": "127.0.0.1", "master_port": ret, "publish_port": pub, "root_dir": str(root),
            "file_client": "remote", "grains": grains, "acceptance_wait_time": 0.3, "auth_timeout": 3,
            "log_file": str(root / "minion.log"), "log_level": "info",
        }, indent=2) + "\n")
        confs[mid] = conf
    return confs


def start(tool: str, conf: pathlib.Path, logs: pathlib.Path) -> subprocess.Popen[bytes]:
    with open(logs / f"{conf.name}.out", "ab") as log:
        return subprocess.Popen([*command(tool), "-c", str(conf)], stdout=log, stderr=log,
                                start_new_session=True)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM every process group, wait, then SIGKILL what is left: no orphans."""
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
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # also any child left in the group
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)


def wait_for(what: str, check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.1)


def json_out(tool: str, conf: pathlib.Path, *argv: str) -> Any:
    proc = run_quiet(tool, conf, *argv, "--out=json")
    if proc.returncode != 0:
        return None
    try:
        return json.loads(proc.stdout)
    except ValueError:
        return None


def tail_logs(logs: pathlib.Path) -> None:
    for path in sorted(logs.glob("*.out")):
        print(f"--- {path.name}\n{path.read_text(errors='replace')[-2000:]}", file=sys.stderr)


def main() -> int:
    ids = set(MINIONS)
    with tempfile.TemporaryDirectory(prefix="saline-cluster-demo-", ignore_cleanup_errors=True) as tmp:
        base = pathlib.Path(tmp)
        confs = prepare(base)
        master = confs["master"]
        print(f"Saline demo, part 2: a master and minions {', '.join(MINIONS)} on 127.0.0.1, "
              f"all under {base} (removed afterwards).")
        print("Each minion has static grains in its config (web1, web2: roles [web]; db1: roles [db]) "
              "and file_client: remote:\nits states and pillar come from the master's file_roots and "
              "pillar_roots.\n", flush=True)
        procs: list[subprocess.Popen[bytes]] = []
        try:
            procs.append(start("saline-master", master, base))
            for mid in MINIONS:
                procs.append(start("saline-minion", confs[mid], base))

            def pending() -> bool:
                keys = json_out("saline-key", master, "-L")
                return bool(keys) and ids <= set(keys.get("minions_pre", []))

            def present() -> bool:
                return ids <= set(json_out("saline-run", master, "manage.present") or [])

            wait_for("the minions' keys", pending)
            for step in STEPS:
                if step.tool == "saline-run":
                    wait_for("the minions to connect", present)
                if not run_step(step, master):
                    tail_logs(base)
                    return 1
        except (TimeoutError, subprocess.TimeoutExpired) as exc:
            print(f"demo failed: {exc}", file=sys.stderr)
            tail_logs(base)
            return 1
        finally:
            stop(procs)
        print("Stopped the master and the minions.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
