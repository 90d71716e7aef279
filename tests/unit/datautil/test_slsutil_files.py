"""slsutil.renderer and the file-server lookups (answers as real Salt gives them for the same tree)."""

from __future__ import annotations

import json


def call(saline_call, *argv: str):
    rc, out, err = saline_call(*argv, "--out=json")
    return rc, (json.loads(out)["local"] if out else None), err


def test_renderer_and_lookups(saline_call, tmp_path) -> None:
    saline_call.write_state("a/b/t.yaml", "x: {{ 1 + 1 }}\n")
    local = tmp_path / "loc.yaml"
    local.write_text("y: 1\n")
    assert call(saline_call, "slsutil.renderer", "salt://a/b/t.yaml")[1] == {"x": 2}
    assert call(saline_call, "slsutil.renderer", str(local))[1] == {"y": 1}
    rc, ret, err = call(saline_call, "slsutil.renderer", str(tmp_path / "missing"))
    assert (rc, ret) == (0, {}) and "Template does not exist" in err
    assert call(saline_call, "slsutil.renderer", "string={{1}}")[1] == 1
    assert call(saline_call, "slsutil.renderer", "string=a:b", "default_renderer=yaml")[1] == "a:b"
    assert call(saline_call, "slsutil.file_exists", "a/b/t.yaml")[1] is True
    assert call(saline_call, "slsutil.file_exists", "a/b")[1] is False
    assert call(saline_call, "slsutil.dir_exists", "a/b")[1] is True
    assert call(saline_call, "slsutil.path_exists", "a/b")[1] is True
    assert call(saline_call, "slsutil.findup", "a/b", "t.yaml")[1] == "a/b/t.yaml"
    assert call(saline_call, "slsutil.findup", "a/b", "[nope.yaml, t.yaml]")[1] == "a/b/t.yaml"
    rc, _ret, err = call(saline_call, "slsutil.findup", "a/b", "nope.yaml")
    assert rc == 1 and "File pattern(s) not found in path ancestry" in err
