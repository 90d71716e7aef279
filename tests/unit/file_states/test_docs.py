"""The examples in docs/states-file.md run through saline-call state.apply and are idempotent.

An example is a ```yaml block preceded by ``<!-- example: NAME ... -->``; the comment may hold YAML
with ``setup`` (files to create under /tmp/saline-demo), ``salt_files`` (files under the file root)
and ``repeats: true`` (the state changes something on every run). ``/tmp/saline-demo`` is replaced by
a temp directory.
"""

from __future__ import annotations

import json
import pathlib
import re
from typing import Any

import pytest
import yaml

DOC = pathlib.Path(__file__).resolve().parents[3] / "docs" / "states-file.md"
EXAMPLE = re.compile(r"<!-- example: (\w+)\n?(.*?)-->\n```yaml\n(.*?)```", re.S)
DEMO = "/tmp/saline-demo"


def _examples() -> list[tuple[str, dict[str, Any], str]]:
    return [(name, yaml.safe_load(meta) or {}, sls) for name, meta, sls in EXAMPLE.findall(DOC.read_text())]


def test_every_state_has_an_example() -> None:
    from saline.states.registry import load_state_module

    module = load_state_module("file")
    assert module is not None
    text = "".join(sls for _, _, sls in _examples())
    assert sorted(f for f in module.functions if f"file.{f}:" not in text) == []


@pytest.mark.parametrize("name,meta,sls", _examples(), ids=[e[0] for e in _examples()])
def test_doc_example(name: str, meta: dict[str, Any], sls: str, saline_call: Any, tmp_path: pathlib.Path) -> None:
    demo = tmp_path / "demo"
    for rel, text in (meta.get("setup") or {}).items():
        path = demo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(str(text))
    for rel, text in (meta.get("salt_files") or {}).items():
        saline_call.write_state(rel, str(text))
    saline_call.write_state(f"{name}.sls", sls.replace(DEMO, str(demo)))
    for attempt in ("first", "second"):
        rc, out, err = saline_call("state.apply", name, "--out=json")
        assert rc == 0, f"{attempt} run: {out}{err}"
        results = json.loads(out)["local"]
        assert results and all(r["result"] is True for r in results.values()), results
        if attempt == "second" and not meta.get("repeats"):
            assert {tag: r["changes"] for tag, r in results.items() if r["changes"]} == {}
