"""cp functions through saline-call against a temporary file root (return values as real Salt's)."""

from __future__ import annotations

import json


def call(saline_call, *argv: str):
    rc, out, err = saline_call(*argv, "--out=json")
    assert rc == 0, err
    return json.loads(out)["local"]


def test_listing_and_hashes(saline_call) -> None:
    saline_call.write_state("sub/t.txt", "x: {{ grains.id }}\n")
    saline_call.write_state("sub/deep/f", "hi\n")
    saline_call.write_state("web/init.sls", "a:\n  test.nop: []\n")
    saline_call.write_state("web/conf.sls", "b:\n  test.nop: []\n")
    assert call(saline_call, "cp.list_master", "prefix=sub") == ["sub/deep/f", "sub/t.txt"]
    assert call(saline_call, "cp.list_master_dirs") == ["sub", "sub/deep", "web"]
    assert call(saline_call, "cp.list_states") == ["web", "web.conf"]
    assert call(saline_call, "cp.hash_file", "salt://sub/t.txt") == {
        "hsum": "bcb42e68c6e4277c9fa1f6715aa4ec9fd640e5e7b52846cf67c6124672fb6881", "hash_type": "sha256"}
    assert call(saline_call, "cp.hash_file", "salt://nope") == ""
    assert call(saline_call, "cp.get_file_str", "salt://sub/t.txt") == "x: {{ grains.id }}\n"
    assert call(saline_call, "cp.envs") == ["base"]


def test_copies(saline_call, tmp_path) -> None:
    saline_call.write_state("sub/t.txt", "x: {{ grains.id }}\n")
    saline_call.write_state("sub/deep/f", "hi\n")
    dest = tmp_path / "out" / "t.txt"
    assert call(saline_call, "cp.get_file", "salt://sub/t.txt", str(dest), "makedirs=True") == str(dest)
    assert dest.read_text() == "x: {{ grains.id }}\n"
    assert call(saline_call, "cp.get_file", "salt://nope", str(tmp_path / "n")) == ""
    rendered = tmp_path / "out" / "tt.txt"
    assert call(saline_call, "cp.get_template", "salt://sub/t.txt", str(rendered)) == str(rendered)
    assert rendered.read_text() == "x: saline-test\n"
    tree = tmp_path / "tree"
    assert call(saline_call, "cp.get_dir", "salt://sub", str(tree)) == [
        str(tree / "sub/deep/f"), str(tree / "sub/t.txt")]
    assert (tree / "sub/deep/f").read_text() == "hi\n"


def test_traversal_refused(saline_call, tmp_path) -> None:
    rc, _out, err = saline_call("cp.get_file", "salt://../../etc/passwd", str(tmp_path / "p"))
    assert rc == 1 and not (tmp_path / "p").exists()
    assert ".." in err
