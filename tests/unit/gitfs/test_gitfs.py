"""The gitfs backend against real repositories (file:// and git daemon): saltenv mapping, root/mountpoint,
several remotes, updates, caching and confinement."""

from __future__ import annotations

import hashlib
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from saline.errors import ConfigError, SaltInvocationError
from saline.gitfs import GitFS, expr_match

from tests.support.gitrepos import GitDaemon, GitServerRepo


@pytest.fixture
def repo(tmp_path):
    r = GitServerRepo(tmp_path / "srv", "states")
    r.commit({"top.sls": "base:\n  '*': [web]\n", "web/init.sls": "web: base\n", "files/a.txt": "A\n"})
    r.commit({"web/init.sls": "web: dev\n", "dev.txt": "only dev\n"}, branch="dev")
    r.tag("v1", "master")
    return r


def gitfs(tmp_path, remotes, **opts):
    fs = GitFS({"cachedir": str(tmp_path / "cache"), "gitfs_remotes": remotes, **opts})
    fs.update()
    return fs


def test_branches_and_tags_are_saltenvs_and_master_is_base(tmp_path, repo):
    fs = gitfs(tmp_path, [repo.url])
    assert fs.envs() == ["base", "dev", "v1"]
    assert fs.get_text("salt://web/init.sls") == "web: base\n"
    assert fs.get_text("salt://web/init.sls", "dev") == "web: dev\n"
    assert fs.get_text("salt://web/init.sls?saltenv=dev") == "web: dev\n"
    assert fs.get_text("salt://dev.txt", "v1") is None
    assert fs.list_files("dev") == ["dev.txt", "files/a.txt", "top.sls", "web/init.sls"]
    assert fs.list_files("base", prefix="files") == ["files/a.txt"]
    assert fs.list_dirs("base") == ["files", "web"]
    # the base branch is `base`, not served under its own name (like Salt 3007)
    assert fs.list_files("master") == []
    assert fs.hash_file("salt://files/a.txt") == {"hsum": hashlib.sha256(b"A\n").hexdigest(), "hash_type": "sha256"}
    with open(fs.cache_file("salt://files/a.txt"), "rb") as fh:
        assert fh.read() == b"A\n"


def test_commit_ids_are_saltenvs_and_gitfs_base_and_ref_types(tmp_path, repo):
    sha = repo.commit({"files/a.txt": "A2\n"})
    fs = gitfs(tmp_path, [repo.url])
    assert fs.get_text("salt://files/a.txt", sha) == "A2\n"
    assert fs.get_text("salt://files/a.txt", sha[:8]) == "A2\n"
    assert fs.get_text("salt://files/a.txt", "v1") == "A\n"
    assert sha not in fs.envs()
    fs = gitfs(tmp_path, [repo.url], gitfs_base="dev", gitfs_ref_types=["branch"])
    assert fs.envs() == ["base", "master"]
    assert fs.get_text("salt://web/init.sls") == "web: dev\n"
    assert fs.get_text("salt://files/a.txt", sha) is None and fs.get_text("salt://files/a.txt", "v1") is None


def test_annotated_tag_serves_its_commit(tmp_path, repo):
    repo.tag("v2", "dev", annotated=True)
    fs = gitfs(tmp_path, [repo.url])
    assert fs.get_text("salt://dev.txt", "v2") == "only dev\n"


def test_new_commit_is_served_after_update_and_unchanged_ref_from_cache(tmp_path, repo, monkeypatch):
    fs = gitfs(tmp_path, [repo.url])
    assert fs.get_text("salt://files/a.txt") == "A\n"
    repo.commit({"files/a.txt": "new\n", "files/b.txt": "B\n"})
    assert fs.get_text("salt://files/a.txt") == "A\n"  # serving never fetches
    assert fs.update() == {repo.url: True}
    assert fs.get_text("salt://files/a.txt") == "new\n"
    assert fs.list_files(prefix="files") == ["files/a.txt", "files/b.txt"]
    assert fs.update() == {repo.url: False}
    # an unchanged ref is served from the cached tree and blobs: no git process at all
    import subprocess

    def boom(*a, **k):
        raise AssertionError("git was run for a cached lookup")

    monkeypatch.setattr(subprocess, "run", boom)
    monkeypatch.setattr(subprocess, "Popen", boom)
    for _ in range(3):
        assert fs.get_text("salt://files/a.txt") == "new\n"
        assert fs.hash_file("salt://files/b.txt")["hsum"] == hashlib.sha256(b"B\n").hexdigest()
        assert fs.list_files() == ["files/a.txt", "files/b.txt", "top.sls", "web/init.sls"]


