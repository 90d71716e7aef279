"""Real git repositories for tests: a bare "server" repo written through a work clone, and ``git daemon``.

    repo = GitServerRepo(tmp_path / "srv", "states")
    repo.commit({"top.sls": "base: ..."}, branch="master")
    repo.commit({"x.sls": "..."}, branch="dev")           # dev starts from master
    repo.tag("v1", "master")
    repo.url                                              # file:///.../states.git

    with GitDaemon(tmp_path / "srv") as daemon:           # git://127.0.0.1:PORT/states.git
        daemon.url("states")

The author identity is passed through GIT_* variables: no ~/.gitconfig and no $HOME needed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Saline Tests", "GIT_AUTHOR_EMAIL": "tests@saline.invalid",
    "GIT_COMMITTER_NAME": "Saline Tests", "GIT_COMMITTER_EMAIL": "tests@saline.invalid",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0",
}


def git(*args: str, cwd: str | Path | None = None) -> str:
    env = {**os.environ, **GIT_ENV, "GIT_CONFIG_GLOBAL": os.devnull}
    res = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    if res.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {res.stderr}")
    return res.stdout.strip()


class GitServerRepo:
    def __init__(self, base: str | Path, name: str) -> None:
        self.base = Path(base)
        self.bare = self.base / f"{name}.git"
        self.work = self.base / f"{name}.work"
        self.base.mkdir(parents=True, exist_ok=True)
        git("init", "-q", "--bare", "-b", "master", str(self.bare))
        git("init", "-q", "-b", "master", str(self.work))
        git("remote", "add", "origin", str(self.bare), cwd=self.work)
        self.name = name

    @property
    def url(self) -> str:
        return f"file://{self.bare}"

    def _branches(self) -> list[str]:
        out = git("for-each-ref", "--format=%(refname:short)", "refs/heads", cwd=self.work)
        return out.split()

    def commit(self, files: dict[str, str | None], branch: str = "master", message: str = "change",
               symlinks: dict[str, str] | None = None, start: str = "master") -> str:
        """Write ``files`` (None deletes) on ``branch`` (created from ``start``), commit and push; the sha."""
        branches = self._branches()
        if branch in branches:
            git("checkout", "-q", branch, cwd=self.work)
        elif branches:
            git("checkout", "-q", "-b", branch, start, cwd=self.work)
        else:
            git("checkout", "-q", "-b", branch, cwd=self.work)
        for rel, text in files.items():
            path = self.work / rel
            if text is None:
                git("rm", "-q", rel, cwd=self.work)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        for rel, target in (symlinks or {}).items():
            path = self.work / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink() or path.exists():
                path.unlink()
            path.symlink_to(target)
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "--allow-empty", "-m", message, cwd=self.work)
        git("push", "-q", "--force", "origin", branch, cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)

    def tag(self, name: str, ref: str = "master", annotated: bool = False) -> None:
        args = ["tag", "-f", *(["-a", "-m", name] if annotated else []), name, ref]
        git(*args, cwd=self.work)
        git("push", "-q", "--force", "origin", f"refs/tags/{name}", cwd=self.work)

    def delete_branch(self, name: str) -> None:
        git("push", "-q", "origin", f":refs/heads/{name}", cwd=self.work)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class GitDaemon:
    """``git daemon`` on 127.0.0.1 serving every repo under ``base`` (own process group, killed on exit)."""

    def __init__(self, base: str | Path) -> None:
        self.base = Path(base)
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, name: str) -> str:
        return f"git://127.0.0.1:{self.port}/{name}.git"

    def __enter__(self) -> GitDaemon:
        self.proc = subprocess.Popen(
            ["git", "daemon", "--listen=127.0.0.1", f"--port={self.port}", f"--base-path={self.base}",
             "--export-all", "--reuseaddr", str(self.base)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                if self.proc.poll() is not None:
                    raise AssertionError("git daemon exited") from None
                time.sleep(0.05)
        self.__exit__()
        raise AssertionError("git daemon did not start")

    def __exit__(self, *exc: object) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self.proc = None
