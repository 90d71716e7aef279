"""saline.data.traverse: ``a:b:c`` paths through dicts and lists, as Salt resolves them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from saline.data import traverse

SALT_CASES = yaml.safe_load(
    (Path(__file__).parents[2] / "cases" / "grains" / "traverse" / "salt_traverse.yaml").read_text()
)


@pytest.mark.parametrize("case", SALT_CASES["cases"], ids=[c["key"] or "-" for c in SALT_CASES["cases"]])
def test_matches_salt(case: dict[str, Any]) -> None:
    got = traverse(SALT_CASES["data"], case["key"], "<default>", case["delimiter"])
    assert got == case["expected"]


def test_key_as_list_and_int() -> None:
    data = {"a": {"b": [1, 2]}, 3: "three"}
    assert traverse(data, ["a", "b", "1"]) == 2
    assert traverse(data, 3) == "three"
    assert traverse([10, 20], 1) == 20


def test_default_is_none_without_one() -> None:
    assert traverse({}, "x") is None


def test_returns_the_stored_object() -> None:
    inner = {"k": "v"}
    assert traverse({"a": inner}, "a") is inner


keys = st.text(alphabet=st.characters(blacklist_characters=":", blacklist_categories=("Cs",)), min_size=1,
               max_size=8)


@given(path=st.lists(keys, min_size=1, max_size=5), value=st.one_of(st.integers(), st.text(), st.none()))
def test_finds_any_value_placed_at_a_path(path: list[str], value: Any) -> None:
    data: Any = value
    for key in reversed(path):
        data = {key: data}
    assert traverse(data, ":".join(path), "<missing>") == value


@given(path=st.lists(keys, min_size=1, max_size=4))
def test_missing_paths_give_the_default(path: list[str]) -> None:
    data: Any = "leaf"
    for key in reversed(path):
        data = {key: data}
    assert traverse(data, ":".join([*path, "beyond"]), "<missing>") == "<missing>"


@given(items=st.lists(st.integers(), min_size=1, max_size=10), data=st.data())
def test_numeric_segments_index_lists(items: list[int], data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(items) - 1))
    assert traverse({"l": items}, f"l:{index}") == items[index]
    assert traverse({"l": items}, f"l:{len(items)}", "<missing>") == "<missing>"
