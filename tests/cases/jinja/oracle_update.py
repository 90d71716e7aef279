#!/usr/bin/env python3
"""Fill the ``expected`` value of the Jinja cases from real Salt (the oracle), not by hand.

Usage: ``python tests/cases/jinja/oracle_update.py [CASE.yaml ...]`` (default: every case with
``oracle: true``). Needs the oracle venv (``../shared/oracle/setup.sh``); Salt is run as a
separate ``salt-call --local`` process and never imported. Each case gets a throw-away config
dir whose file_roots hold the case's ``files`` and the template (as ``case/<name>.sls`` or the
case's ``path``), whose grains are the case's ``grains`` and whose pillar is the case's ``pillar``.
Cases whose expected value depends on the host (``oracle_note``) should be checked by eye.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
VENV = Path(os.environ.get("SALINE_ORACLE_VENV", "~/.cache/saline-oracle/salt-venv")).expanduser()
SALT_CALL = VENV / "bin" / "salt-call"


def run_case(path: Path) -> tuple[bool, object]:
    case = yaml.safe_load(path.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        roots = root / "salt"
        pillar = root / "pillar"
        for rel, text in (case.get("files") or {}).items():
            target = roots / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        rel = case.get("path") or f"case/{path.stem}.sls"
        target = roots / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(case["template"])
        pillar.mkdir()
        (pillar / "top.sls").write_text("base:\n  '*':\n    - data\n")
        (pillar / "data.sls").write_text(case.get("pillar_yaml") or yaml.safe_dump(case.get("pillar") or {}))
        config = {
            "file_client": "local", "root_dir": str(root / "root"), "id": case.get("minion_id", "oracle"),
            "file_roots": {"base": [str(roots)]}, "pillar_roots": {"base": [str(pillar)]},
            "grains": case.get("grains") or {}, **(case.get("opts") or {}),
        }
        conf = root / "conf"
        conf.mkdir()
        (conf / "minion").write_text(yaml.safe_dump(config))
        args = [str(SALT_CALL), "--local", "-c", str(conf), "--out", "json", "-l", "quiet", "slsutil.renderer",
                f"salt://{rel}", f"default_renderer={case.get('renderer', 'jinja')}"]
        if case.get("sls"):
            args.append(f"sls={case['sls']}")
        for key, value in (case.get("context") or {}).items():
            args.append(f"{key}={json.dumps(value)}")
        proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
        if proc.returncode == 0 and proc.stdout.strip():
            return True, json.loads(proc.stdout)["local"]
        lines = [ln for ln in proc.stderr.splitlines() if "Error" in ln]
        return False, lines[-1] if lines else proc.stderr[-500:]


def main(argv: list[str]) -> int:
    from concurrent.futures import ThreadPoolExecutor

    paths = [Path(p) for p in argv] or sorted(HERE.glob("*.yaml"))
    paths = [p for p in paths if yaml.safe_load(p.read_text()).get("oracle")]
    status = 0
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run_case, paths))
    for path, (ok, value) in zip(paths, results, strict=True):
        case = yaml.safe_load(path.read_text())
        if not ok:
            print(f"{path.name}: Salt failed: {value}")
            status = 1
            continue
        case["expected"] = value
        path.write_text(yaml.safe_dump(case, sort_keys=False, allow_unicode=True, width=100))
        print(f"{path.name}: {value!r}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
