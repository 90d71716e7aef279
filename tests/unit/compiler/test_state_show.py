"""``state.show_*`` through the real ``saline-call`` (return shapes and retcodes checked against Salt 3007)."""

from __future__ import annotations

import json
from typing import Any

import pytest

TREE = {
    "top.sls": "base:\n  '*':\n    - b\n    - a\n",
    "b.sls": "include:\n  - sub\nb1:\n  test.nop: []\n",
    "a.sls": "a1:\n  test.nop:\n    - name: {{ pillar.get('a_name', 'plain') }}\n",
    "sub/init.sls": "s1:\n  test.nop:\n    - require_in:\n      - test: b1\n",
    "unused.sls": "u1:\n  test.nop: []\n",
    "broken.sls": "x:\n  pkg:\n    - installed\n    - removed\n",
}


@pytest.fixture
def tree(saline_call: Any) -> Any:
    for rel, text in TREE.items():
        saline_call.write_state(rel, text)
    saline_call.write_pillar("top.sls", "base:\n  '*':\n    - data\n")
    saline_call.write_pillar("data.sls", "a_name: from-pillar\n")
    return saline_call


def call(saline_call: Any, *argv: str) -> tuple[int, Any]:
    rc, out, err = saline_call(*argv, "--out=json")
    assert out, err
    return rc, json.loads(out)["local"]


def test_show_sls_high_data(tree: Any) -> None:
    rc, high = call(tree, "state.show_sls", "b")
    assert rc == 0
    assert high == {
        "b1": {"__sls__": "b", "__env__": "base", "test": ["nop", {"order": 10001}]},
        "s1": {"__sls__": "sub", "__env__": "base", "__sls_included_from__": ["b"],
               "test": [{"require_in": [{"test": "b1"}]}, "nop", {"order": 10000}]},
    }


def test_show_low_sls_applies_requisite_in_and_pillar_override(tree: Any) -> None:
    rc, chunks = call(tree, "state.show_low_sls", "b,a", 'pillar={"a_name": "override"}')
    assert rc == 0
    assert [(c["__id__"], c["name"], c["order"]) for c in chunks] == [
        ("s1", "s1", 10000), ("b1", "b1", 10001), ("a1", "override", 10002)]
    assert chunks[1]["require"] == [{"test": "s1"}]


def test_compile_errors_are_returned_as_a_list_with_retcode_1(tree: Any) -> None:
    rc, errors = call(tree, "state.show_low_sls", "broken")
    assert rc == 1
    assert errors == ["Too many functions declared in state 'x' in SLS 'broken'. Please choose one of the "
                      "following: installed, removed"]
    rc, errors = call(tree, "state.show_sls", "nope")
    assert (rc, errors) == (1, ["No matching sls found for 'nope' in env 'base'"])


def test_top_and_highstate_views(tree: Any) -> None:
    assert call(tree, "state.show_top") == (0, {"base": ["b", "a"]})
    assert call(tree, "state.show_states") == (0, ["sub", "b", "a"])
    rc, high = call(tree, "state.show_highstate")
    assert sorted(high) == ["a1", "b1", "s1"]
    assert high["a1"]["test"][0] == {"name": "from-pillar"}
    rc, chunks = call(tree, "state.show_lowstate")
    assert rc == 0
    assert [c["__id__"] for c in chunks] == ["s1", "b1", "a1"]
    rc, usage = call(tree, "state.show_state_usage")
    assert rc == 0
    assert usage == {"base": {"used": ["a", "b"], "unused": ["broken", "sub", "top", "unused"],
                              "count_all": 6, "count_used": 2, "count_unused": 4}}


def test_exists_checks(tree: Any) -> None:
    assert call(tree, "state.sls_exists", "a,b") == (0, True)
    assert call(tree, "state.sls_exists", "a,nope") == (1, False)  # Salt keeps show_sls's retcode
    assert call(tree, "state.id_exists", "b1,s1", "b") == (0, True)
    assert call(tree, "state.id_exists", "b1,a1", "b") == (0, False)


def test_saltenv_argument(tree: Any) -> None:
    dev = tree.root_dir / "srv" / "dev"
    (dev / "tools.sls").parent.mkdir(parents=True, exist_ok=True)
    (dev / "tools.sls").write_text("t1:\n  test.nop: []\n")
    config = {"file_roots": {"base": [str(tree.file_root)], "dev": [str(dev)]}}
    rc, out, err = tree("state.show_low_sls", "tools", "saltenv=dev", "--out=json", config=config)
    assert rc == 0, err
    chunks = json.loads(out)["local"]
    assert [(c["__id__"], c["__env__"]) for c in chunks] == [("t1", "dev")]
    rc, out, _ = tree("state.show_sls", "tools", "--out=json", config=config)
    assert (rc, json.loads(out)["local"]) == (1, ["No matching sls found for 'tools' in env 'base'"])
