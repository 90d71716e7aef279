"""Property tests for the serialising and regex filters, through real templates where it matters."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from saline.loader import Context
from saline.renderers import filters_data as d
from saline.renderers import filters_text as t
from saline.renderers import render_string
from saline.renderers import serialize as s

_CTX = Context({"file_roots": {"base": []}})
_CTX.grains = {}
_CTX.pillar = {}

text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x85\u2028\u2029\ufeff"),
               max_size=30)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False, allow_infinity=False, width=64), text)
data = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(text, children, max_size=4)), max_leaves=12)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(value=scalars)
def test_yaml_encode_round_trips_scalars(value: Any) -> None:
    assert s.load_yaml(s.yaml_encode(value)) == value


@SETTINGS
@given(value=data, flow=st.booleans())
def test_yaml_filter_round_trips_through_load_yaml(value: Any, flow: bool) -> None:
    dumped = s.dump_yaml(value, flow)
    assert s.load_yaml(dumped if dumped else "''") == (value if dumped else "")


@SETTINGS
@given(value=data)
def test_yaml_filter_output_embeds_in_an_sls(value: Any) -> None:
    """The idiom ``key: {{ value | yaml }}`` gives back the value after the jinja|yaml pipe."""
    out = render_string(_CTX, "key: {{ value | yaml }}\n", context={"value": value})
    assert json.loads(json.dumps(out["key"])) == json.loads(json.dumps(value))


@SETTINGS
@given(value=data)
def test_json_filters_round_trip(value: Any) -> None:
    assert json.loads(s.dump_json(value)) == value
    assert json.loads(s.tojson(value)) == value
    assert "<" not in s.tojson(value) and "&" not in s.tojson(value)


@SETTINGS
@given(value=text)
def test_quoted_yaml_strings_load_back(value: Any) -> None:
    assert s.load_yaml(s.yaml_dquote(value)) == value
    assert s.load_yaml(s.yaml_squote(value)) == value


@SETTINGS
@given(value=text)
def test_regex_escape_matches_itself(value: str) -> None:
    assert re.fullmatch(t.regex_escape(value), value) is not None


@SETTINGS
@given(haystack=text, needle=text.filter(bool), repl=st.text("abc", max_size=3))
def test_regex_filters_agree_with_plain_string_operations(haystack: str, needle: str, repl: str) -> None:
    pattern = t.regex_escape(needle)
    assert (t.regex_search(haystack, pattern) is not None) == (needle in haystack)
    assert (t.regex_match(haystack, pattern) is not None) == haystack.startswith(needle)
    assert t.regex_replace(haystack, pattern, repl) == haystack.replace(needle, repl)


@SETTINGS
@given(values=st.lists(st.integers(0, 5), max_size=10), other=st.lists(st.integers(0, 5), max_size=10))
def test_set_filters_agree_with_sets_and_keep_order(values: list[int], other: list[int]) -> None:
    unique = d.unique(values)
    assert unique == list(dict.fromkeys(values))
    assert set(d.union(values, other)) == set(values) | set(other)
    assert set(d.intersect(values, other)) == set(values) & set(other)
    assert set(d.difference(values, other)) == set(values) - set(other)
    assert set(d.symmetric_difference(values, other)) == set(values) ^ set(other)
    assert d.union(values, other)[: len(unique)] == unique


@SETTINGS
@given(keys=st.lists(st.text("abc", min_size=1, max_size=3), min_size=1, max_size=4), value=scalars)
def test_set_dict_key_value_then_traverse(keys: list[str], value: Any) -> None:
    path = ":".join(keys)
    assert d.traverse(d.set_dict_key_value({}, path, value), path, "missing") == value


@SETTINGS
@given(value=data)
def test_flatten_leaves_no_lists(value: Any) -> None:
    flat = d.flatten(value if isinstance(value, list) else [value], preserve_nulls=True)
    assert not any(isinstance(x, (list, tuple)) for x in flat)


@SETTINGS
@given(value=text)
def test_to_bool_on_strings(value: str) -> None:
    assert t.to_bool(value) == (value.lower() in ("yes", "1", "true"))
