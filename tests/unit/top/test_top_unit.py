"""Unit tests of saline.top: URL/env helpers, merge strategies, verification and matching on plain data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from saline.errors import SaltInvocationError
from saline.top import (
    highstate_matches,
    list_states,
    merge_tops,
    state_top_url,
    top_envs,
    top_matches,
    verify_tops,
)


class FakeClient:
    """Only what the helpers under test use: a list of files and saltenvs."""

    def __init__(self, files=(), envs=()):
        self.files = list(files)
        self._envs = list(envs)

    def list_files(self, saltenv="base", prefix=""):
        return sorted(self.files)

    def envs(self):
        return self._envs


def test_state_top_url():
    assert state_top_url(None) == "salt://top.sls"
    assert state_top_url("top.sls") == "salt://top.sls"
    assert state_top_url("/tops/main.sls") == "salt://tops/main.sls"
    assert state_top_url("salt://x/top.sls") == "salt://x/top.sls"


def test_list_states_names_sls_files_like_salt():
    client = FakeClient(["top.sls", "a.sls", "b/init.sls", "b/c.sls", "readme.txt", "d/e/init.sls", "init.sls"])
    assert list_states(client, "base") == ["a", "b", "b.c", "d.e", "top"]


def test_top_envs_order():
    client = FakeClient(envs=["dev", "prod", "zz"])
    assert top_envs({"file_roots": {"prod": [], "base": [], "dev": []}}, client) == ["base", "prod", "dev", "zz"]
    # env_order wins, keeps only known saltenvs, drops duplicates
    opts = {"file_roots": {}, "env_order": ["prod", "nope", "dev", "prod"]}
    assert top_envs(opts, client) == ["prod", "dev"]
    assert top_envs({"env_order": ["x", "y"]}, FakeClient()) == ["x", "y"]


TOPS = {
    "base": [{"base": {"*": ["b1"], "web*": ["b2"]}, "dev": {"*": ["b_for_dev"]}}],
    "dev": [{"dev": {"*": ["d1"]}, "base": {"*": ["d_for_base", "b1"]}, "qa": {"*": ["d_for_qa"]}}],
    "qa": [{}],
}


def test_merge_strategy_merge_base_is_authoritative():
    top = merge_tops(TOPS, {})
    assert top == {"base": {"*": ["b1"], "web*": ["b2"]}, "dev": {"*": ["b_for_dev"]}}


def test_merge_strategy_same_and_default_top():
    assert merge_tops(TOPS, {"top_file_merging_strategy": "same"}) == {
        "base": {"*": ["b1"], "web*": ["b2"]}, "dev": {"*": ["d1"]}}
    assert merge_tops(TOPS, {"top_file_merging_strategy": "same", "default_top": "dev"})["qa"] == {
        "*": ["d_for_qa"]}


def test_merge_strategy_merge_all_keeps_match_option_and_dedupes():
    tops = {
        "base": [{"base": {"os:Debian": [{"match": "grain"}, "a", "b"]}}],
        "dev": [{"base": {"os:Debian": ["b", "c"]}}],
    }
    top = merge_tops(tops, {"top_file_merging_strategy": "merge_all"})
    assert top == {"base": {"os:Debian": [{"match": "grain"}, "a", "b", "c"]}}


def test_unknown_strategy_falls_back_to_merge(caplog):
    assert merge_tops(TOPS, {"top_file_merging_strategy": "bogus"}) == merge_tops(TOPS, {})
    assert "Invalid top_file_merging_strategy 'bogus'" in caplog.text


def test_verify_tops_messages():
    assert verify_tops([]) == ["Top data was not formed as a dict"]
    assert verify_tops({"base": {"*": "a"}}) == ["Malformed topfile (state declarations not formed as a list)"]
    assert verify_tops({"base": {"*": [""]}}) == ["Environment base contains an empty sls index"]
    assert verify_tops({"": {"*": ["a"]}}) == ["Empty saltenv statement in top file"]
    assert verify_tops({"base": ["a"]}) == ["The top file matches for saltenv base are not formatted as a dict"]
    assert "Improperly formatted top file matcher" in verify_tops({"base": {"*": [{"match": ""}, "a"]}})[0]
    assert verify_tops({"base": {"*": ["a", {"match": "grain"}]}}) == []


def matches(top, **kw):
    args = {"minion_id": "web1", "grains": {"os": "Debian"}, "pillar": {"role": "web"},
            "opts": {"nodegroups": {"webs": "web*"}}, "envs": ["base", "dev", "prod"]}
    args.update(kw)
    return top_matches(top, **args)


def test_top_matches_kinds_order_and_duplicates():
    top = {"base": {
        "*": ["a", "b"],
        "web*": ["a"],
        "os:Debian": [{"match": "grain"}, "deb"],
        "role:web": [{"match": "pillar"}, "pil"],
        "webs": [{"match": "nodegroup"}, "ng"],
        "db*": ["db"],
        "G@os:RedHat or web1": ["comp"],
    }}
    assert matches(top) == {"base": ["a", "b", "a", "deb", "pil", "ng", "comp"]}


def test_top_matches_saltenv_items_subfilter_and_restriction():
    top = {
        "base": {"*": ["a", {"dev": "to_dev"}, {"prod": ["p1", "p2"]}, {"nope": "ignored"},
                       {"subfilter": {"G@os:Debian": ["deb"], "G@os:RedHat": ["rh"]}}, "z"]},
        "dev": {"*": ["d"]},
    }
    assert matches(top) == {"base": ["a", "deb", "z"], "dev": ["to_dev", "d"], "prod": ["p1", "p2"]}
    assert matches(top, saltenv="dev") == {"dev": ["d"]}


def test_matched_target_without_states_still_lists_the_saltenv():
    assert matches({"base": {"os:Debian": [{"match": "grain"}]}}) == {"base": []}


def test_last_match_option_wins_and_bad_targets_match_nothing(caplog):
    top = {"base": {"os:Debian": [{"match": "list"}, {"match": "grain"}, "a"], "and web*": ["b"], "G@os": ["c"]}}
    assert matches(top) == {"base": ["a"]}
    assert "Invalid compound target 'and web*'" in caplog.text


def test_unknown_matcher_raises():
    with pytest.raises(SaltInvocationError, match="Unknown matcher 'bogus'"):
        matches({"base": {"*": [{"match": "bogus"}, "a"]}})


@given(st.lists(st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=4), max_size=5))
def test_star_targets_concatenate_in_order(lists):
    top = {"base": {f"{'*' * (i + 1)}": names for i, names in enumerate(lists)}}
    expected = [name for names in lists for name in names]
    assert matches(top) == ({"base": expected} if lists else {})


@given(st.dictionaries(st.sampled_from(["*", "web*", "db*", "x*"]),
                       st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3), max_size=4))
def test_merge_all_of_a_top_with_itself_changes_nothing(targets):
    """The second copy only contributes SLS names the first lacks (duplicates within one list stay)."""
    tops = {"base": [{"base": targets}], "dev": [{"base": targets}]}
    merged = merge_tops(tops, {"top_file_merging_strategy": "merge_all"})
    assert merged == ({"base": targets} if targets else {})


# ---- gather with real files ---------------------------------------------------------------------


def make_ctx(opts):
    """A context over real files in tmp_path (grains and pillar given, file_roots served locally)."""
    from saline.fileclient_local import RootsFileClient
    from saline.loader import Context

    return Context(opts, grains_loader=lambda: {"id": "web1", "os": "Debian"}, pillar_loader=lambda: {},
                   fileclient_loader=lambda: RootsFileClient(opts))


def write(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_same_strategy_needs_default_top(tmp_path):
    write(tmp_path, {"top.sls": "base:\n  '*':\n    - a\n"})
    opts = {"id": "web1", "file_roots": {"base": [str(tmp_path)]}, "top_file_merging_strategy": "same",
            "default_top": ""}
    assert highstate_matches(make_ctx(opts)) == (
        {}, ["top_file_merging_strategy set to 'same', but no default_top configuration option was set"])


def test_included_tops_are_followed_recursively_and_once(tmp_path):
    write(tmp_path, {
        "top.sls": "include:\n  - tops.*\nbase:\n  '*':\n    - main\n",
        "tops/one.sls": "include:\n  - tops.two\nbase:\n  'web*':\n    - one\n",
        "tops/two.sls": "include:\n  - tops.one\nbase:\n  'web1':\n    - two\n",
    })
    opts = {"id": "web1", "file_roots": {"base": [str(tmp_path)]}}
    assert highstate_matches(make_ctx(opts)) == ({"base": ["main", "one", "two"]}, [])
