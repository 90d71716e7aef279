"""End to end: SLS trees of file states run by ``saline-call --local state.apply`` (a real subprocess).

Each case under tests/cases/file_states/sls/ holds a state tree (``{OUT}`` is a temp output dir), its
pillar, and what real Salt 3007.8 returned for ``test=True``, a real run and a second run, plus the
resulting tree (``find -printf '%P %m %y'``). Saline must return the same results and build the same tree.
"""

from __future__ import annotations

import json
import os
import pathlib
import stat
from typing import Any

import pytest
import yaml

CASES = pathlib.Path(__file__).resolve().parents[2] / "cases" / "file_states" / "sls"


def _listing(root: pathlib.Path) -> list[str]:
    kinds = {stat.S_IFDIR: "d", stat.S_IFLNK: "l", stat.S_IFREG: "f"}
    out = []
    for path in [root, *root.rglob("*")]:
        st = os.lstat(path)
        rel = "" if path == root else str(path.relative_to(root))
        out.append(f"{rel} {stat.S_IMODE(st.st_mode):o} {kinds[stat.S_IFMT(st.st_mode)]}")
    return sorted(out)


def _results(stdout: str, out: str) -> dict[str, Any]:
    data = json.loads(stdout)["local"]
    results = {}
    for tag, ret in data.items():
        ret = {k: v for k, v in ret.items() if k not in ("start_time", "duration", "__sls__")}
        if isinstance(ret.get("changes"), dict) and "pid" in ret["changes"]:
            ret["changes"]["pid"] = "<pid>"
        results[tag.replace(out, "{OUT}")] = json.loads(json.dumps(ret).replace(out, "{OUT}"))
    return results


@pytest.mark.parametrize("path", sorted(CASES.glob("*.yaml")), ids=lambda p: p.stem)
def test_sls_matches_salt(path: pathlib.Path, saline_call: Any, tmp_path: pathlib.Path) -> None:
    case = yaml.safe_load(path.read_text())
    out = tmp_path / "out"
    for rel, text in case["files"].items():
        saline_call.write_state(rel, text.replace("{OUT}", str(out)))
    for rel, text in (case.get("pillar_files") or {}).items():
        saline_call.write_pillar(rel, text)
    config = {"id": "oracle"}
    for phase, extra in (("test", ["test=True"]), ("run", []), ("rerun", [])):
        rc, stdout, stderr = saline_call("state.apply", case["sls"], *extra, "--out=json", config=config)
        assert rc == 0, stderr
        assert _results(stdout, str(out)) == case["expected"][phase], phase
        if phase == "test":
            assert not out.exists(), "test=True created files"
    assert _listing(out) == sorted(case["tree"])
