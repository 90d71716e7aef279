"""gitfs and git pillar on a real master with a real minion: branches and tags applied as saltenvs,
commits pushed while the master runs, roots before gitfs, mountpoint/root over git daemon."""

from __future__ import annotations

import json
import os
import time

from tests.integration.gitfs.helpers import configure, run_json, start
from tests.support.gitrepos import GitDaemon, GitServerRepo

WEB_SLS = """
{{ pillar['out'] }}/web-{{ saltenv }}.txt:
  file.managed:
    - source: salt://web/site.txt.j2
    - template: jinja
    - makedirs: True
"""


def salt_json(cluster, *argv, timeout="30"):
    rc, out, err = cluster.saline(*argv, "--out=json", "--static", "-t", timeout)
    return rc, json.loads(out) if out.strip() else None, err


def apply_ok(cluster, *argv):
    rc, out, err = salt_json(cluster, "m1", "state.apply", *argv)
    assert rc == 0 and out, (out, err)
    results = out["m1"]
    assert isinstance(results, dict) and all(r["result"] for r in results.values()), results
    return results


def test_branches_tags_and_new_commits_applied_from_a_running_master(cluster, tmp_path):
    states = GitServerRepo(tmp_path / "git", "states")
    states.commit({"top.sls": "base:\n  '*': [web]\n", "web/init.sls": WEB_SLS,
                   "web/site.txt.j2": "base site for {{ grains['id'] }} ({{ pillar['color'] }})\n",
                   "shadow.txt": "from git\n"})
    states.commit({"top.sls": "dev:\n  '*': [web]\n", "web/site.txt.j2": "dev site v1\n"}, branch="dev")
    states.tag("v1", "master")
    pillar_repo = GitServerRepo(tmp_path / "git", "pillar")
    pillar_repo.commit({"top.sls": "base:\n  '*': [common]\n", "common.sls": "color: blue\nfrom_git: 1\n"})
    out = tmp_path / "out"
    roots, proots = tmp_path / "roots", tmp_path / "proots"
    roots.mkdir()
    proots.mkdir()
    (roots / "shadow.txt").write_text("from roots\n")
    (proots / "top.sls").write_text("base:\n  '*': [local]\n")
    (proots / "local.sls").write_text(f"out: {out}\ncolor: red\n")
    configure(cluster, fileserver_backend=["roots", "gitfs"], file_roots={"base": [str(roots)]},
              pillar_roots={"base": [str(proots)]}, gitfs_remotes=[states.url], gitfs_update_interval=1,
              ext_pillar=[{"git": [f"master {pillar_repo.url}"]}], git_pillar_update_interval=1)
    start(cluster)
    cluster.wait(lambda: run_json(cluster, "fileserver.envs") == ["base", "dev", "v1"], "gitfs fetched")

    # roots first: a file in file_roots shadows the same path in git; lists are the union
    _rc, got, _ = salt_json(cluster, "m1", "cp.get_file_str", "salt://shadow.txt")
    assert got == {"m1": "from roots\n"}
    assert "web/init.sls" in run_json(cluster, "fileserver.file_list")
    assert run_json(cluster, "fileserver.file_list", "backend=roots") == ["shadow.txt"]

    # git pillar merged over pillar_roots (git wins); highstate of base, then of the dev branch
    _rc, got, _ = salt_json(cluster, "m1", "pillar.items")
    assert got["m1"]["color"] == "blue" and got["m1"]["from_git"] == 1 and got["m1"]["out"] == str(out)
    apply_ok(cluster)
    assert (out / "web-base.txt").read_text() == "base site for m1 (blue)\n"
    apply_ok(cluster, "saltenv=dev")
    assert (out / "web-dev.txt").read_text() == "dev site v1\n"
    apply_ok(cluster, "web", "saltenv=v1")
    assert (out / "web-v1.txt").read_text() == "base site for m1 (blue)\n"

    # a commit pushed while the master runs: served at once after fileserver.update ...
    states.commit({"web/site.txt.j2": "dev site v2\n"}, branch="dev")
    assert run_json(cluster, "fileserver.update", "backend=gitfs") is True
    apply_ok(cluster, "saltenv=dev")
    assert (out / "web-dev.txt").read_text() == "dev site v2\n"
    # ... and within gitfs_update_interval without asking; git pillar likewise
    states.commit({"web/site.txt.j2": "dev site v3\n"}, branch="dev")
    pillar_repo.commit({"common.sls": "color: green\n"})

    def fresh():
        _rc, got, _ = salt_json(cluster, "m1", "cp.get_file_str", "salt://web/site.txt.j2", "saltenv=dev")
        return got == {"m1": "dev site v3\n"}

    cluster.wait(fresh, "the new dev commit", timeout=20)
    cluster.wait(lambda: salt_json(cluster, "m1", "pillar.get", "color")[1] == {"m1": "green"}, "new pillar",
                 timeout=20)
    pillar_repo.commit({"common.sls": "color: black\n"})
    assert run_json(cluster, "git_pillar.update") in ({f"master {pillar_repo.url}": True},
                                                      {f"master {pillar_repo.url}": None})
    assert salt_json(cluster, "m1", "pillar.get", "color")[1] == {"m1": "black"}
    # a new branch becomes a saltenv without a restart
    states.commit({"top.sls": "qa:\n  '*': [web]\n"}, branch="qa")
    run_json(cluster, "fileserver.update")
    assert run_json(cluster, "fileserver.envs") == ["base", "dev", "qa", "v1"]
    apply_ok(cluster, "saltenv=qa")
    assert (out / "web-qa.txt").read_text() == "base site for m1 (black)\n"


