"""``saline-call --local test.ping`` must stay lean: heavy or optional libraries are imported lazily,
inside the functions that need them (DESIGN.md section 1). Checked with ``python -X importtime``,
which lists every module the process imported; not a timing test."""

from __future__ import annotations

import subprocess

import pytest

HEAVY = ("jinja2", "psutil", "zmq", "cryptography", "msgpack", "docker", "pygit2", "requests", "salt")


def imported_modules(saline_call, *argv: str) -> tuple[int, str, set[str]]:
    cmd = [saline_call.command[0], "-X", "importtime", *saline_call.command[1:],
           "-c", str(saline_call.config_dir), "--local", *argv]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:"):
            name = line.rsplit("|", 1)[-1].strip()
            if name != "package":  # the header line
                names.add(name)
    return proc.returncode, proc.stdout, names


@pytest.mark.parametrize("argv", [["test.ping"], ["--out=json", "test.ping"], ["test.echo", "{a: 1}"]])
def test_no_heavy_imports(saline_call, argv):
    rc, out, names = imported_modules(saline_call, *argv)
    assert rc == 0
    assert out
    assert "saline.minion.call" in names or "saline.minion" in names  # the listing works
    heavy = sorted(n for n in names if n.split(".")[0] in HEAVY)
    assert not heavy, f"saline-call {' '.join(argv)} imported {heavy}"


def test_no_grains_collection_for_ping(saline_call):
    _, _, names = imported_modules(saline_call, "test.ping")
    assert not any(n.startswith("saline.minion.grains") for n in names)
    assert not any(n.startswith("saline.renderers") for n in names)
