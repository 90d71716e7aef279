"""The examples of docs/states-system.md run through saline-call state.apply and are idempotent.

An example is a ```yaml block preceded by ``<!-- example: NAME ... -->`` whose YAML may hold ``opts``
(minion options), ``setup`` (files under /tmp/saline-demo), ``netns``/``overlays`` (run in private
namespaces, see system_states_support), ``alternatives: true`` (temp alternatives dirs) and ``requires``.
``/tmp/saline-demo`` is replaced by a temp directory.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import system_states_support as support

DOC = pathlib.Path(__file__).resolve().parents[3] / "docs" / "states-system.md"
EXAMPLE = re.compile(r"<!-- example: (\w+)\n?(.*?)-->\n```yaml\n(.*?)```", re.S)
DEMO = "/tmp/saline-demo"
SEP = "@@run@@"


def _examples() -> list[tuple[str, dict[str, Any], str]]:
    return [(name, yaml.safe_load(meta) or {}, sls) for name, meta, sls in EXAMPLE.findall(DOC.read_text())]


def test_every_new_state_has_an_example() -> None:
    from saline.states.registry import load_state_module

    text = "".join(sls for _, _, sls in _examples())
    missing = []
    for mod in ("host", "sysctl", "ini", "alternatives", "timezone", "locale"):
        module = load_state_module(mod)
        assert module is not None, mod
        missing += [f"{mod}.{f}" for f in module.functions if f"{mod}.{f}:" not in text]
    assert missing == ["alternatives.remove", "alternatives.auto"]  # shown by the cases: they undo the rest


@pytest.mark.parametrize("name,meta,sls", _examples(), ids=[e[0] for e in _examples()])
def test_doc_example(name: str, meta: dict[str, Any], sls: str, tmp_path: pathlib.Path) -> None:
    missing = [r for r in meta.get("requires") or []
               if not (os.path.exists(r) if r.startswith("/") else shutil.which(r))]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    demo = tmp_path / "w"
    demo.mkdir()
    meta = support.subst(meta, {DEMO: str(demo)})
    support.build_tree(demo, meta.get("setup"))
    opts = dict(meta.get("opts") or {})
    if meta.get("alternatives"):
        for d in ("alt", "admin"):
            (demo / d).mkdir()
        opts.update({"alternatives.altdir": str(demo / "alt"), "alternatives.admindir": str(demo / "admin")})
    conf, srv = tmp_path / "conf", tmp_path / "srv"
    conf.mkdir()
    srv.mkdir()
    (conf / "minion").write_text(yaml.safe_dump({
        "file_client": "local", "id": "docs", "root_dir": str(tmp_path / "root"),
        "file_roots": {"base": [str(srv)]}, "pillar_roots": {"base": [str(tmp_path / "pillar")]}, **opts}))
    (srv / f"{name}.sls").write_text(sls.replace(DEMO, str(demo)))
    call = shlex.join([*support.saline_call(), "--local", "-c", str(conf), "--out=json", "state.apply", name])
    script = [f"mkdir -p {demo}/ov{i} {tmp_path}/ovwork{i} && mount -t overlay overlay -o "
              f"lowerdir={d},upperdir={demo}/ov{i},workdir={tmp_path}/ovwork{i} {d} || exit 1"
              for i, d in enumerate(meta.get("overlays") or [])]
    script += [call, f"echo {SEP}", call]
    cmd = ["sh", "-c", "\n".join(script)]
    if meta.get("netns") or meta.get("overlays"):
        flags = "-" + ("n" if meta.get("netns") else "") + ("m" if meta.get("overlays") else "")
        cmd = ["unshare", flags, *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)
    first, _, second = done.stdout.partition(SEP + "\n")
    assert second, done.stdout + done.stderr
    for attempt, out in (("first", first), ("second", second)):
        results = json.loads(out)["local"]
        assert results and all(r["result"] is True for r in results.values()), (attempt, results)
        if attempt == "second":
            assert {tag: r["changes"] for tag, r in results.items() if r["changes"]} == {}
