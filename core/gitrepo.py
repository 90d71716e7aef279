"""A local bare mirror of one git remote, read through the git CLI (shared by gitfs and git pillar).

Why the git CLI (not pygit2/dulwich/GitPython): it adds no dependency (git 2.39 is on every host
that can reach a git server anyway), it speaks every transport the admin's git speaks (file://,
git://, https:// with credential helpers, ssh:// with the admin's ssh config), and it is what
admins debug with. Objects are read from the bare mirror with ``git ls-tree`` and one long-lived
``git cat-file --batch`` process: no working tree, no checkout per request.

Cache layout (one directory per remote, named by a hash of the URL and the remote's options, so
two remotes never share a cache: CVE-2023-20898)::

    <cachedir>/<role>/<hash>/repo.git      bare mirror (refs/heads/*, refs/tags/*)
    <cachedir>/<role>/<hash>/blobs/ab/<sha>  file contents served so far (content addressed)
    <cachedir>/<role>/<hash>/remote.json   the URL (without credentials), for humans

Concurrency: a fetch holds a per-remote lock and only swaps the in-memory ref snapshot when it
is done; readers never wait for a fetch. Git objects are immutable, so trees and blob hashes
are cached by object id forever.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from saline.errors import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)

FETCH_TIMEOUT = 300  # seconds one fetch may take before it is abandoned
TREE_CACHE = 8  # trees kept per remote: views (core/gitfs.py) hold what is served
_SHA_RE = re.compile(r"[0-9a-f]{7,40}")
_URL_SCHEMES = ("file", "git", "http", "https", "ssh", "git+ssh", "ssh+git")
_SCP_RE = re.compile(r"[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/].*")


def check_url(url: Any) -> str:
    """``url`` if git may fetch it: a URL with a known scheme or ``user@host:path``; else raise."""
    if not isinstance(url, str) or not url.strip():
        raise SaltInvocationError(f"Invalid git remote URL {url!r}")
    url = url.strip()
    if url.startswith("-") or any(c in url for c in "\0\n\r"):
        raise SaltInvocationError(f"Invalid git remote URL {url!r}")
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in _URL_SCHEMES or (not scheme and _SCP_RE.fullmatch(url)):
        return url
    raise SaltInvocationError(
        f"Invalid git remote URL {url!r}: use file://, git://, http(s)://, ssh:// or user@host:path")


def public_url(url: str) -> str:
    """``url`` without a password, for logs and files."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def cache_key(url: str, options: Mapping[str, Any]) -> str:
    """The cache directory name of a remote: a hash of its URL and every per-remote option."""
    blob = json.dumps({"url": url, "options": options}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


class Tree:
    """The files of one commit: ``{path: (mode, blob id)}`` and the set of directories."""

    __slots__ = ("dirs", "files")

    def __init__(self, files: dict[str, tuple[str, str]], dirs: set[str]) -> None:
        self.files = files
        self.dirs = dirs


class GitMirror:
    """A bare mirror of ``url`` under ``basedir`` (see the module docstring)."""

    def __init__(self, url: str, basedir: str, *, ssl_verify: bool = True, privkey: str = "",
                 timeout: float = FETCH_TIMEOUT) -> None:
        self.url = check_url(url)
        self.basedir = basedir
        self.repo = os.path.join(basedir, "repo.git")
        self.blobdir = os.path.join(basedir, "blobs")
        self.ssl_verify = ssl_verify
        self.privkey = privkey
        self.timeout = timeout
        self.last_fetch = 0.0  # monotonic time of the last fetch attempt
        self.last_error = ""
        self._fetch_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._catfile: subprocess.Popen[bytes] | None = None
        self._trees: OrderedDict[str, Tree] = OrderedDict()
        self._hashes: dict[str, str] = {}
        self._commits: dict[str, str | None] = {}
        self.refs: dict[str, dict[str, str]] = {"branch": {}, "tag": {}}
        if os.path.isdir(os.path.join(self.repo, "objects")):
            try:  # a mirror from an earlier run serves at once, before the first fetch
                self.refs = self._read_refs()
            except CommandExecutionError as exc:
                log.error("%s (delete %s to fetch it again from scratch)", exc, basedir)

    # ---- running git --------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["GIT_TERMINAL_PROMPT"] = "0"  # never wait for a password on a terminal
        env.setdefault("HOME", self.basedir)
        if self.privkey:
            env["GIT_SSH_COMMAND"] = f"ssh -o BatchMode=yes -o IdentitiesOnly=yes -i '{self.privkey}'"
        else:
            env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
        return env

    def _git(self, *args: str, timeout: float | None = None, check: bool = True) -> bytes:
        cmd = ["git", "-c", "protocol.ext.allow=never", "-c", "core.fsmonitor=false"]
        if not self.ssl_verify:
            cmd += ["-c", "http.sslVerify=false"]
        cmd += ["--git-dir", self.repo, *args]
        try:
            res = subprocess.run(cmd, capture_output=True, env=self._env(), timeout=timeout or self.timeout,
                                 stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise CommandExecutionError(f"git {args[0]} of {public_url(self.url)} timed out") from None
        except FileNotFoundError:
            raise CommandExecutionError("the git command is not installed") from None
        if check and res.returncode != 0:
            err = res.stderr.decode(errors="replace").strip()
            raise CommandExecutionError(f"git {args[0]} of {public_url(self.url)} failed: {err}")
        return res.stdout

    # ---- fetching -----------------------------------------------------------------------------

    def _init(self) -> None:
        os.makedirs(self.basedir, mode=0o700, exist_ok=True)
        if not os.path.isdir(os.path.join(self.repo, "objects")):
            subprocess.run(["git", "init", "-q", "--bare", self.repo], check=True, capture_output=True,
                           env=self._env())
        # the URL goes through git config, never the command line: no option injection
        self._git("config", "remote.origin.url", self.url)
        with open(os.path.join(self.basedir, "remote.json"), "w", encoding="utf-8") as fh:
            json.dump({"url": public_url(self.url)}, fh)

    def fetch(self) -> bool:
        """Fetch every branch and tag (pruning deleted ones); True when a ref changed.

        Raises CommandExecutionError when git fails; the previous refs keep being served.
        """
        with self._fetch_lock:
            self.last_fetch = time.monotonic()
            try:
                self._init()
                with open(os.path.join(self.basedir, "fetch.lock"), "w") as lock:
                    fcntl.flock(lock, fcntl.LOCK_EX)  # another process on the same cache
                    self._git("fetch", "-q", "--prune", "--no-tags", "--force", "origin",
                              "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
            except (CommandExecutionError, OSError, subprocess.CalledProcessError) as exc:
                self.last_error = str(exc)
                log.error("%s", exc)
                raise CommandExecutionError(str(exc)) from None
            self.last_error = ""
            refs = self._read_refs()
            changed = refs != self.refs
            if changed:
                self._commits = {k: v for k, v in self._commits.items() if v is not None}
                self._stop_catfile()  # a fresh reader sees the new packs
            self.refs = refs
            return changed

    def fetched(self) -> bool:
        return os.path.isdir(os.path.join(self.repo, "objects"))

    def _read_refs(self) -> dict[str, dict[str, str]]:
        out = self._git("for-each-ref", "--format=%(objectname) %(*objectname) %(refname)",
                        "refs/heads", "refs/tags", timeout=60)
        refs: dict[str, dict[str, str]] = {"branch": {}, "tag": {}}
        for line in out.decode(errors="replace").splitlines():
            fields = line.split(" ")
            if len(fields) != 3:
                continue
            obj, peeled, name = fields
            if name.startswith("refs/heads/"):
                refs["branch"][name[len("refs/heads/"):]] = obj
            elif name.startswith("refs/tags/"):
                refs["tag"][name[len("refs/tags/"):]] = peeled or obj  # annotated tags point at commits
        return refs

    # ---- reading objects ----------------------------------------------------------------------

    def commit_of_sha(self, sha: str) -> str | None:
        """The full id of commit ``sha`` (7 to 40 hex digits), or None when there is no such commit."""
        if not _SHA_RE.fullmatch(sha) or not self.fetched():
            return None
        if sha not in self._commits:
            out = self._git("rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}", timeout=30, check=False)
            if len(self._commits) >= 4096:  # random hex saltenvs from minions must not grow this forever
                self._commits.clear()
            self._commits[sha] = out.decode().strip() or None
            return self._commits[sha]
        return self._commits[sha]

    def tree(self, commit: str) -> Tree:
        """Every file and directory of ``commit`` (cached per commit id)."""
        with self._read_lock:
            tree = self._trees.get(commit)
            if tree is not None:
                self._trees.move_to_end(commit)
                return tree
        raw = self._git("ls-tree", "-r", "-t", "-z", "--full-tree", commit, timeout=120)
        files: dict[str, tuple[str, str]] = {}
        dirs: set[str] = set()
        for entry in raw.split(b"\0"):
            if not entry:
                continue
            meta, _, path_b = entry.partition(b"\t")
            mode, kind, obj = meta.decode().split(" ")
            mode = sys.intern(mode)  # a handful of distinct values over thousands of entries
            path = path_b.decode("utf-8", errors="surrogateescape")
            if kind == "tree":
                dirs.add(path)
            elif kind == "blob":
                files[path] = (mode, obj)
        tree = Tree(files, dirs)
        with self._read_lock:
            self._trees[commit] = tree
            while len(self._trees) > TREE_CACHE:
                self._trees.popitem(last=False)
        return tree

    def _stop_catfile(self) -> None:
        with self._read_lock:
            proc, self._catfile = self._catfile, None
        if proc is not None:
            try:
                proc.stdin.close()  # type: ignore[union-attr]
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()

    def read_blob(self, obj: str) -> bytes:
        """The contents of blob ``obj`` (one ``git cat-file --batch`` process serves every read)."""
        with self._read_lock:
            for attempt in (1, 2):
                proc = self._catfile
                if proc is None or proc.poll() is not None:
                    proc = self._catfile = subprocess.Popen(
                        ["git", "--git-dir", self.repo, "cat-file", "--batch"], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=self._env())
                try:
                    proc.stdin.write(obj.encode() + b"\n")  # type: ignore[union-attr]
                    proc.stdin.flush()  # type: ignore[union-attr]
                    header = proc.stdout.readline().decode().split()  # type: ignore[union-attr]
                    if len(header) != 3 or header[1] != "blob":
                        raise CommandExecutionError(f"git object {obj} is not a blob")
                    size = int(header[2])
                    data = proc.stdout.read(size)  # type: ignore[union-attr]
                    proc.stdout.read(1)  # type: ignore[union-attr]
                    if len(data) != size:
                        raise OSError("short read from git cat-file")
                    return data
                except (OSError, ValueError):
                    proc.kill()
                    proc.wait()
                    self._catfile = None
                    if attempt == 2:
                        raise CommandExecutionError(f"cannot read git object {obj}") from None
        raise CommandExecutionError(f"cannot read git object {obj}")  # pragma: no cover

    def blob_path(self, obj: str) -> str:
        """A local file holding blob ``obj``, written once (content addressed, never changes)."""
        path = os.path.join(self.blobdir, obj[:2], obj)
        if not os.path.isfile(path):
            data = self.read_blob(obj)
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        return path

    def blob_sha256(self, obj: str) -> str:
        digest = self._hashes.get(obj)
        if digest is None:
            h = hashlib.sha256()
            with open(self.blob_path(obj), "rb") as fh:
                for block in iter(lambda: fh.read(1 << 16), b""):
                    h.update(block)
            digest = self._hashes[obj] = h.hexdigest()
        return digest

    def close(self) -> None:
        self._stop_catfile()
