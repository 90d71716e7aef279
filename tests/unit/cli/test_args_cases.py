"""salt-call argument parsing, case by case (tests/cases/args/*.yaml, answers recorded from real Salt
by regen_args_cases.py), plus hypothesis properties of the parser."""

from __future__ import annotations

import json
import math
import pathlib
import re
import string

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from saline.args import parse_cli_args, split_kwarg, yamlify

CASES_DIR = pathlib.Path(__file__).resolve().parents[2] / "cases" / "args"
CASES = {p.stem: yaml.safe_load(p.read_text()) for p in sorted(CASES_DIR.glob("*.yaml"))}


def typed(value):
    """A comparable form that keeps types apart (1 vs 1.0 vs True) and makes NaN equal to NaN."""
    if isinstance(value, dict):
        return ("dict", sorted((str(k), typed(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("list", [typed(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def test_the_table_is_big_enough():
    assert len(CASES) >= 60
    for name, case in CASES.items():
        assert set(case) == {"argv", "fun", "expected"}, name


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c["fun"] == "test.arg"])
def test_parse_matches_salt(name):
    case = CASES[name]
    args, kwargs = parse_cli_args(case["argv"])
    assert typed(args) == typed(case["expected"]["args"])
    assert typed(kwargs) == typed(case["expected"]["kwargs"])


def _run(saline_call, case):
    rc, out, err = saline_call("--out=json", case["fun"], "--", *case["argv"])
    return rc, out, err


@pytest.mark.parametrize("name", sorted(CASES))
def test_saline_call_end_to_end(saline_call, name):
    """The whole path: argv through the CLI parser, the argument rules and the function."""
    case = CASES[name]
    expected = case["expected"]
    rc, out, err = _run(saline_call, case)
    if "error" in expected:
        assert rc == expected["rc"], err
        assert out == ""
        assert err.startswith(expected["error"]), err
        return
    assert rc == 0, err
    ret = json.loads(out)["local"]
    if "return" in expected:
        if isinstance(ret, dict):
            ret = {k: v for k, v in ret.items() if not k.startswith("__pub_")}
        assert typed(ret) == typed(expected["return"])
    else:
        kwargs = {k: v for k, v in ret["kwargs"].items() if not k.startswith("__pub_")}
        assert typed(ret["args"]) == typed(expected["args"])
        assert typed(kwargs) == typed(expected["kwargs"])
        assert {"__pub_fun", "__pub_jid", "__pub_pid", "__pub_tgt"} <= set(ret["kwargs"])
        assert re.fullmatch(r"\d{20}", ret["kwargs"]["__pub_jid"])


def test_no_parse_keeps_named_values_as_strings(saline_call):
    rc, out, _ = saline_call("--out=json", "--no-parse=a,c", "test.kwarg", "a=007", "b=007", "c=[1]")
    assert rc == 0
    ret = json.loads(out)["local"]
    assert (ret["a"], ret["b"], ret["c"]) == ("007", 7, "[1]")


# ---- properties ---------------------------------------------------------------------------------

# plain words: letters only, and not a YAML boolean or null spelling
_YAML_WORDS = {"yes", "no", "true", "false", "on", "off", "null", "none", "y", "n", "nan", "inf"}
plain_words = st.text(string.ascii_letters, min_size=1, max_size=12).filter(
    lambda w: w.lower() not in _YAML_WORDS
)
identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,10}", fullmatch=True)
safe_values = st.text(string.ascii_letters + string.digits + " /:.,_-+@%", max_size=20)


@given(plain_words)
def test_plain_words_round_trip_as_strings(word):
    assert parse_cli_args([word]) == ([word], {})


@given(identifiers, safe_values)
def test_identifier_equals_value_is_always_a_kwarg(key, value):
    args, kwargs = parse_cli_args([f"{key}={value}"])
    assert args == []
    assert list(kwargs) == [key]
    assert kwargs[key] == yamlify(value)


@given(st.integers())
def test_integers_are_typed(number):
    assert parse_cli_args([str(number)]) == ([number], {})


@given(st.lists(st.integers(), max_size=5))
def test_bracketed_lists_are_lists(items):
    assert parse_cli_args([json.dumps(items)]) == ([items], {})


@given(st.dictionaries(identifiers, st.integers() | plain_words, max_size=4))
def test_braced_json_objects_are_dicts(mapping):
    text = json.dumps(mapping)
    assert parse_cli_args([text]) == ([mapping], {})
    assert parse_cli_args([f"pillar={text}"]) == ([], {"pillar": mapping})


@given(st.text(max_size=30))
def test_parsing_never_raises_and_keeps_multiline_text(text):
    args, kwargs = parse_cli_args([text])
    assert len(args) + len(kwargs) == 1
    if "\n" in text.rstrip("\n") and not kwargs:
        assert args == [text]


@given(st.from_regex(r"[0-9]{1,3}(_[0-9]{1,3})+", fullmatch=True))
def test_digit_groups_with_underscores_stay_strings(text):
    assert parse_cli_args([text]) == ([text], {})


@given(st.text(max_size=20))
def test_split_kwarg_needs_an_identifier_before_the_equals(text):
    pair = split_kwarg(text)
    if pair is not None:
        key, value = pair
        assert text == f"{key}={value}" or text == f"{key}={value}\n"
        assert not key[0].isdecimal()  # Salt's rule: no decimal digit first ('²' is a word character, not a decimal)
        assert not value.startswith("=")
