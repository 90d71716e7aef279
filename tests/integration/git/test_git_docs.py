"""The examples of docs/modules/git.md run as shown (``/srv/repos`` and ``/srv/app`` become temp paths)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from tests.support.gitrepos import git

DOC = (Path(__file__).parents[3] / "docs" / "modules" / "git.md").read_text()


def blocks(lang: str) -> list[str]:
    return [body for kind, body in re.findall(r"^```(\w*)\n(.*?)^```", DOC, re.S | re.M) if kind == lang]


@pytest.fixture
def paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    repos = tmp_path / "srv" / "repos"
    repos.mkdir(parents=True)
    git("init", "-q", "--bare", "-b", "main", str(repos / "app.git"))
    work = tmp_path / "seed"
    git("init", "-q", "-b", "main", str(work))
    (work / "app.conf").write_text("port: 80\n")
    git("add", "app.conf", cwd=work)
    git("commit", "-q", "-m", "first", cwd=work)
    git("tag", "v1.0", cwd=work)
    git("push", "-q", str(repos / "app.git"), "main", "v1.0", cwd=work)
    return {"/srv/repos": str(repos), "/srv/app": str(tmp_path / "srv" / "app")}


def localize(text: str, paths: dict[str, str]) -> str:
    for old, new in paths.items():
        text = text.replace(old, new)
    return text


def test_console_session(saline_call: Any, paths: dict[str, str]) -> None:
    (session,) = [b for b in blocks("") if b.startswith("$ ")]
    steps = re.split(r"^\$ ", localize(session, paths), flags=re.M)[1:]
    assert len(steps) == 6
    for chunk in steps:
        command, _, expected = chunk.partition("\n")
        argv = shlex.split(command)
        assert argv[:2] == ["saline-call", "--local"]
        rc, out, err = saline_call(*argv[2:])
        assert (rc, out) == (0, expected), (argv, err)


def test_sls_example_applies_and_is_idempotent(saline_call: Any, paths: dict[str, str]) -> None:
    (sls,) = blocks("yaml")
    saline_call.write_state("app.sls", localize(sls, paths))
    rc, out, err = saline_call("state.apply", "app", "--out=json")
    assert rc == 0, err
    first = {r["__id__"]: r for r in json.loads(out)["local"].values()}
    assert first["app_checkout"]["comment"] == f"file://{paths['/srv/repos']}/app.git cloned to {paths['/srv/app']}"
    assert first["app_identity"]["changes"] == {"user.email": {"old": None, "new": ["ops@example.com"]}}
    assert first["shared_repo"]["comment"] == f"Initialized bare repository in {paths['/srv/repos']}/shared.git"
    assert Path(paths["/srv/app"], "app.conf").read_text() == "port: 80\n"

    rc, out, err = saline_call("state.apply", "app", "--out=json")
    assert rc == 0, err
    assert all(r["changes"] == {} and r["result"] is True for r in json.loads(out)["local"].values())
