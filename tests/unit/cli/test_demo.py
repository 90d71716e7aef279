"""``make demo`` (docs/examples/demo.py) runs and shows each command with its output: first masterless,
then a real master with three minions (docs/examples/cluster_demo.py)."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

DEMO = pathlib.Path(__file__).resolve().parents[3] / "docs" / "examples" / "demo.py"


@pytest.fixture(scope="module")
def demo() -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, str(DEMO)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def sections(out: str) -> list[tuple[str, str]]:
    """(shown command without ``$ ``, what it printed) for every step, in order."""
    found = []
    for block in out.split("\n# ")[1:]:
        lines = block.split("\n")
        assert lines[1].startswith("$ "), block
        found.append((lines[1][2:], "\n".join(lines[2:])))
    return found


def test_masterless_part(demo):
    out = demo.stdout
    assert "$ saline-call --local test.ping\nlocal:\n    True\n" in out
    assert "$ saline-call --local grains.items\n(" in out
    assert "    id:\n        demo-minion\n" in out
    assert "$ saline-call --local cmd.run 'echo hello'\nlocal:\n    hello\n" in out
    assert "saline-demo-" in out  # a temporary config dir, removed afterwards


def test_cluster_part(demo):
    shown = sections(demo.stdout)
    steps = dict(shown)
    listed = steps["saline-key -L"]
    assert re.search(r"Unaccepted Keys:\ndb1\nweb1\nweb2\n", listed), listed
    assert "Key for minion web2 accepted." in steps["saline-key -A -y"]
    assert steps["saline-run manage.present"].split() == ["-", "db1", "-", "web1", "-", "web2"]

    ping = steps["saline '*' test.ping"]
    for mid in ("web1", "web2", "db1"):
        assert f"{mid}:\n    True\n" in ping, ping

    grain = next(text for cmd, text in steps.items() if cmd.startswith("saline -G roles:web cmd.run"))
    assert sorted(re.findall(r"^(\w+):$", grain, re.M)) == ["web1", "web2"], grain
    assert "web server on " in grain and "$(hostname)" not in grain  # python_shell=True ran a shell

    for mid in ("web1", "web2", "db1"):
        assert f"{mid}:\n    Hello from Saline\n" in steps["saline '*' pillar.get site:title"]

    first, again = (text for cmd, text in shown if "state.apply" in cmd and cmd.startswith("saline "))
    for text, succeeded in ((first, "Succeeded: 3 (changed=3)\n"), (again, "Succeeded: 3\n")):
        assert sorted(re.findall(r"^Summary for (\w+)$", text, re.M)) == ["db1", "web1", "web2"], text
        assert text.count(succeeded) == 3 and text.count("Failed:    0\n") == 3, text


def test_cluster_part_leaves_nothing_behind(demo):
    base = re.search(r"all under (/\S+) \(removed afterwards\)", demo.stdout)
    assert base, demo.stdout
    assert not os.path.exists(base.group(1))
    leftovers = []
    for pid in os.listdir("/proc"):
        try:
            cmdline = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if base.group(1).encode() in cmdline:
            leftovers.append(cmdline)
    assert not leftovers  # no master or minion outlived the demo
