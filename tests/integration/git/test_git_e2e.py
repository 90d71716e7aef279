"""git states and functions end to end: ``saline-call --local`` over ``git daemon`` and file://, with
requisites, idempotence, and a minion environment without HOME or SHELL (as on CI machines)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.gitrepos import GitDaemon, GitServerRepo, git

# the child's environment: git identity for nothing (git.latest never commits), no HOME, no SHELL
BARE_ENV = {k: v for k, v in os.environ.items() if k not in ("HOME", "SHELL", "SALINE_CONFIG_DIR", "NO_COLOR",
                                                           "GIT_CONFIG_GLOBAL")}
BARE_ENV["GIT_CONFIG_NOSYSTEM"] = "1"


def call(saline_call: Any, *argv: str, env: dict[str, str] | None = None) -> tuple[int, Any, str]:
    """saline-call --local --out=json in an environment without HOME/SHELL; (rc, return, stderr)."""
    saline_call("test.true")  # writes the minion config
    proc = subprocess.run([*saline_call.command, "-c", str(saline_call.config_dir), "--local", "--out=json",
                           *argv], capture_output=True, text=True, env={**BARE_ENV, **(env or {})},
                          stdin=subprocess.DEVNULL, timeout=120)
    data = json.loads(proc.stdout)["local"] if proc.stdout.strip() else None
    return proc.returncode, data, proc.stderr


def results(data: dict[str, Any]) -> list[tuple[Any, Any, str]]:
    ordered = sorted(data.values(), key=lambda r: r["__run_num__"])
    return [(r["result"], r["changes"], r["comment"]) for r in ordered]


@pytest.fixture
def upstream(tmp_path: Path) -> GitServerRepo:
    repo = GitServerRepo(tmp_path / "srv", "app")
    repo.commit({"app.conf": "v1\n"}, message="first")
    return repo


def test_latest_over_git_daemon_follows_pushes(saline_call, upstream: GitServerRepo, tmp_path: Path) -> None:
    target = tmp_path / "deploy" / "app"
    with GitDaemon(tmp_path / "srv") as daemon:
        url = daemon.url("app")
        saline_call.write_state("app.sls", f"app:\n  git.latest:\n    - name: {url}\n    - target: {target}\n"
                                           "    - rev: master\n")
        rc, data, err = call(saline_call, "state.apply", "app", "test=True")
        assert rc == 0, err
        assert results(data) == [(None, {"new": f"{url} => {target}"},
                                  f"Repository {url} would be cloned to {target}")]
        assert not target.exists()

        rc, data, err = call(saline_call, "state.apply", "app")
        head1 = git("rev-parse", "HEAD", cwd=upstream.work)
        assert rc == 0, err
        assert results(data) == [(True, {"new": f"{url} => {target}", "revision": {"old": None, "new": head1}},
                                  f"{url} cloned to {target}")]
        assert (target / "app.conf").read_text() == "v1\n"

        rc, data, _ = call(saline_call, "state.apply", "app")  # idempotent
        assert results(data) == [(True, {}, f"Repository {target} is up-to-date")]

        head2 = upstream.commit({"app.conf": "v2\n"}, message="second")
        upstream.tag("v2", "master")
        rc, data, _ = call(saline_call, "state.apply", "app", "test=True")
        assert results(data) == [(None, {"revision": {"old": head1, "new": head2}},
                                  f"Remote 'origin' would be fetched. Repository would be updated from "
                                  f"{head1[:7]} to {head2[:7]}.")]
        assert (target / "app.conf").read_text() == "v1\n"
        rc, data, _ = call(saline_call, "state.apply", "app")
        assert results(data) == [(True, {"revision": {"old": head1, "new": head2}, "new_tags": "{'v2'}"},
                                  f"{url} was fetched, resulting in updated refs. Repository was "
                                  f"fast-forwarded to origin/master ({head2[:7]}).")]
        assert (target / "app.conf").read_text() == "v2\n"
        rc, data, _ = call(saline_call, "state.apply", "app")
        assert results(data) == [(True, {}, f"Repository {target} is up-to-date")]

        rc, refs, _ = call(saline_call, "git.ls_remote", f"remote={url}", "ref=v2")
        assert refs == {"refs/tags/v2": head2}
    assert daemon.proc is None


def test_requisites_and_config_without_home(saline_call, upstream: GitServerRepo, tmp_path: Path) -> None:
    target = tmp_path / "co"
    sls = f"""\
