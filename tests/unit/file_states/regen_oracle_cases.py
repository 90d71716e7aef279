"""Fill in ``expect`` and ``after`` of the file-state cases (tests/cases/file_states/*.yaml) by running real Salt.

Developer tool, not a test: needs the Salt oracle (shared/oracle/setup.sh). Usage::

    .venv/bin/python tests/unit/file_states/regen_oracle_cases.py CASE_NAME [...]   # or --all

For each case it builds the ``tree`` in a temp dir, the ``srv`` file root and the ``pillar``, writes
the state as a one-ID SLS (``#!json``, so Jinja in arguments stays literal) and runs
``salt-call --local state.apply`` four times: test=True, for real, again, and test=True again. The
results (result, comment, changes) and the trees after the two real runs are written back with the
temp paths replaced by ``{W}`` and ``{SRV}``. ``doc``, ``saline_differs`` and the inputs are kept.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
from typing import Any

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from file_states_support import build_tree, snapshot, subst

HERE = pathlib.Path(__file__).resolve()
CASES = HERE.parents[2] / "cases" / "file_states"
SALT_VENV = os.environ.get("SALT_VENV", str(pathlib.Path.home() / ".cache/saline-oracle/salt-venv"))
SALT_CALL = pathlib.Path(SALT_VENV) / "bin/salt-call"


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    block = "\n" in value.rstrip("\n") or value.endswith("\n")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if block else None)


_Dumper.add_representer(str, _str)


def dump(case: dict[str, Any], path: pathlib.Path) -> None:
    with open(path, "w") as handle:
        yaml.dump(case, handle, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=100,
                  allow_unicode=True)


def _salt(base: str, test: bool) -> dict[str, Any]:
    cmd = [str(SALT_CALL), "--local", "-c", f"{base}/conf", "--out", "json", "state.apply", "case_under_test"]
    if test:
        cmd.append("test=True")
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    data = json.loads(done.stdout)["local"]
    if not isinstance(data, dict):
        raise SystemExit(f"salt refused the case: {data}")
    (result,) = data.values()
    return {"result": result["result"], "comment": result["comment"], "changes": result["changes"]}


def record(path: pathlib.Path) -> None:
    from saline.yamlload import safe_load

    case = safe_load(path.read_text())
    base = tempfile.mkdtemp(prefix="saline-oracle-")
    try:
        work, srv, pillar = (os.path.join(base, d) for d in ("w", "srv", "pillar"))
        for d in (work, srv, pillar, f"{base}/conf"):
            os.makedirs(d)
        build_tree(work, case.get("tree"))
        build_tree(srv, case.get("srv"))
        fwd, back = {"{W}": work, "{SRV}": srv}, {work: "{W}", srv: "{SRV}"}
        if case.get("pillar"):
            pathlib.Path(pillar, "top.sls").write_text("base:\n  '*':\n    - data\n")
            pathlib.Path(pillar, "data.sls").write_text(json.dumps(subst(case["pillar"], fwd)))
        pathlib.Path(base, "conf", "minion").write_text(
            f"file_client: local\nid: oracle\nroot_dir: {base}/root\ncachedir: {base}/root/cache\n"
            f"file_roots: {{base: [{srv}]}}\npillar_roots: {{base: [{pillar}]}}\nlog_level: quiet\n")
        args = subst(case["args"], fwd)
        sls = {"case": {case["state"]: [{k: v} for k, v in args.items()]}}
        pathlib.Path(srv, "case_under_test.sls").write_text("#!json\n" + json.dumps(sls))
        os.umask(0o022)
        before = snapshot(work)
        expect = {"test": subst(_salt(base, True), back)}
        if snapshot(work) != before:
            raise SystemExit(f"{path.name}: Salt changed the tree under test=True")
        expect["run"] = subst(_salt(base, False), back)
        after = snapshot(work)
        expect["rerun"] = subst(_salt(base, False), back)
        after_rerun = snapshot(work)
        expect["test_after"] = subst(_salt(base, True), back)
        case["expect"] = expect
        case["after"] = subst(after, back)
        if after_rerun != after:
            case["after_rerun"] = subst(after_rerun, back)
        else:
            case.pop("after_rerun", None)
    finally:
        shutil.rmtree(base)
    differs = case.pop("saline_differs", None)
    if differs:
        case["saline_differs"] = differs
    dump(case, path)
    print("recorded", path.name)


def main(argv: list[str]) -> None:
    if not SALT_CALL.exists():
        raise SystemExit(f"no Salt oracle at {SALT_VENV} (run shared/oracle/setup.sh)")
    paths = sorted(CASES.glob("*.yaml")) if argv == ["--all"] else [CASES / f"{n.removesuffix('.yaml')}.yaml"
                                                                      for n in argv]
    for path in paths:
        record(path)


if __name__ == "__main__":
    main(sys.argv[1:])
