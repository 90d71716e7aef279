"""Masterless gitfs: ``saline-call --local`` with ``fileserver_backend: [roots, gitfs]`` serves the
branches of a git repository as saltenvs, fetching once per run like salt-call."""

from __future__ import annotations

import json
from typing import Any

from tests.support.gitrepos import GitServerRepo


def _apply(saline_call: Any, options: dict[str, Any], *argv: str) -> dict[str, Any]:
    rc, out, err = saline_call("state.apply", *argv, "--out=json", config=options)
    assert rc == 0, out + err
    return json.loads(out)["local"]


def test_branches_are_saltenvs_and_new_commits_are_seen_on_the_next_run(saline_call: Any, tmp_path) -> None:
    repo = GitServerRepo(tmp_path / "git", "states")
    out = tmp_path / "out"
    state = "{{ '%s' }}/{{ saltenv }}.txt:\n  file.managed:\n    - contents: %s\n    - makedirs: True\n"
    repo.commit({"top.sls": "base:\n  '*':\n    - web\n", "web.sls": state % (out, "one")}, branch="master")
    repo.commit({"web.sls": state % (out, "dev-one")}, branch="dev")
    saline_call.write_state("local.sls", "roots shadow git: {test.succeed_without_changes: []}\n")
    options = {**saline_call.options, "fileserver_backend": ["roots", "gitfs"], "gitfs_remotes": [repo.url]}

    _apply(saline_call, options)  # highstate from git's master branch (base)
    assert (out / "base.txt").read_text() == "one\n"
    _apply(saline_call, options, "web", "saltenv=dev")
    assert (out / "dev.txt").read_text() == "dev-one\n"
    repo.commit({"web.sls": state % (out, "dev-two")}, branch="dev")
    _apply(saline_call, options, "web", "saltenv=dev")  # a new run fetches the new commit
    assert (out / "dev.txt").read_text() == "dev-two\n"
    rc, got, err = saline_call("cp.list_master", "--out=json", config=options)
    assert rc == 0 and json.loads(got)["local"] == ["local.sls", "top.sls", "web.sls"], got + err
    (result,) = _apply(saline_call, options, "local").values()  # file_roots first, then git
    assert result["result"] is True