checkout:
  git.latest:
    - name: {upstream.url}
    - target: {target}
    - unless: test -f {tmp_path}/frozen
identity:
  git.config_set:
    - name: user.email
    - value: deploy@example.invalid
    - repo: {target}
    - require:
      - git: checkout
"""
    saline_call.write_state("co.sls", sls)
    rc, data, err = call(saline_call, "state.apply", "co")
    assert rc == 0, err
    (r1, c1, _), (r2, c2, m2) = results(data)
    assert r1 is True and c1["revision"]["old"] is None
    assert (r2, c2, m2) == (True, {"user.email": {"old": None, "new": ["deploy@example.invalid"]}},
                            "'user.email' was added as 'deploy@example.invalid'")
    assert git("config", "user.email", cwd=target) == "deploy@example.invalid"

    (tmp_path / "frozen").write_text("")
    upstream.commit({"app.conf": "v2\n"})
    rc, data, _ = call(saline_call, "state.apply", "co")
    assert results(data)[0] == (True, {}, "unless condition is true")
    assert (target / "app.conf").read_text() == "v1\n"

    # no HOME: the global configuration cannot be located, and the error says why
    rc, data, err = call(saline_call, "git.config_get", "user.name", "global=True")
    assert rc == 1
    assert "HOME is not set" in err
    # ... while repository-local configuration works as usual
    rc, data, _ = call(saline_call, "git.config_get", "user.email", f"cwd={target}")
    assert (rc, data) == (0, "deploy@example.invalid")
    # with a HOME, the global configuration is the one in it
    home = tmp_path / "home"
    home.mkdir()
    rc, data, _ = call(saline_call, "git.config_set", "user.name", "Deployer", "global=True",
                       env={"HOME": str(home)})
    assert (rc, data) == (0, ["Deployer"])
    assert "Deployer" in (home / ".gitconfig").read_text()


def test_https_auth_and_identity_errors(saline_call, tmp_path: Path) -> None:
    rc, _, err = call(saline_call, "git.ls_remote", "remote=file:///nonexistent", "https_user=a", "https_pass=b")
    assert rc == 1 and "Basic auth is only supported for HTTPS" in err
    rc, _, err = call(saline_call, "git.clone", str(tmp_path / "x"), "url=ssh://git@127.0.0.1:1/x.git",
                      f"identity={tmp_path}/missing_key")
    assert rc == 1 and "No usable ssh identity file" in err
    rc, _, err = call(saline_call, "git.status", str(tmp_path / "nope"))
    assert rc == 1 and f"Specified cwd '{tmp_path / 'nope'}' either not absolute or does not exist" in err



def test_identity_from_salt_url_reaches_ssh(saline_call, tmp_path: Path) -> None:
    """``identity=salt://...`` is cached from the file server and handed to ssh with ``-i`` (a fake ssh
    earlier on PATH records its arguments), and ssh never prompts (BatchMode)."""
    saline_call.write_state("keys/deploy", "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key\n")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    record = tmp_path / "ssh-args"
    fake = bindir / "ssh"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {record}\necho 'fake ssh: no route' >&2\nexit 255\n")
    fake.chmod(0o755)
    env = {"PATH": f"{bindir}:{os.environ['PATH']}"}
    rc, _, err = call(saline_call, "git.ls_remote", "remote=ssh://git@git.example.invalid/team/app.git",
                      "identity=salt://keys/deploy", env=env)
    assert rc == 1 and "fake ssh: no route" in err
    args = record.read_text().splitlines()
    key = Path(args[args.index("-i") + 1])
    assert key.read_text().startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert key.stat().st_mode & 0o777 == 0o600  # ssh ignores keys that others can read
    assert "BatchMode=yes" in args and "IdentitiesOnly=yes" in args
    assert "git@git.example.invalid" in args


def test_latest_with_submodules_over_git_daemon(saline_call, tmp_path: Path) -> None:
    srv = tmp_path / "srv"
    lib = GitServerRepo(srv, "lib")
    lib.commit({"lib.txt": "lib v1\n"})
    app = GitServerRepo(srv, "app")
    app.commit({"app.txt": "app\n"})
    target = tmp_path / "co"
    with GitDaemon(srv) as daemon:
        git("submodule", "add", "-q", daemon.url("lib"), "lib", cwd=app.work)
        git("commit", "-q", "-m", "add lib", cwd=app.work)
        git("push", "-q", "origin", "master", cwd=app.work)
        saline_call.write_state("app.sls", f"app:\n  git.latest:\n    - name: {daemon.url('app')}\n"
                                           f"    - target: {target}\n    - submodules: True\n")
        rc, data, err = call(saline_call, "state.apply", "app")
        assert rc == 0 and results(data)[0][0] is True, err
        assert (target / "lib" / "lib.txt").read_text() == "lib v1\n"

        lib.commit({"lib.txt": "lib v2\n"})
        git("-C", "lib", "pull", "-q", "origin", "master", cwd=app.work)
        git("commit", "-q", "-am", "bump lib", cwd=app.work)
        git("push", "-q", "origin", "master", cwd=app.work)
        rc, data, err = call(saline_call, "state.apply", "app")
        (result, changes, _), = results(data)
        assert rc == 0 and result is True and set(changes) == {"revision"}, err
        assert (target / "lib" / "lib.txt").read_text() == "lib v2\n"
        rc, data, _ = call(saline_call, "state.apply", "app")
        assert results(data) == [(True, {}, f"Repository {target} is up-to-date")]


@pytest.fixture
def shared_dir() -> Any:
    """A world-readable temp dir (pytest's tmp_path is private to root) and a throw-away user."""
    import shutil
    import tempfile
    import uuid

    base = Path(tempfile.mkdtemp(prefix="saline-git-"))
    base.chmod(0o755)
    user = f"sgit{uuid.uuid4().hex[:8]}"
    subprocess.run(["useradd", "-m", "-d", str(base / "home"), "-s", "/bin/sh", user], check=True,
                   capture_output=True)
    try:
        yield base, user
    finally:
        subprocess.run(["userdel", "-r", user], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def test_latest_and_global_config_as_another_user(saline_call, shared_dir: Any) -> None:
    import pwd

    base, user = shared_dir
    uid = pwd.getpwnam(user).pw_uid
    repo = GitServerRepo(base / "srv", "app")
    repo.commit({"app.txt": "v1\n"})
    target = base / "deploy" / "app"
    with GitDaemon(base / "srv") as daemon:
        saline_call.write_state("app.sls", f"app:\n  git.latest:\n    - name: {daemon.url('app')}\n"
                                           f"    - target: {target}\n    - user: {user}\n")
        rc, data, err = call(saline_call, "state.apply", "app")
        assert rc == 0 and results(data)[0][0] is True, (data, err)
        assert (target / "app.txt").stat().st_uid == uid
        assert (target / ".git" / "HEAD").stat().st_uid == uid
        repo.commit({"app.txt": "v2\n"})
        rc, data, err = call(saline_call, "state.apply", "app")
        assert rc == 0 and set(results(data)[0][1]) == {"revision"}, (data, err)
        assert (target / "app.txt").read_text() == "v2\n"
    # the minion has no HOME, but the user has one: global config goes to that user's ~/.gitconfig
    rc, data, err = call(saline_call, "git.config_set", "user.name", "Deploy Bot", "global=True", f"user={user}")
    assert (rc, data) == (0, ["Deploy Bot"]), err
    assert "Deploy Bot" in (base / "home" / ".gitconfig").read_text()
