"""The compile stages on hand-written high data (no rendering involved)."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from saline.states.engine.compiler import StateCompileError, compile_low, split_mods
from saline.states.engine.highdata import apply_exclude, find_name, reconcile_extend, verify_high
from saline.states.engine.lowchunks import order_chunks
from saline.states.engine.requisites import requisite_cycles


def state(sls: str = "s", **decls: list) -> dict:
    return {"__sls__": sls, "__env__": "base", **decls}


def test_compile_low_does_not_modify_its_input() -> None:
    high = {"a": state(cmd=["run", {"require_in": [{"cmd": "b"}]}, {"order": 1}]),
            "b": state(cmd=["run", {"order": 2}]),
            "__extend__": [{"a": {"__sls__": "s", "__env__": "base", "cmd": [{"cwd": "/"}]}}]}
    before = copy.deepcopy(high)
    chunks = compile_low(high)
    assert high == before
    assert [c["__id__"] for c in chunks] == ["a", "b"]
    assert chunks[0]["cwd"] == "/"
    assert chunks[1]["require"] == [{"cmd": "a"}]


def test_compile_low_reports_all_structural_errors() -> None:
    high = {"a": state(pkg=[{"name": "x"}]), "b": state(pkg=["installed", "removed"])}
    with pytest.raises(StateCompileError) as info:
        compile_low(high)
    assert info.value.errors == [
        "No function declared in state 'a' in SLS 's'",
        "Too many functions declared in state 'b' in SLS 's'. Please choose one of the following: "
        "installed, removed",
    ]
    assert "No function declared" in str(info.value)


def test_render_errors_are_reported_with_structural_ones() -> None:
    with pytest.raises(StateCompileError) as info:
        compile_low({"a": state(pkg=[{"name": "x"}])}, render_errors=["Rendering SLS 'base:s' failed"])
    assert info.value.errors[0] == "Rendering SLS 'base:s' failed"
    assert len(info.value.errors) == 2


def test_extend_of_a_requisite_that_is_not_a_list_is_an_error_not_a_crash() -> None:
    high = {"a": state(file=["managed", {"require": None}]),
            "__extend__": [{"a": {"__sls__": "t", "__env__": "base", "file": [{"require": [{"pkg": "p"}]}]}}]}
    high, errors = reconcile_extend(high)
    assert errors == ["The require statement in state 'a' cannot be extended: both sides need to be "
                      "formed as a list"]


def test_extend_from_an_excluded_sls_is_ignored() -> None:
    high = {"a": state(file=["managed", {"mode": 644}]), "__exclude__": [{"sls": "t"}],
            "__extend__": [{"a": {"__sls__": "t", "__env__": "base", "file": [{"mode": 600}]}}]}
    high, errors = reconcile_extend(high)
    assert errors == []
    assert high["a"]["file"] == ["managed", {"mode": 644}]


def test_exclude_by_sls_glob_and_id() -> None:
    high = {"a": state("x.one", t=["nop"]), "b": state("x.two", t=["nop"]), "c": state("y", t=["nop"]),
            "d": state("y", t=["nop"]), "__exclude__": [{"sls": "x.*"}, {"id": "d"}]}
    assert sorted(apply_exclude(high)) == ["c"]


def test_find_name_prefers_the_id_then_any_one_key_argument() -> None:
    high = {"svc": state(service=["running", {"name": "nginx"}]),
            "conf": state(file=["managed", {"name": "/etc/x"}, {"source": "nginx"}])}
    assert find_name("svc", "service", high) == [("svc", "service")]
    assert find_name("nginx", "service", high) == [("svc", "service")]
    assert find_name("nginx", "file", high) == [("conf", "file")]
    assert find_name("svc", "file", high, strict=True) == []


def test_verify_high_recursive_requisite_wording() -> None:
    high = {"A": state(cmd=["run", {"require": [{"cmd": "B"}]}]),
            "B": state(cmd=["run", {"require": [{"cmd": "A"}]}])}
    assert verify_high(high) == ['A recursive requisite was found, SLS "s" ID "B" ID "A"']


def test_order_first_last_negative_and_names() -> None:
    chunks = [
        {"state": "t", "name": "n", "fun": "nop", "order": 10},
        {"state": "t", "name": "last", "fun": "nop", "order": "last"},
        {"state": "t", "name": "first", "fun": "nop", "order": "first"},
        {"state": "t", "name": "neg", "fun": "nop", "order": -1},
        {"state": "t", "name": "b", "fun": "nop", "order": 10, "name_order": 2},
        {"state": "t", "name": "a", "fun": "nop", "order": 10, "name_order": 1},
        {"state": "t", "name": "none", "fun": "nop"},
    ]
    ordered = order_chunks(chunks)
    assert [(c["name"], c["order"]) for c in ordered] == [
        ("first", 0), ("n", 10), ("a", 10.0001), ("b", 10.0002), ("none", 110),
        ("neg", 1000109), ("last", 1000110),
    ]


def test_requisite_cycles_spelled_out() -> None:
    chunks = [
        {"state": "test", "__id__": "A", "name": "A", "require": [{"test": "B"}]},
        {"state": "test", "__id__": "B", "name": "B", "require": [{"test": "C"}]},
        {"state": "test", "__id__": "C", "name": "C", "watch": [{"test": "A"}]},
        {"state": "test", "__id__": "D", "name": "D", "require": [{"test": "A"}]},
        {"state": "cmd", "__id__": "E", "name": "echo", "require": ["E"]},
    ]
    assert requisite_cycles(chunks) == [
        ["test: A", "test: B", "test: C", "test: A"],
        ["cmd: E", "cmd: E"],
    ]
    assert requisite_cycles(chunks[:2]) == []


def test_split_mods() -> None:
    assert split_mods("a, b,,c") == ["a", "b", "c"]
    assert split_mods(["a", " b "]) == ["a", "b"]
    assert split_mods(None) == []


ids = st.text(alphabet="abcdefgh", min_size=1, max_size=3)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(ids, st.lists(ids, max_size=3), min_size=1, max_size=8))
def test_compiled_chunks_are_sorted_and_complete(graph: dict[str, list[str]]) -> None:
    """Any require graph compiles to one chunk per ID in auto-order, with the _in forms moved over."""
    high = {}
    for position, (id_, targets) in enumerate(graph.items()):
        reqs = [{"test": t} for t in targets if t in graph]
        high[id_] = state(test=["nop", {"require_in": reqs}, {"order": 10000 + position}])
    try:
        chunks = compile_low(high)
    except StateCompileError as exc:
        assert all("recursive requisite" in e for e in exc.errors)
        return
    assert [c["__id__"] for c in chunks] == list(graph)
    for chunk in chunks:
        requirers = [r["test"] for r in chunk.get("require", [])]
        assert set(requirers) == {i for i, targets in graph.items() if chunk["__id__"] in targets}


values = st.sampled_from(["a", "b", "c", 1, True])
decls = st.lists(st.one_of(st.just("fun"), st.dictionaries(st.sampled_from(["name", "source", "x"]), values,
                                                           min_size=1, max_size=2)), max_size=4)
edits = st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["file", "pkg"]), st.integers(0, 3),
                           st.sampled_from(["append", "replace", "assign"]), values), max_size=12)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["file", "pkg"]), decls), min_size=1, max_size=6), edits,
       st.booleans())
def test_name_index_answers_like_a_full_scan(bodies: list, changes: list, alias: bool) -> None:
    """find_name through a NameIndex kept up to date equals scanning the high data."""
    from saline.states.engine.highdata import NameIndex

    high: dict = {f"id{i}": state(**{mod: copy.deepcopy(decl)}) for i, (mod, decl) in enumerate(bodies)}
    if alias and len(high) > 1:  # a YAML alias: two IDs share one declaration list
        first, second = list(high.values())[:2]
        second[next(k for k in second if not k.startswith("__"))] = first[next(k for k in first
                                                                               if not k.startswith("__"))]
    index = NameIndex(high)

    def agree() -> None:
        for mod in ("file", "pkg"):
            for value in ("a", "b", "c", 1, "zz"):
                assert find_name(value, mod, high, index=index) == find_name(value, mod, high)

    agree()
    for target, mod, position, how, value in changes:
        id_ = f"id{target % len(high)}"
        decl = high[id_].setdefault(mod, [])
        if how == "append" or not decl:
            decl.append({"name": value})
        elif how == "replace":
            decl[position % len(decl)] = {"source": value}
        else:
            high[id_][mod] = [{"name": value}, "fun"]
        index.refresh(id_, mod)
        agree()


def test_copy_data_is_a_deep_copy_that_keeps_aliases() -> None:
    from collections import OrderedDict, defaultdict

    from saline.renderers.odict import SaltOrderedDict
    from saline.states.engine.lowchunks import copy_data

    shared = [{"test": "c"}]
    data = SaltOrderedDict([("a", {"require": shared}), ("b", {"require": shared}),
                            ("c", OrderedDict(x=(1, [2]))), ("d", defaultdict(list, k=[1]))])
    copied = copy_data(data)
    assert copied == data and type(copied) is SaltOrderedDict
    assert type(copied["c"]) is OrderedDict and type(copied["d"]) is defaultdict
    assert copied["d"].default_factory is list
    assert copied["a"]["require"] is copied["b"]["require"]
    assert copied["a"]["require"] is not shared
    copied["c"]["x"][1].append(3)
    assert data["c"]["x"] == (1, [2])
