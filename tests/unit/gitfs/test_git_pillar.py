"""git pillar (ext_pillar git) against real repositories: env mapping, __env__, root/env options, includes
across remotes, merging with pillar_roots, fetch behaviour and the git_pillar.update runner."""

from __future__ import annotations

import os

import pytest
from saline.errors import CommandExecutionError, ConfigError
from saline.master.runners import MasterAPI, run_runner
from saline.pillar import compile_pillar
from saline.pillar.git_pillar import git_pillar_for

from tests.support.gitrepos import GitServerRepo


@pytest.fixture
def repo(tmp_path):
    r = GitServerRepo(tmp_path / "srv", "pillar")
    r.commit({"top.sls": "base:\n  '*': [common]\n  'm1': [only_m1]\n",
              "common.sls": "app:\n  name: git\n  port: 80\nwho: {{ grains['id'] }}\n",
              "only_m1.sls": "secret: m1\n"})
    r.commit({"top.sls": "dev:\n  '*': [common]\n", "common.sls": "app: {name: dev}\n"}, branch="dev")
    return r


def opts_for(tmp_path, entries, **extra):
    roots = tmp_path / "pillar_roots"
    roots.mkdir(exist_ok=True)
    (roots / "top.sls").write_text("base:\n  '*': [local]\n")
    (roots / "local.sls").write_text("app:\n  port: 8080\n  roots_only: 1\nlocal: yes\n")
    return {"cachedir": str(tmp_path / "cache"), "pillar_roots": {"base": [str(roots)]},
            "ext_pillar": [{"git": entries}], "id": "m1", **extra}


def pillar(opts, mid="m1", **kw):
    return compile_pillar(opts, {"id": mid}, minion_id=mid, **kw)


def test_branches_map_to_envs_and_merge_over_pillar_roots(tmp_path, repo):
    opts = opts_for(tmp_path, [f"master {repo.url}"])
    got = pillar(opts)
    assert got == {"app": {"name": "git", "port": 80, "roots_only": 1}, "local": True, "who": "m1", "secret": "m1"}
    assert "secret" not in pillar(opts, "m2")
    opts["pillar_source_merging_strategy"] = "overwrite"
    assert pillar(opts)["app"] == {"name": "git", "port": 80}


def test_remotes_merge_in_order_and_pillarenv_selects(tmp_path, repo):
    opts = opts_for(tmp_path, [f"master {repo.url}", f"dev {repo.url}"])
    assert pillar(opts)["app"]["name"] == "dev"  # every remote is compiled, later ones win
    got = pillar(opts, pillarenv="dev")
    assert got["app"] == {"name": "dev"} and "who" not in got and "local" not in got
    # a separate cache per branch of the same URL (CVE-2023-20898)
    dirs = {r.mirror.basedir for r in git_pillar_for(opts).remotes}
    assert len(dirs) == 2


def test_dunder_env_follows_pillarenv_and_saltenv(tmp_path, repo):
    opts = opts_for(tmp_path, [f"__env__ {repo.url}"])
    assert pillar(opts)["app"]["name"] == "git"
    assert pillar(opts, pillarenv="dev")["app"] == {"name": "dev"}
    assert pillar(opts, saltenv="dev")["app"]["name"] == "dev"
    assert "app" not in pillar(opts, pillarenv="nosuch")


def test_root_env_and_includes_across_remotes(tmp_path, repo):
    other = GitServerRepo(tmp_path / "srv", "other")
    other.commit({"pillar/top.sls": "prod:\n  '*': [main]\n", "pillar/main.sls": "include: [shared]\nmain: 1\n"})
    third = GitServerRepo(tmp_path / "srv", "third")
    third.commit({"shared.sls": "shared: from third\n"}, branch="prod")
    entries = [{f"master {other.url}": [{"root": "pillar"}, {"env": "prod"}]}, f"prod {third.url}"]
    opts = opts_for(tmp_path, entries)
    got = pillar(opts, pillarenv="prod")
    assert got == {"main": 1, "shared": "from third"}, got
    opts["git_pillar_includes"] = False
    got = pillar(opts, pillarenv="prod")
    assert got["main"] == 1 and "shared" not in got and any("shared" in e for e in got["_errors"])


def test_missing_sls_and_render_errors_are_reported(tmp_path, repo):
    repo.commit({"top.sls": "base:\n  '*': [common, nosuch, broken]\n", "broken.sls": "a: {{ nope( }}\n"})
    got = pillar(opts_for(tmp_path, [f"master {repo.url}"]))
    assert got["app"]["name"] == "git"
    assert any("nosuch" in e for e in got["_errors"]) and any("broken" in e for e in got["_errors"])


def test_masterless_fetches_each_compile_master_only_on_update(tmp_path, repo):
    opts = opts_for(tmp_path, [f"master {repo.url}"])
    assert pillar(opts)["app"]["port"] == 80
    repo.commit({"common.sls": "app: {name: git, port: 81}\n"})
    assert pillar(opts)["app"]["port"] == 81  # no master: a compile fetches first, like Salt
    gp = git_pillar_for(opts)
    gp.background = True  # on the master, the refresh thread fetches
    repo.commit({"common.sls": "app: {name: git, port: 82}\n"})
    assert pillar(opts)["app"]["port"] == 81
    api = MasterAPI(opts=opts)
    assert run_runner(api, "git_pillar.update") == {f"master {repo.url}": True}
    assert pillar(opts)["app"]["port"] == 82
    assert run_runner(api, "git_pillar.update", [], {"branch": "master"}) == {f"master {repo.url}": None}
    with pytest.raises(CommandExecutionError, match="not found in ext_pillar config"):
        run_runner(api, "git_pillar.update", [], {"branch": "nosuch"})
    os.rename(repo.bare, f"{repo.bare}.gone")
    assert run_runner(api, "git_pillar.update", [], {"repo": repo.url}) == {f"master {repo.url}": False}
    assert pillar(opts)["app"]["port"] == 82  # the last fetched commit keeps serving


def test_no_remotes_and_bad_configuration(tmp_path):
    with pytest.raises(CommandExecutionError, match="No git_pillar remotes are configured"):
        run_runner(MasterAPI(opts={"cachedir": str(tmp_path)}), "git_pillar.update")
    for entries, match in (
        (["master file:///x extra"], "must be 'BRANCH URL'"),
        ([{"master file:///x": [{"bogus": 1}]}], "invalid parameter"),
        (["master -oProxyCommand=x"], "Invalid git remote URL"),
        ([{"master file:///x": [{"env": "../x"}]}], "Invalid saltenv"),
    ):
        with pytest.raises(ConfigError, match=match):
            git_pillar_for({"cachedir": str(tmp_path), "ext_pillar": [{"git": entries}]})
    got = pillar({"cachedir": str(tmp_path), "pillar_roots": {}, "ext_pillar": [{"git": ["master x y z"]}]})
    assert any("Failed to load ext_pillar git" in e for e in got["_errors"])
