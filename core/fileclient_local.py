"""``salt://`` access to local roots (``file_roots`` or ``pillar_roots``), confined to those roots.

The first root of a saltenv that holds a file wins, like Salt's ``roots`` fileserver. Paths are
checked before they touch the filesystem: ``..`` components, absolute paths, NUL bytes and
saltenvs that are not plain names are refused, and a symlink whose target resolves outside its
root is treated as absent (it is neither served nor listed).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from typing import Any
from urllib.parse import parse_qs

from saline.errors import CommandExecutionError, SaltInvocationError

_SALTENV_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+-]*")


def check_saltenv(saltenv: Any) -> str:
    """``saltenv`` if it is a plain name (no path separators, ``..``, NUL or whitespace), else raise."""
    if not isinstance(saltenv, str) or not _SALTENV_RE.fullmatch(saltenv) or ".." in saltenv:
        raise SaltInvocationError(f"Invalid saltenv {saltenv!r}: a saltenv is a plain name like 'base'")
    return saltenv


def split_url(url: str, saltenv: str = "base") -> tuple[str, str]:
    """``(relative path, saltenv)`` of ``salt://path[?saltenv=env]``; the path is normalised and checked.

    A relative path without a scheme is accepted as if it had ``salt://``. Absolute paths, other
    schemes, ``..`` components and NUL bytes raise :class:`SaltInvocationError`.
    """
    if not isinstance(url, str) or not url:
        raise SaltInvocationError(f"Invalid salt:// URL {url!r}")
    if url.startswith("salt://"):
        path = url[len("salt://") :]
        if "?" in path:
            path, _, query = path.partition("?")
            envs = parse_qs(query, keep_blank_values=True).get("saltenv")
            if envs:
                saltenv = envs[-1]
    elif "://" in url or url.startswith("/"):
        raise SaltInvocationError(f"Not a salt:// URL: {url!r} (local paths are not served by the file client)")
    else:
        path = url
    return normalize_relpath(path, url), check_saltenv(saltenv)


def normalize_relpath(path: str, shown: str | None = None) -> str:
    """``path`` with empty and ``.`` components dropped; refuse ``..``, absolute paths and NUL."""
    shown = path if shown is None else shown
    if "\0" in path:
        raise SaltInvocationError(f"Invalid path {shown!r}: contains a NUL byte")
    if path.startswith("/"):
        raise SaltInvocationError(f"Invalid path {shown!r}: absolute paths are not allowed")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise SaltInvocationError(f"Invalid path {shown!r}: '..' is not allowed")
    return "/".join(parts)


def _inside(real: str, real_root: str) -> bool:
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


class RootsFileClient:
    """Serves ``opts[roots_key]`` (``{saltenv: [dir, ...]}``) as ``salt://`` URLs."""

    def __init__(self, opts: dict[str, Any], roots_key: str = "file_roots") -> None:
        self.opts = opts
        self.roots_key = roots_key
        roots = opts.get(roots_key) or {}
        if not isinstance(roots, dict):
            raise SaltInvocationError(f"Option '{roots_key}' must be a mapping of saltenv to directories")
        self._roots: dict[str, list[str]] = {}
        for env, dirs in roots.items():
            if isinstance(dirs, str):
                dirs = [dirs]
            self._roots[str(env)] = [str(d) for d in dirs or []]

    # ---- lookup ---------------------------------------------------------------------------------

    def roots(self, saltenv: str) -> list[str]:
        """The directories of ``saltenv``, in search order (``__env__`` roots serve any saltenv)."""
        check_saltenv(saltenv)
        if saltenv in self._roots:
            return self._roots[saltenv]
        return [d.replace("__env__", saltenv) for d in self._roots.get("__env__", [])]

    def _locate(self, relpath: str, saltenv: str) -> str | None:
        if not relpath:
            return None
        for root in self.roots(saltenv):
            candidate = os.path.join(root, relpath)
            try:
                st = os.stat(candidate)
            except (OSError, ValueError):
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            if _inside(os.path.realpath(candidate), os.path.realpath(root)):
                return candidate
        return None

    # ---- FileClient interface ---------------------------------------------------------------------

    def cache_file(self, url: str, saltenv: str = "base") -> str | None:
        """Local path of the file (no copy is made for local roots), or None if absent."""
        relpath, env = split_url(url, saltenv)
        return self._locate(relpath, env)

    def get_text(self, url: str, saltenv: str = "base") -> str | None:
        path = self.cache_file(url, saltenv)
        if path is None:
            return None
        try:
            with open(path, encoding="utf-8") as fh:
                return fh.read()
        except UnicodeDecodeError as exc:
            raise CommandExecutionError(f"{url} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None

    def get_bytes(self, url: str, saltenv: str = "base") -> bytes | None:
        path = self.cache_file(url, saltenv)
        if path is None:
            return None
        with open(path, "rb") as fh:
            return fh.read()

    def hash_file(self, url: str, saltenv: str = "base") -> dict[str, str] | None:
        path = self.cache_file(url, saltenv)
        if path is None:
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 16), b""):
                digest.update(block)
        return {"hsum": digest.hexdigest(), "hash_type": "sha256"}

    def _walk(self, saltenv: str, prefix: str) -> tuple[set[str], set[str]]:
        prefix = normalize_relpath(prefix) if prefix else ""
        files: set[str] = set()
        dirs: set[str] = set()
        for root in self.roots(saltenv):
            real_root = os.path.realpath(root)
            if not os.path.isdir(real_root):
                continue
            seen: set[str] = set()
            # only the folder the prefix names is walked (``_modules/`` need not read the whole tree)
            start = os.path.join(root, prefix.rpartition("/")[0]) if "/" in prefix else root
            for cur, subdirs, names in os.walk(start, followlinks=True):
                real_cur = os.path.realpath(cur)
                # a symlinked directory may lead outside the root or back up into a loop
                if not _inside(real_cur, real_root) or real_cur in seen:
                    subdirs[:] = []
                    continue
                seen.add(real_cur)
                rel_cur = os.path.relpath(cur, root).replace(os.sep, "/")
                rel_cur = "" if rel_cur == "." else rel_cur
                if rel_cur:
                    dirs.add(rel_cur)
                for name in names:
                    full = os.path.join(cur, name)
                    if os.path.isfile(full) and _inside(os.path.realpath(full), real_root):
                        files.add(f"{rel_cur}/{name}" if rel_cur else name)
        if prefix:
            files = {f for f in files if f.startswith(prefix)}
            dirs = {d for d in dirs if d.startswith(prefix)}
        return files, dirs

    def list_files(self, saltenv: str = "base", prefix: str = "") -> list[str]:
        return sorted(self._walk(saltenv, prefix)[0])

    def list_dirs(self, saltenv: str = "base", prefix: str = "") -> list[str]:
        return sorted(self._walk(saltenv, prefix)[1])

    def envs(self) -> list[str]:
        return sorted(e for e in self._roots if e != "__env__")
