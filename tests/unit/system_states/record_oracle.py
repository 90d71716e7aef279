"""Record what Salt 3007 returns for tests/cases/system_states/*.yaml (writes ``expect``/``after``).

Usage: ``python tests/unit/system_states/record_oracle.py [case-stem ...]`` with the oracle venv at
``~/.cache/saline-oracle/salt-venv``. Cases in namespaces need ``unshare -n``.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from system_states_support import PHASES, build_tree, run_phases_cli, snapshot, subst, write_config

CASES = pathlib.Path(__file__).resolve().parents[2] / "cases" / "system_states"
SALT_CALL = pathlib.Path.home() / ".cache/saline-oracle/salt-venv/bin/salt-call"


def _short(result: dict) -> dict:
    """A Salt traceback comment cut to its last line (the paths above it are the oracle machine's)."""
    comment = result.get("comment")
    marker = "An exception occurred in this state: "
    if isinstance(comment, str) and comment.startswith(marker):
        result = {**result, "comment": marker + comment.strip().splitlines()[-1]}
    return result


def record(path: pathlib.Path) -> None:
    raw = yaml.safe_load(path.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        base = pathlib.Path(tmp)
        work = base / "w"
        work.mkdir()
        case = subst(raw, {"{W}": str(work)})
        build_tree(work, case.get("tree"))
        conf = write_config(base, case.get("opts") or {}, case)
        cleanup = [f"update-alternatives --remove-all {n}" for n in case.get("alternatives") or []]
        try:
            got = subst(run_phases_cli([str(SALT_CALL)], conf, case), {str(work): "{W}"})
            after = subst(snapshot(work, case.get("snapshot_skip") or ()), {str(work): "{W}"})
        finally:
            for line in cleanup:
                subprocess.run(line, shell=True, check=False, capture_output=True)
    if case.get("sysctl"):
        raw["after_sysctl"] = got["_sysctl"]
    raw["expect"] = {p: _short(got[p]) for p in PHASES}
    raw["after"] = after
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=110))
    print(f"recorded {path.name}")


if __name__ == "__main__":
    names = sys.argv[1:]
    for p in sorted(CASES.glob("*.yaml")):
        if not names or p.stem in names:
            record(p)
