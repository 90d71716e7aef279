"""mine_functions parsing, data-driven: tests/cases/mine/*.yaml give the config and pillar entries, what
``mine.valid`` shows and what ``mine.update`` stores (each case checked against Salt 3007.8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from saline.errors import SaltInvocationError
from saline.loader import Context
from saline.modules.mine import parse_entry, parse_functions

CASES = sorted((Path(__file__).parents[2] / "cases" / "mine").glob("*.yaml"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path, tmp_path: Path) -> None:
    case = yaml.safe_load(path.read_text())
    opts = {"id": "web1", "cachedir": str(tmp_path), "mine_functions": case.get("config") or {},
            "pillar": {"mine_functions": case["pillar"]} if case.get("pillar") else {}}
    ctx = Context(opts, grains_loader=lambda: {})
    assert ctx.salt["mine.valid"]() == case["valid"]
    assert ctx.salt["mine.update"]() is True
    assert json.loads((tmp_path / "mine.json").read_text()) == case["stored"]


def test_update_with_mine_functions_argument_and_clear(tmp_path: Path) -> None:
    ctx = Context({"id": "web1", "cachedir": str(tmp_path), "mine_functions": {"test.ping": []}},
                  grains_loader=lambda: {})
    ctx.salt["mine.update"]()
    ctx.salt["mine.update"](mine_functions={"x": [{"mine_function": "test.echo"}, "one"]})
    assert json.loads((tmp_path / "mine.json").read_text()) == {"test.ping": True, "x": "one"}
    ctx.salt["mine.update"](clear=True, mine_functions={"test.echo": ["two"]})
    assert json.loads((tmp_path / "mine.json").read_text()) == {"test.echo": "two"}


@pytest.mark.parametrize("spec", ["eth0", 3, True])
def test_scalar_spec_is_an_error(spec) -> None:
    with pytest.raises(SaltInvocationError, match="expected a list of arguments or a mapping"):
        parse_entry("network.ip_addrs", spec)


@pytest.mark.parametrize(("spec", "message"), [
    ([{"mine_function": 3}], "mine_function must name a module function"),
    ([{"allow_tgt": "G@x"}, {"allow_tgt_type": 1}], "allow_tgt_type must be a string"),
    ([{"allow_tgt": "x", "allow_tgt_type": "nosuchtype"}], "Unknown target type"),
    ([{"allow_tgt": "E@(", "allow_tgt_type": "compound"}], "Invalid regular expression"),
])
def test_bad_entries_are_errors(spec, message) -> None:
    with pytest.raises(SaltInvocationError, match=message):
        parse_entry("alias", spec)


def test_parse_functions_skips_bad_entries_and_keeps_good_ones() -> None:
    entries, errors = parse_functions({"good": [{"mine_function": "test.echo"}, "x"], "bad": "scalar"})
    assert [(e.name, e.function, e.args, e.aliased) for e in entries] == [("good", "test.echo", ["x"], True)]
    assert len(errors) == 1 and "bad" in errors[0]
    assert parse_functions(["not", "a", "mapping"])[1] == ["mine_functions must be a mapping, got list"]


scalars = st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.none())
kwargs = st.dictionaries(st.text(min_size=1, max_size=8).filter(
    lambda k: k not in ("mine_function", "allow_tgt", "allow_tgt_type")), scalars, max_size=3)


@settings(max_examples=200, deadline=None)
@given(st.lists(scalars, max_size=4), kwargs, st.booleans())
def test_parse_list_form_roundtrip(args, kw, aliased) -> None:
    spec: list = [*args, *([kw] if kw else [])]
    if aliased:
        spec.insert(0, {"mine_function": "test.arg"})
    entry = parse_entry("alias", spec)
    assert entry.args == args
    assert entry.kwargs == kw
    assert entry.function == ("test.arg" if aliased else "alias")
    assert entry.aliased is aliased
    assert entry.allow_tgt is None