def test_deleted_branch_and_failed_fetch(tmp_path, repo):
    fs = gitfs(tmp_path, [repo.url])
    repo.delete_branch("dev")
    fs.update()
    assert fs.envs() == ["base", "v1"] and fs.list_files("dev") == []
    os.rename(repo.bare, str(repo.bare) + ".gone")
    assert fs.update() == {repo.url: None}  # logged; the last fetched refs keep being served
    assert fs.get_text("salt://files/a.txt") == "A\n"


def test_root_and_mountpoint(tmp_path, repo):
    repo.commit({"salt/app/init.sls": "app: 1\n", "salt/app/conf": "c\n"})
    fs = gitfs(tmp_path, [repo.url], gitfs_root="salt", gitfs_mountpoint="salt://mnt/pt")
    assert fs.list_files() == ["mnt/pt/app/conf", "mnt/pt/app/init.sls"]
    assert fs.list_dirs() == ["mnt", "mnt/pt", "mnt/pt/app"]
    assert fs.get_text("salt://mnt/pt/app/conf") == "c\n"
    assert fs.get_text("salt://app/conf") is None and fs.get_text("salt://mnt/pt/top.sls") is None
    fs = gitfs(tmp_path, [{repo.url: [{"root": "salt/app"}, {"mountpoint": "x"}]}])
    assert fs.list_files() == ["x/conf", "x/init.sls"]


def test_per_saltenv_mapping_all_saltenvs_fallback_and_disabled_mapping(tmp_path, repo):
    repo.commit({"sub/s.sls": "s: 1\n"}, branch="dev")
    remote = {repo.url: [{"saltenv": [{"prod": [{"ref": "v1"}, {"mountpoint": "p"}]},
                                      {"dev": [{"root": "sub"}]}]}]}
    fs = gitfs(tmp_path, [remote])
    assert fs.envs() == ["base", "dev", "prod", "v1"]
    assert fs.list_files("prod") == ["p/files/a.txt", "p/top.sls", "p/web/init.sls"]
    assert fs.list_files("dev") == ["s.sls"]
    fs = gitfs(tmp_path, [{repo.url: [{"disable_saltenv_mapping": True},
                                      {"saltenv": [{"prod": [{"ref": "dev"}]}]}]}])
    assert fs.envs() == ["base", "prod"] and fs.list_files("dev") == []
    fs = gitfs(tmp_path, [{repo.url: [{"all_saltenvs": "dev"}]}])
    assert fs.get_text("salt://dev.txt", "anything") == "only dev\n" and fs.get_text("salt://dev.txt") == "only dev\n"
    fs = gitfs(tmp_path, [{repo.url: [{"fallback": "master"}]}])
    assert fs.get_text("salt://files/a.txt", "nosuch") == "A\n" and fs.get_text("salt://dev.txt", "dev")


def test_two_remotes_shadow_in_order(tmp_path, repo):
    other = GitServerRepo(tmp_path / "srv", "other")
    other.commit({"web/init.sls": "web: other\n", "extra.sls": "extra: 1\n"})
    fs = gitfs(tmp_path, [repo.url, other.url])
    assert fs.get_text("salt://web/init.sls") == "web: base\n"  # the first remote wins
    assert fs.get_text("salt://extra.sls") == "extra: 1\n"
    assert fs.list_files() == ["extra.sls", "files/a.txt", "top.sls", "web/init.sls"]
    fs = gitfs(tmp_path, [other.url, repo.url])
    assert fs.get_text("salt://web/init.sls") == "web: other\n"
    assert fs.envs() == ["base", "dev", "v1"]


def test_whitelist_and_blacklist(tmp_path, repo):
    repo.commit({"x": "x\n"}, branch="feature1")
    fs = gitfs(tmp_path, [repo.url], gitfs_saltenv_whitelist=["base", "d.*", "feature*"],
               gitfs_saltenv_blacklist=["feature1"])
    assert fs.envs() == ["base", "dev"]
    assert fs.list_files("v1") == [] and fs.list_files("feature1") == []
    assert expr_match("dev", "d.*") and expr_match("feature2", "feature*") and not expr_match("xdev", "dev")


def test_separate_cache_per_remote_options(tmp_path, repo):
    fs = gitfs(tmp_path, [repo.url, {repo.url: [{"root": "web"}]}, {repo.url: [{"name": "n"}]}])
    dirs = {r.mirror.basedir for r in fs.remotes}
    assert len(dirs) == 3 and all(os.path.dirname(d) == str(tmp_path / "cache" / "gitfs") for d in dirs)
    assert fs.remotes[2].id == "n"


