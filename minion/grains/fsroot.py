"""Reading host files relative to a filesystem root.

Every collector takes ``root`` (``/`` on a live host, a directory of recorded files in tests) and
reads through these helpers, so a case can replay another distribution's ``/etc`` and ``/proc``.
Absolute symlinks inside a non-``/`` root are resolved inside that root, not on the host.
"""

from __future__ import annotations

import os
import posixpath


def host_path(root: str, path: str) -> str:
    """The real path of ``path`` (absolute, as seen on the target) under ``root``."""
    if root in ("", "/"):
        return path
    return _resolve_in_root(root, path)


def _resolve_in_root(root: str, path: str, hops: int = 0) -> str:
    parts = [p for p in posixpath.normpath(path).split("/") if p]
    done = ""
    for index, part in enumerate(parts):
        candidate = f"{done}/{part}"
        real = root.rstrip("/") + candidate
        if os.path.islink(real) and hops < 40:
            target = os.readlink(real)
            rest = "/".join(parts[index + 1:])
            joined = target if target.startswith("/") else posixpath.join(done or "/", target)
            if rest:
                joined = posixpath.join(joined, rest)
            return _resolve_in_root(root, posixpath.normpath(joined), hops + 1)
        done = candidate
    return root.rstrip("/") + (done or "/")


def read_text(root: str, path: str, limit: int | None = None) -> str | None:
    """The text of ``path`` under ``root``, or None when it cannot be read."""
    try:
        with open(host_path(root, path), encoding="utf-8", errors="replace") as fh:
            return fh.read() if limit is None else fh.read(limit)
    except (OSError, ValueError):
        return None


def read_bytes(root: str, path: str, limit: int = -1) -> bytes | None:
    try:
        with open(host_path(root, path), "rb") as fh:
            return fh.read(limit)
    except OSError:
        return None


def exists(root: str, path: str) -> bool:
    return os.path.exists(host_path(root, path))


def isfile(root: str, path: str) -> bool:
    return os.path.isfile(host_path(root, path))


def isdir(root: str, path: str) -> bool:
    return os.path.isdir(host_path(root, path))


def listdir(root: str, path: str) -> list[str]:
    try:
        return sorted(os.listdir(host_path(root, path)))
    except OSError:
        return []


def readlink(root: str, path: str) -> str:
    """The target of the symlink ``path`` (not resolved), or "" when it is not a link."""
    try:
        return os.readlink(host_path(root, posixpath.dirname(path)) + "/" + posixpath.basename(path))
    except OSError:
        return ""


def which(root: str, name: str, path_env: str | None = None) -> str | None:
    """Find executable ``name`` like ``which``: an absolute name is checked, else PATH is searched."""
    if "/" in name:
        return name if _is_exec(root, name) else None
    search = path_env if path_env is not None else os.environ.get("PATH", "")
    dirs = search.split(":") if root in ("", "/") else [*search.split(":"), "/sbin", "/usr/sbin", "/bin",
                                                         "/usr/bin"]
    for directory in dirs:
        if directory and _is_exec(root, posixpath.join(directory, name)):
            return posixpath.join(directory, name)
    return None


def _is_exec(root: str, path: str) -> bool:
    real = host_path(root, path)
    if root not in ("", "/"):
        return os.path.isfile(real)  # recorded files keep no exec bit worth trusting
    return os.path.isfile(real) and os.access(real, os.X_OK)
