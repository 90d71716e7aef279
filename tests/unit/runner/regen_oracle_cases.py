"""Regenerate tests/cases/runner/*.yaml from real Salt 3007 (the oracle); not a test.

For each case file, the ``files`` (an SLS tree touching only /tmp) are written to a temp dir, Salt
compiles them (``compiled_low``, via shared/oracle/compile_with_salt.py) and runs them with
``salt-call --local --out json state.apply`` (with ``test=True`` when the case says so). The chunks and
the normalised results are written back into the case. ``saline_differs`` entries are kept.

    ~/.cache/saline-oracle/salt-venv/bin/python tests/unit/runner/regen_oracle_cases.py [CASE ...]
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tempfile

import yaml

HERE = pathlib.Path(__file__).resolve().parent
CASES = HERE.parent.parent / "cases" / "runner"
VENV = pathlib.Path.home() / ".cache" / "saline-oracle" / "salt-venv"
SHARED = pathlib.Path(os.environ.get("SALINE_SHARED", HERE.parents[3] / "shared"))
COMPILE = SHARED / "oracle" / "compile_with_salt.py"


def normalise(result: dict) -> dict:
    out = {k: v for k, v in result.items() if k not in ("start_time", "duration")}
    changes = out.get("changes")
    if isinstance(changes, dict) and "pid" in changes:
        out["changes"] = {**changes, "pid": "<pid>"}
    return out


def regen(path: pathlib.Path) -> None:
    case = yaml.safe_load(path.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        tree = pathlib.Path(tmp, "tree")
        tree.mkdir()
        for name, text in case["files"].items():
            pathlib.Path(tree, name).write_text(text)
        compiled = json.loads(subprocess.run(
            [str(VENV / "bin" / "python"), str(COMPILE), "--file-root", str(tree), "--sls", case["sls"]],
            check=True, capture_output=True, text=True).stdout)
        chunks = compiled["results"]["compiled_low"]["data"]
        conf = pathlib.Path(tmp, "conf")
        conf.mkdir()
        (conf / "minion").write_text(yaml.safe_dump({
            "file_client": "local", "id": "local", "root_dir": f"{tmp}/root", "cachedir": f"{tmp}/cache",
            "file_roots": {"base": [str(tree)]}, "pillar_roots": {"base": [f"{tmp}/pillar"]},
        }))
        argv = [str(VENV / "bin" / "salt-call"), "--local", "-c", str(conf), "--out", "json", "state.apply",
                case["sls"]] + (["test=True"] if case.get("test") else [])
        ran = json.loads(subprocess.run(argv, capture_output=True, text=True).stdout)["local"]
    case["chunks"] = chunks
    case["expected"] = {tag: normalise(res) for tag, res in ran.items()}
    path.write_text(yaml.safe_dump(case, sort_keys=False, allow_unicode=True, width=110))


if __name__ == "__main__":
    names = sys.argv[1:]
    for case_path in sorted(CASES.glob("*.yaml")):
        if not names or case_path.stem in names:
            regen(case_path)
            print("regenerated", case_path.name)
