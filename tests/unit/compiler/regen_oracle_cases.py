"""Fill in ``expected:`` of the compiler cases (tests/cases/compiler/*.yaml) by asking real Salt.

Developer tool, not a test: needs the Salt oracle (shared/oracle/setup.sh). Usage::

    .venv/bin/python tests/unit/compiler/regen_oracle_cases.py [CASE_NAME ...]

A case holds a tiny state tree (``files``: path -> text for saltenv ``base``, ``envs``: more
saltenvs), what to compile (``sls`` or ``highstate: true``), optional ``pillar`` and ``config``.
The tool writes Salt's answer under ``expected``: ``status``, ``high`` (``state.show_sls`` or
``state.show_highstate``), ``low`` (the compiled low chunks ``state.apply`` would run), ``top``
for highstates and ``errors`` when Salt refused the tree.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tempfile

import yaml

HERE = pathlib.Path(__file__).resolve()
REPO = HERE.parents[3]
CASES = REPO / "tests" / "cases" / "compiler"
ORACLE_DIR = os.environ.get("SALINE_ORACLE", str(REPO.parent / "shared" / "oracle"))
ORACLE = pathlib.Path(ORACLE_DIR) / "compile_with_salt.py"
SALT_VENV = os.environ.get("SALT_VENV", str(pathlib.Path.home() / ".cache/saline-oracle/salt-venv"))
SALT_PY = pathlib.Path(SALT_VENV) / "bin/python"


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def write_tree(root: pathlib.Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def ask_salt(case: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix="saline-case-") as tmp:
        tmpdir = pathlib.Path(tmp)
        roots = {"base": [str(tmpdir / "base")]}
        write_tree(tmpdir / "base", case.get("files") or {})
        for env, files in (case.get("envs") or {}).items():
            write_tree(tmpdir / env, files)
            roots[env] = [str(tmpdir / env)]
        cmd = [str(SALT_PY), str(ORACLE), "--file-root", roots["base"][0]]
        if case.get("highstate"):
            cmd.append("--highstate")
        else:
            cmd += ["--sls", case["sls"]]
        if case.get("saltenv"):
            cmd += ["--saltenv", case["saltenv"]]
        if case.get("pillar") is not None:
            cmd += ["--pillar-json", json.dumps(case["pillar"])]
        config = dict(case.get("config") or {})
        if len(roots) > 1:
            config["file_roots"] = roots
        for key, value in config.items():
            cmd += ["--config", f"{key}={json.dumps(value)}"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        doc = json.loads(proc.stdout)
        text = json.dumps(doc).replace(str(tmpdir), "<TMP>")
        return json.loads(text)


def expected_from(doc: dict, highstate: bool) -> dict:
    results = doc["results"]
    compiled = results["compiled_low"]
    high_fun = "state.show_highstate" if highstate else "state.show_sls"
    out: dict = {"status": compiled["status"]}
    if results.get(high_fun, {}).get("status") == "ok":
        out["high"] = results[high_fun]["data"]
    if highstate and results.get("state.show_top", {}).get("status") == "ok":
        out["top"] = results["state.show_top"]["data"]
    if compiled["status"] == "ok":
        out["low"] = compiled["data"]
    else:
        errors: list[str] = []
        for res in (results.get(high_fun, {}), compiled):
            for err in res.get("errors") or []:
                if err not in errors:
                    errors.append(err)
        out["errors"] = errors
    return out


def main(argv: list[str]) -> int:
    names = set(argv)
    for path in sorted(CASES.glob("*.yaml")):
        if names and path.stem not in names:
            continue
        case = yaml.safe_load(path.read_text())
        case.pop("expected", None)
        doc = ask_salt(case)
        case["expected"] = expected_from(doc, bool(case.get("highstate")))
        path.write_text(yaml.dump(case, Dumper=_Dumper, sort_keys=False, width=110, allow_unicode=True))
        print(f"{path.stem}: {case['expected']['status']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