def test_git_daemon_remotes_with_root_mountpoint_and_shadowing(cluster, tmp_path):
    first = GitServerRepo(tmp_path / "git", "first")
    first.commit({"salt/top.sls": "base:\n  '*': [app]\n",
                  "salt/app/init.sls": "{{ pillar['out'] }}/app.txt:\n  file.managed:\n"
                                       "    - source: salt://app/conf\n    - makedirs: True\n",
                  "salt/app/conf": "first base\n", "README": "not served\n"})
    first.commit({"salt/app/conf": "first dev\n", "salt/top.sls": "dev:\n  '*': [app]\n"}, branch="dev")
    second = GitServerRepo(tmp_path / "git", "second")
    second.commit({"app/conf": "second base\n", "app/extra": "extra\n", "lib/x.sls": "{}\n"})
    second.commit({"lib/y.sls": "{}\n"}, branch="dev")
    out = tmp_path / "out"
    proots = tmp_path / "proots"
    proots.mkdir()
    (proots / "top.sls").write_text("base:\n  '*': [p]\n")
    (proots / "p.sls").write_text(f"out: {out}\n")
    with GitDaemon(tmp_path / "git") as daemon:
        configure(cluster, fileserver_backend=["gitfs"], pillar_roots={"base": [str(proots)]},
                  gitfs_remotes=[{daemon.url("first"): [{"root": "salt"}]},
                                 {daemon.url("second"): [{"mountpoint": "salt://vendor"}]}, daemon.url("second")],
                  gitfs_update_interval=30)
        start(cluster)
        cluster.wait(lambda: run_json(cluster, "fileserver.envs") == ["base", "dev"], "fetched over git://")
        _rc, got, _ = salt_json(cluster, "m1", "cp.list_master", "saltenv=dev")
        assert got["m1"] == ["app/conf", "app/extra", "app/init.sls", "lib/x.sls", "lib/y.sls", "top.sls",
                             "vendor/app/conf", "vendor/app/extra", "vendor/lib/x.sls", "vendor/lib/y.sls"]
        # the first remote shadows the third for app/conf
        apply_ok(cluster, "saltenv=dev")
        assert (out / "app.txt").read_text() == "first dev\n"
        _rc, got, _ = salt_json(cluster, "m1", "cp.get_file_str", "salt://vendor/app/conf")
        assert got == {"m1": "second base\n"}
        _rc, got, _ = salt_json(cluster, "m1", "cp.get_file_str", "salt://README")
        assert got == {"m1": False} or not got["m1"]
        first.commit({"salt/app/conf": "first dev 2\n"}, branch="dev")
        t0 = time.monotonic()
        assert run_json(cluster, "fileserver.update") is True
        assert time.monotonic() - t0 < 10
        apply_ok(cluster, "saltenv=dev")
        assert (out / "app.txt").read_text() == "first dev 2\n"


def test_bad_gitfs_configuration_stops_the_master(cluster):
    import subprocess
    import sys

    configure(cluster, fileserver_backend=["roots", "gitfs"],
              gitfs_remotes=[{"file:///nowhere.git": [{"mountpont": "typo"}]}])
    exe = os.path.join(os.path.dirname(sys.executable), "saline-master")
    res = subprocess.run([exe, "-c", cluster.master_dir], capture_output=True, text=True, timeout=30)
    assert res.returncode == 1
    # the error names the remote and the parameter (console and log file)
    assert "invalid parameter(s) mountpont" in res.stderr + _read(cluster.opts["log_file"])


def _read(path):
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        return ""
