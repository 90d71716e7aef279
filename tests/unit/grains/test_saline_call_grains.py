"""End to end: the real ``saline-call`` process running grains functions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml


def local(out: str) -> Any:
    doc = json.loads(out)
    assert list(doc) == ["local"]
    return doc["local"]


def test_grains_items_json_from_the_console_script(tmp_path: Path) -> None:
    """`.venv/bin/saline-call --local -c <confdir> grains.items --out json` prints one JSON document."""
    script = Path(sys.executable).with_name("saline-call")
    (tmp_path / "minion").write_text(yaml.safe_dump({"id": "e2e-minion", "file_client": "local",
                                                     "root_dir": str(tmp_path / "root")}))
    proc = subprocess.run([str(script), "--local", "-c", str(tmp_path), "grains.items", "--out", "json"],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    grains = local(proc.stdout)
    assert grains["id"] == "e2e-minion"
    assert grains["kernel"] == os.uname().sysname
    for key in ("os", "os_family", "osarch", "num_cpus", "mem_total", "ipv4", "fqdn", "saltversion",
                "virtual"):
        assert key in grains, key


def test_static_grains_reach_saline_call(saline_call: Any) -> None:
    (saline_call.config_dir / "grains").write_text("roles:\n  - web\nos: Custom\n")
    rc, out, err = saline_call("grains.item", "roles", "os", "datacenter", "--out=json",
                               config={"grains": {"datacenter": "ams1"}})
    assert rc == 0, err
    assert local(out) == {"roles": ["web"], "os": "Custom", "datacenter": "ams1"}


def test_setval_persists_across_calls(saline_call: Any) -> None:
    rc, out, err = saline_call("grains.setval", "roles", "[web, db]", "--out=json")
    assert rc == 0, err
    assert local(out) == {"roles": ["web", "db"]}
    assert yaml.safe_load((saline_call.config_dir / "grains").read_text()) == {"roles": ["web", "db"]}
    rc, out, err = saline_call("grains.append", "roles", "cache", "--out=json")
    assert local(out) == {"roles": ["web", "db", "cache"]}
    rc, out, err = saline_call("grains.get", "roles:2", "--out=json")
    assert (rc, local(out)) == (0, "cache")
    rc, out, err = saline_call("grains.filter_by", "{web: W}", "grain=roles", "--out=json")
    assert (rc, local(out)) == (0, "W")


def test_bad_argument_is_a_clear_error(saline_call: Any) -> None:
    rc, _, err = saline_call("grains.setvals", "[1, 2]")
    assert rc != 0
    assert "setvals grains must be a dictionary." in err
    assert not (saline_call.config_dir / "grains").exists()

