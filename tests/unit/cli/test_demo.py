"""``make demo`` (docs/examples/demo.py) runs and shows each command with its output."""

from __future__ import annotations

import pathlib
import subprocess
import sys

DEMO = pathlib.Path(__file__).resolve().parents[3] / "docs" / "examples" / "demo.py"


def test_demo_runs():
    proc = subprocess.run([sys.executable, str(DEMO)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "$ saline-call --local test.ping\nlocal:\n    True\n" in out
    assert "$ saline-call --local grains.items\n(" in out
    assert "    id:\n        demo-minion\n" in out
    assert "$ saline-call --local cmd.run 'echo hello'\nlocal:\n    hello\n" in out
    assert "saline-demo-" in out  # a temporary config dir, removed afterwards
