"""Record the expectations of pip cases by running real Salt 3007.8 (not a test; needs the oracle venv).

    .venv/bin/python tests/integration/pip/record_oracle.py tests/cases/pip/installed-01-*.yaml ...

For each case file, builds a fresh world of :mod:`scenario` (wheels and a virtualenv), runs every
``state``/``call`` step through ``salt-call --local`` with pip's offline environment and writes the
normalised result into the step's ``expect`` (steps with ``keep: true`` still run but keep theirs).
The suite itself never needs Salt.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from tests.integration.pip.scenario import World
from tests.support.oracle_steps import state_result

SALT_CALL = Path.home() / ".cache/saline-oracle/salt-venv/bin/salt-call"


def _salt(world: World, *argv: str) -> subprocess.CompletedProcess[str]:
    conf = world.base / "salt-conf"
    if not conf.exists():
        conf.mkdir()
        (world.base / "salt-srv").mkdir(exist_ok=True)
        (conf / "minion").write_text(yaml.safe_dump({
            "file_client": "local", "id": "oracle", "root_dir": str(world.base / "salt-root"),
            "file_roots": {"base": [str(world.base / "salt-srv")]}, "pillar_roots": {"base": []}}))
    env = {**world.env(), "PYTHONWARNINGS": "ignore"}
    return subprocess.run([str(SALT_CALL), "--local", "-c", str(conf), "--out=json", *argv],
                          capture_output=True, text=True, env=env, timeout=300)


def run_state(world: World, spec: dict[str, Any]) -> dict[str, Any]:
    args = world.fmt(spec.get("args") or {})
    sls = {"step": {spec["fun"]: [{k: v} for k, v in args.items()]}}
    (world.base / "salt-srv").mkdir(exist_ok=True)
    (world.base / "salt-srv" / "step.sls").write_text(json.dumps(sls))
    res = _salt(world, "state.apply", "step", *(["test=True"] if spec.get("test") else []))
    return state_result(json.loads(res.stdout)["local"])


def run_call(world: World, spec: dict[str, Any]) -> dict[str, Any]:
    argv = [str(a) for a in world.fmt(spec.get("args") or [])]
    argv += [f"{k}={json.dumps(v) if not isinstance(v, str) else v}"
             for k, v in world.fmt(spec.get("kwargs") or {}).items()]
    res = _salt(world, spec["fun"], *argv)
    if res.returncode != 0 and not res.stdout.strip():
        lines = [line for line in res.stderr.strip().splitlines() if not line.startswith("[")]
        err = lines[0] if lines else res.stderr.strip()
        return {"error": err.split(": ", 1)[1] if ": " in err else err}
    return {"ret": json.loads(res.stdout)["local"]}


def record(path: Path) -> None:
    case = yaml.safe_load(path.read_text())
    with tempfile.TemporaryDirectory(prefix="pipor") as tmp:
        world = World(Path(tmp))
        for step in case["steps"]:
            if world.do(step):
                continue
            result = run_state(world, step["state"]) if "state" in step else run_call(world, step["call"])
            if not step.get("keep"):
                step["expect"] = world.normalize(result)
    path.write_text(yaml.safe_dump(case, sort_keys=False, allow_unicode=True, width=1000))
    print(f"recorded {path}")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        record(Path(arg))
