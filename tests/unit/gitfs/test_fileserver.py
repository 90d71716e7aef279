"""The master's combined fileserver: backends asked in fileserver_backend order, update, the refresh thread."""

from __future__ import annotations

import time

import pytest
from saline.errors import ConfigError, SaltInvocationError
from saline.fileserver import Fileserver
from saline.master.fileserver import Updater, make_updater
from saline.master.runners import MasterAPI, run_runner

from tests.support.gitrepos import GitServerRepo


@pytest.fixture
def setup(tmp_path):
    repo = GitServerRepo(tmp_path / "srv", "states")
    repo.commit({"both.txt": "git\n", "git.txt": "only git\n"})
    repo.commit({"dev.txt": "dev\n"}, branch="dev")
    roots = tmp_path / "roots"
    roots.mkdir()
    (roots / "both.txt").write_text("roots\n")
    (roots / "roots.txt").write_text("only roots\n")
    opts = {"cachedir": str(tmp_path / "cache"), "file_roots": {"base": [str(roots)]}, "gitfs_remotes": [repo.url]}
    return repo, opts


def test_backends_in_order_union_of_lists(setup):
    _repo, opts = setup
    fs = Fileserver({**opts, "fileserver_backend": ["roots", "git"]})
    fs.update()
    assert fs.get_text("salt://both.txt") == "roots\n"
    assert fs.hash_file("salt://both.txt") == fs.backends[0][1].hash_file("salt://both.txt")
    assert fs.list_files() == ["both.txt", "git.txt", "roots.txt"]
    assert fs.envs() == ["base", "dev"]
    assert fs.list_files(backends=["roots"]) == ["both.txt", "roots.txt"]
    fs = Fileserver({**opts, "fileserver_backend": ["gitfs", "roots"]})
    fs.update(["gitfs"])
    assert fs.get_text("salt://both.txt") == "git\n" and fs.get_text("salt://roots.txt") == "only roots\n"
    api = MasterAPI(opts={**opts, "fileserver_backend": ["gitfs", "roots"]}, fileserver=fs)
    assert run_runner(api, "fileserver.file_list", [], {"backend": "git"}) == ["both.txt", "git.txt"]
    assert run_runner(api, "fileserver.file_list", [], {"backend": "-gitfs"}) == ["both.txt", "roots.txt"]
    assert run_runner(api, "fileserver.envs", [], {"backend": "roots"}) == ["base"]
    assert run_runner(api, "fileserver.dir_list", [], {"saltenv": "dev"}) == []
    with pytest.raises(SaltInvocationError, match="not configured"):
        run_runner(api, "fileserver.update", [], {"backend": "s3fs"})


def test_unknown_backend_is_a_config_error(setup):
    _repo, opts = setup
    with pytest.raises(ConfigError, match="unknown backend 'minionfs'"):
        Fileserver({**opts, "fileserver_backend": ["roots", "minionfs"]})


def test_update_via_runner_and_refresh_thread(setup):
    repo, opts = setup
    opts = {**opts, "fileserver_backend": ["gitfs"], "gitfs_update_interval": 0.3}
    fs = Fileserver(opts)
    api = MasterAPI(opts=opts, fileserver=fs)
    assert run_runner(api, "fileserver.update") is True
    assert fs.get_text("salt://git.txt") == "only git\n"
    repo.commit({"git.txt": "changed\n"})
    updater = make_updater(opts, fs).start()
    try:
        deadline = time.monotonic() + 10
        while fs.get_text("salt://git.txt") != "changed\n":
            assert time.monotonic() < deadline, "the refresh thread did not fetch"
            time.sleep(0.05)
    finally:
        updater.stop()
    assert not updater._thread.is_alive()
    assert Updater([None]).start()._thread is None  # nothing to fetch: no thread


def test_update_selected_remotes(setup, tmp_path):
    repo, opts = setup
    opts = {**opts, "fileserver_backend": ["gitfs"],
            "gitfs_remotes": [{repo.url: [{"name": "a"}]}, {repo.url: [{"name": "b"}, {"root": "x"}]}]}
    fs = Fileserver(opts)
    assert fs.update(["gitfs"], remotes="b") == {"gitfs": {"b": True}}
    assert fs.update(remotes=["a", "b"]) == {"gitfs": {"a": True, "b": False}}
    assert run_runner(MasterAPI(opts=opts, fileserver=fs), "fileserver.update", [], {"remotes": "a"}) is True
