"""Parsers and helpers of the git module (no repositories needed), plus the module's public surface."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from saline.errors import SaltInvocationError
from saline.modules.git_common import add_http_basic_auth, redact_auth, split_opts
from saline.modules.git_remote import parse_fetch

FETCH_OUTPUT = """\
From file:///srv/repos/app
   3d87272..9f1c2ab  main       -> origin/main
 + 1111111...2222222 rewritten  -> origin/rewritten  (forced update)
 * [new branch]      feature/x  -> origin/feature/x
 * [new tag]         v2.0       -> v2.0
 t [tag update]      v1.0       -> v1.0
 ! [rejected]        other      -> origin/other  (non-fast-forward)
"""


def test_parse_fetch_like_salt() -> None:
    # forced updates and rejected refs are not reported, as in Salt (git.latest's comments rely on it)
    assert parse_fetch(FETCH_OUTPUT) == {
        "updated branches": {"main": {"old": "3d87272", "new": "9f1c2ab"}},
        "new branches": ["feature/x"],
        "new tags": ["v2.0"],
        "updated tags": ["v1.0"],
    }
    assert parse_fetch("") == {}


ref_names = st.text(string.ascii_letters + string.digits + "-_/.", min_size=1, max_size=30).filter(
    lambda s: not s.startswith(("/", ".")) and "->" not in s)
shas = st.text("0123456789abcdef", min_size=7, max_size=12)


@given(st.lists(st.tuples(ref_names, shas, shas), max_size=5, unique_by=lambda t: t[0]),
       st.lists(ref_names, max_size=5, unique=True))
def test_parse_fetch_property(updates: list[tuple[str, str, str]], new_tags: list[str]) -> None:
    lines = ["From https://example.invalid/repo"]
    lines += [f"   {old}..{new}  {name} -> origin/{name}" for name, old, new in updates]
    lines += [f" * [new tag]         {name} -> {name}" for name in new_tags]
    got = parse_fetch("\n".join(lines))
    assert got.get("updated branches", {}) == {name: {"old": old, "new": new} for name, old, new in updates}
    assert got.get("new tags", []) == new_tags


@given(st.text(string.ascii_letters + string.digits + "@:/ %", min_size=1, max_size=20),
       st.text(string.printable, min_size=1, max_size=20))
def test_basic_auth_is_redacted(user: str, password: str) -> None:
    url = add_http_basic_auth("https://git.example.com:8443/team/repo.git", user, password)
    assert url.startswith("https://") and url.endswith("@git.example.com:8443/team/repo.git")
    assert redact_auth(url) == "https://<redacted>@git.example.com:8443/team/repo.git"


def test_basic_auth_errors_and_passthrough() -> None:
    assert add_http_basic_auth("git://h/r.git") == "git://h/r.git"
    assert redact_auth("ssh://git@h/r.git") == "ssh://git@h/r.git"
    with pytest.raises(SaltInvocationError, match="only supported for HTTPS"):
        add_http_basic_auth("http://h/r.git", "u", "p")
    with pytest.raises(SaltInvocationError, match="Both https_user and https_pass"):
        add_http_basic_auth("https://h/r.git", "u", None)


def test_split_opts() -> None:
    assert split_opts("--depth 1 --branch 'my branch'") == ["--depth", "1", "--branch", "my branch"]
    assert split_opts(["-b", 1]) == ["-b", "1"]
    assert split_opts("") == [] and split_opts(None) == []


def test_public_surface_is_documented() -> None:
    from saline.loader import load_module, reset_cache

    reset_cache()
    module = load_module("git", lambda: {})
    assert module is not None
    expected = {"clone", "fetch", "pull", "rev_parse", "revision", "current_branch", "describe", "config_get",
                "config_get_regexp", "config_set", "config_unset", "status", "init", "checkout", "reset",
                "remote_get", "remote_set", "remotes", "list_branches", "list_tags", "ls_remote", "add", "commit",
                "merge", "merge_base", "branch", "submodule", "is_worktree", "version"}
    assert expected <= set(module.functions)
    for name, fun in module.functions.items():
        assert "CLI Example" in (fun.fn.__doc__ or ""), name
    # queries may run under test=True; everything that changes a repository is an action
    assert {n for n, f in module.functions.items() if f.kind == "action"} == {
        "clone", "fetch", "pull", "config_set", "config_unset", "init", "checkout", "reset", "remote_set", "add",
        "commit", "merge", "branch", "submodule"}


def test_states_registered() -> None:
    from saline.states.registry import load_state_module

    module = load_state_module("git")
    assert module is not None
    assert set(module.functions) == {"latest", "detached", "cloned", "present", "config_set", "config_unset"}


def test_latest_compares_remote_urls_with_credentials() -> None:
    from saline.states.git_latest import Opts
    from saline.states.git_latest_update import Checkout, _url_notes

    def opts(**auth: str | None) -> Opts:
        return Opts("https://git.example.com/r.git", "/srv/r", "origin", None, False, False, True, None, False,
                    True, "*", "*", "", {}, {"identity": None, "https_user": None, "https_pass": None, **auth})

    def checkout(url: str | None) -> Checkout:
        return Checkout("a" * 40, "main", "origin/main", False, url, [])

    stored = add_http_basic_auth("https://git.example.com/r.git", "bob", "p@ss")
    assert _url_notes(opts(https_user="bob", https_pass="p@ss"), checkout(stored)) is None
    assert _url_notes(opts(), checkout("https://git.example.com/r.git")) is None
    would, _done = _url_notes(opts(https_user="bob", https_pass="new"), checkout(stored))
    assert "p%40ss" not in would and would == ("Remote 'origin' would be changed from "
                                               "https://<redacted>@git.example.com/r.git to https://git.example.com/r.git")
    assert _url_notes(opts(), checkout(None))[1] == "Remote 'origin' set to https://git.example.com/r.git"