def test_traversal_never_leaves_the_tree(tmp_path, repo):
    outside = tmp_path / "secret"
    outside.write_text("top secret\n")
    repo.commit({"sub/inner.txt": "inner\n"}, symlinks={
        "ok-link": "files/a.txt", "sub/up-link": "../files/a.txt", "abs-link": str(outside),
        "escape": "../../../../../../" + str(outside), "loop1": "loop2", "loop2": "loop1"})
    fs = gitfs(tmp_path, [repo.url])
    assert fs.get_text("salt://ok-link") == "A\n" and fs.get_text("salt://sub/up-link") == "A\n"
    for bad in ("abs-link", "escape", "loop1"):
        assert fs.cache_file(f"salt://{bad}") is None and bad not in fs.list_files()
    for path in ("../secret", "/etc/passwd", "files/../../x", "x\x00y"):
        with pytest.raises(SaltInvocationError):
            fs.cache_file(f"salt://{path}")
    for env in ("../dev", "dev/..", "/", "a b", "..", ""):
        with pytest.raises(SaltInvocationError):
            fs.list_files(env)
    # a root confines symlinks too: a link out of the root is absent
    fs = gitfs(tmp_path, [{repo.url: [{"root": "sub"}]}])
    assert fs.list_files() == ["inner.txt"] and fs.cache_file("salt://up-link") is None


@pytest.mark.parametrize("remotes, match", [
    (["-oProxyCommand=touch /tmp/x"], "Invalid git remote URL"),
    (["/plain/path"], "Invalid git remote URL"),
    ([{"file:///x": [{"bogus": 1}]}], "invalid parameter"),
    ([{"file:///x": [{"root": "../up"}]}], "'..' is not allowed"),
    ([{"file:///x": [{"ref_types": ["branch", "commit"]}]}], "ref_types"),
    ([{"file:///x": [{"saltenv": [{"dev": [{"rev": "x"}]}]}]}], "invalid parameter"),
    ([{"file:///x": "root"}], "list of 'key: value' items"),
    ([{"file:///x": [{"update_interval": -1}]}], "update_interval"),
])
def test_bad_configuration_is_a_clear_error(tmp_path, remotes, match):
    with pytest.raises(ConfigError, match=match):
        GitFS({"cachedir": str(tmp_path), "gitfs_remotes": remotes})


def test_over_git_daemon(tmp_path, repo):
    with GitDaemon(tmp_path / "srv") as daemon:
        fs = gitfs(tmp_path, [daemon.url("states")])
        assert fs.envs() == ["base", "dev", "v1"]
        assert fs.get_text("salt://web/init.sls", "dev") == "web: dev\n"
        repo.commit({"web/init.sls": "web: dev2\n"}, branch="dev")
        assert fs.update() == {daemon.url("states"): True}
        assert fs.get_text("salt://web/init.sls", "dev") == "web: dev2\n"
        proc = daemon.proc
    assert proc.poll() is not None  # cleaned up


_SEGMENTS = st.sampled_from(["..", ".", "", "files", "a.txt", "web", "init.sls", "/", "\x00", "secret"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(_SEGMENTS, max_size=6), env=st.sampled_from(["base", "dev", "v1", "../base", "x/.."]))
def test_any_path_is_a_served_file_or_refused(tmp_path_factory, parts, env):
    fs = _shared_fs(tmp_path_factory)
    path = "/".join(parts)
    try:
        local = fs.cache_file(f"salt://{path}", env)
    except SaltInvocationError:
        return
    if local is not None:
        assert os.path.commonpath([local, fs.remotes[0].mirror.blobdir]) == fs.remotes[0].mirror.blobdir
        assert "/".join(p for p in path.split("/") if p not in ("", ".")) in fs.list_files(env)


_FS: dict[str, GitFS] = {}


def _shared_fs(factory):
    if "fs" not in _FS:
        base = factory.mktemp("prop")
        r = GitServerRepo(base / "srv", "states")
        r.commit({"files/a.txt": "A\n", "web/init.sls": "w\n"})
        r.commit({"secret": "s\n"}, branch="dev")
        _FS["fs"] = GitFS({"cachedir": str(base / "cache"), "gitfs_remotes": [r.url]})
        _FS["fs"].update()
    return _FS["fs"]


def test_a_restarted_master_serves_its_mirror_before_fetching(tmp_path, repo):
    gitfs(tmp_path, [repo.url])
    again = GitFS({"cachedir": str(tmp_path / "cache"), "gitfs_remotes": [repo.url]})  # no update()
    assert again.envs() == ["base", "dev", "v1"]
    assert again.get_text("salt://web/init.sls", "dev") == "web: dev\n"
    never = GitFS({"cachedir": str(tmp_path / "other"), "gitfs_remotes": [repo.url]})
    assert never.envs() == [] and never.get_text("salt://top.sls") is None
