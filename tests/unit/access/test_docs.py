"""The examples in docs/states-access.md run through saline-call state.apply and are idempotent.

An example is a ```yaml block preceded by ``<!-- example: NAME ... -->``; the comment may hold YAML with
``salt_files`` (text files under the file root), ``archives`` (``{file: members}``, tar.gz archives
under the file root, see archive_build.py) and ``user: true`` (``deploy`` is replaced by a fresh user,
removed afterwards, for crontab examples). ``/tmp/saline-demo`` is replaced by a temp directory.
"""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess
import sys
import uuid
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from archive_build import archive_bytes

DOC = pathlib.Path(__file__).resolve().parents[3] / "docs" / "states-access.md"
EXAMPLE = re.compile(r"<!-- example: (\w+)\n?(.*?)-->\n```yaml\n(.*?)```", re.S)
DEMO = "/tmp/saline-demo"


def _examples() -> list[tuple[str, dict[str, Any], str]]:
    return [(name, yaml.safe_load(meta) or {}, sls) for name, meta, sls in EXAMPLE.findall(DOC.read_text())]


def test_every_state_has_an_example() -> None:
    from saline.states.registry import load_state_module

    text = "".join(sls for _, _, sls in _examples())
    missing = []
    for mod in ("ssh_auth", "ssh_known_hosts", "cron", "archive"):
        module = load_state_module(mod)
        assert module is not None
        missing += [f"{mod}.{f}" for f in module.functions if f"{mod}.{f}:" not in text]
    assert missing == []


@pytest.mark.parametrize("name,meta,sls", _examples(), ids=[e[0] for e in _examples()])
def test_doc_example(name: str, meta: dict[str, Any], sls: str, saline_call: Any, tmp_path: pathlib.Path) -> None:
    demo = tmp_path / "demo"
    demo.mkdir()
    for rel, text in (meta.get("salt_files") or {}).items():
        saline_call.write_state(rel, str(text))
    for rel, members in (meta.get("archives") or {}).items():
        (saline_call.file_root / rel).write_bytes(archive_bytes("tar.gz", members))
    user = None
    if meta.get("user"):
        if not shutil.which("crontab"):
            pytest.skip("crontab is not installed")
        user = f"saldoc{uuid.uuid4().hex[:8]}"
        subprocess.run(["useradd", "-M", "-d", "/nonexistent", user], check=True, capture_output=True)
        sls = sls.replace("user: deploy", f"user: {user}")
    saline_call.write_state(f"{name}.sls", sls.replace(DEMO, str(demo)))
    try:
        for attempt in ("first", "second"):
            rc, out, err = saline_call("state.apply", name, "--out=json")
            assert rc == 0, f"{attempt} run: {out}{err}"
            results = json.loads(out)["local"]
            assert results and all(r["result"] is True for r in results.values()), results
            if attempt == "second":
                assert {tag: r["changes"] for tag, r in results.items() if r["changes"]} == {}
    finally:
        if user:
            subprocess.run(["crontab", "-u", user, "-r"], capture_output=True, check=False)
            subprocess.run(["userdel", user], capture_output=True, check=False)
