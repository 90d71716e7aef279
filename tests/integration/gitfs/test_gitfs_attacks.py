"""Attacks on a master serving gitfs, over the real request socket: crafted saltenvs (git revision syntax,
option-like names, the base branch under its own name, a tree id), paths out of the tree or its root,
and symlinks committed to point outside get an error or "missing", never bytes from outside."""

from __future__ import annotations

import asyncio
import os

import zmq.asyncio
from saline import crypto
from saline.minion.auth_client import MasterChannel

from tests.integration.gitfs.helpers import configure, run_json
from tests.support.gitrepos import GitServerRepo, git

KEY = crypto.generate_private_key()


def test_crafted_saltenvs_and_paths_get_nothing(cluster, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("top secret\n")
    repo = GitServerRepo(tmp_path / "git", "states")
    repo.commit({"ok.txt": "fine\n", "srv/in.txt": "in root\n", "private/key": "repo private\n"},
                symlinks={"srv/up": "../private/key", "srv/abs": str(outside / "secret"),
                          "srv/far": "../../../../../../../../" + str(outside / "secret")})
    repo.commit({"dev.txt": "dev\n"}, branch="dev")
    tree = git("rev-parse", "master^{tree}", cwd=repo.work)
    blob = git("rev-parse", "master:ok.txt", cwd=repo.work)
    configure(cluster, fileserver_backend=["gitfs"], gitfs_update_interval=60,
              gitfs_remotes=[{repo.url: [{"root": "srv"}]}, {repo.url: [{"name": "whole"}, {"mountpoint": "all"}]}])
    cluster.start_master()
    cluster.wait(lambda: run_json(cluster, "fileserver.envs") == ["base", "dev"], "gitfs fetched")

    async def scenario():
        ch = MasterChannel({"pki_dir": str(tmp_path / "m1")}, "m1", KEY, zmq.asyncio.Context.instance(),
                           f"tcp://127.0.0.1:{cluster.ret_port}")
        await ch.authenticate({}, 5)
        cluster.key("-a", "m1", "-y")
        assert (await ch.authenticate({}, 5)).state == "accepted"
        good = await ch.request("_file_get", {"path": "in.txt", "saltenv": "base"}, 5)
        assert good["data"] == b"in root\n"
        assert (await ch.request("_file_get", {"path": "all/dev.txt", "saltenv": "dev"}, 5))["data"] == b"dev\n"
        refused = [
            {"path": "../private/key"}, {"path": "/etc/passwd"}, {"path": "salt://../../etc/passwd"},
            {"path": "in.txt\x00"}, {"path": "in.txt", "saltenv": "../dev"}, {"path": "in.txt", "saltenv": "dev/.."},
            {"path": "in.txt", "saltenv": "master^{tree}"}, {"path": "in.txt", "saltenv": "master:srv"},
            {"path": "in.txt", "saltenv": "--upload-pack=touch /tmp/pwned"}, {"path": "in.txt", "saltenv": "HEAD~1"},
            {"path": "in.txt", "saltenv": "dev@{1}"},
        ]
        for load in refused:
            reply = await ch.request("_file_get", load, 5)
            assert "data" not in reply and "error" in reply, load
        missing = [
            {"path": "up"}, {"path": "abs"}, {"path": "far"},  # symlinks out of the root / the repo
            {"path": "in.txt", "saltenv": "master"},  # the base branch is only `base`
            {"path": "in.txt", "saltenv": tree}, {"path": "in.txt", "saltenv": blob},  # not commits
            {"path": "in.txt", "saltenv": "nosuch"}, {"path": "all/private/key", "saltenv": "nosuch"},
        ]
        for load in missing:
            reply = await ch.request("_file_get", load, 5)
            assert reply.get("missing") is True and "data" not in reply, load
            assert (await ch.request("_file_hash", load, 5))["hash"] == {}, load
        listing = await ch.request("_file_list", {"saltenv": "base"}, 5)
        # `up` leaves the root `srv` (absent there) but stays inside the whole-repo remote (served there)
        assert listing["items"] == ["all/ok.txt", "all/private/key", "all/srv/in.txt", "all/srv/up", "in.txt"]
        assert "error" in await ch.request("_file_list", {"saltenv": "../base"}, 5)
        assert "error" in await ch.request("_file_list", {"prefix": "../"}, 5)
        ch.reset()

    asyncio.run(scenario())
    assert not os.path.exists("/tmp/pwned")
    assert "top secret" not in cluster.master_log()
