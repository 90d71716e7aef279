"""The examples in docs/pillar.md, run with the real saline-call: each call prints what the page shows.

An example is a set of blocks preceded by ``<!-- example NAME config|file PATH|call ARGS -->``:
``config`` holds minion options, ``file`` a file under the example's root dir (``pillar_roots/ENV/...``,
``file_roots/ENV/...``), ``call`` the saline-call arguments and, as JSON, the ``local`` value printed.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

DOC = Path(__file__).resolve().parents[3] / "docs" / "pillar.md"
BLOCK = re.compile(r"<!-- example (\S+) (config|file|call)(?: ([^\n]*?))? -->\n```\w*\n(.*?)```", re.S)


def _examples():
    examples: dict[str, list[tuple[str, str, str]]] = {}
    for name, kind, arg, body in BLOCK.findall(DOC.read_text(encoding="utf-8")):
        examples.setdefault(name, []).append((kind, arg.strip(), body))
    return examples


def test_the_page_has_examples():
    examples = _examples()
    assert {"basic", "include", "lists", "errors"} <= set(examples)
    assert all(any(kind == "call" for kind, _, _ in parts) for parts in examples.values())


@pytest.mark.parametrize("name", sorted(_examples()))
def test_example(name, saline_call):
    parts = _examples()[name]
    config: dict = {}
    roots: dict[str, dict[str, list[str]]] = {"pillar_roots": {}, "file_roots": {}}
    for kind, arg, body in parts:
        if kind == "config":
            config.update(yaml.safe_load(body))
        elif kind == "file":
            kind_dir, env, rel = arg.split("/", 2)
            path = saline_call.root_dir / "example" / kind_dir / env / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
            roots[kind_dir][env] = [str(saline_call.root_dir / "example" / kind_dir / env)]
    config.update({key: value for key, value in roots.items() if value})
    for kind, arg, body in parts:
        if kind != "call":
            continue
        rc, out, err = saline_call(*shlex.split(arg), "--out=json", config=config)
        assert rc == 0, (arg, err)
        assert json.loads(out)["local"] == json.loads(body), arg
