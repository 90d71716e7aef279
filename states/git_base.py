"""The ``git`` state module object and helpers shared by the files that register git states."""

from __future__ import annotations

import os
import re
import shutil
from typing import Any

from saline.errors import SalineError
from saline.states.api import StateModule

st = StateModule("git", doc="Git checkouts, repositories and git configuration.")

HEX = re.compile(r"^[0-9a-f]{4,40}$")


def short(sha: str | None) -> str:
    return (sha or "")[:7]


def sentences(items: list[str]) -> str:
    """Salt's way of joining the parts of a comment: ``a. b.`` for several parts, ``a`` for one."""
    return ". ".join(items) + ("." if len(items) > 1 else "")


def query(ctx: Any, fun: str, *args: Any, **kwargs: Any) -> Any:
    """A query that may fail (unset upstream, empty repository, unknown rev): None instead of an error."""
    try:
        return ctx.salt[fun](*args, ignore_retcode=True, **kwargs)
    except SalineError:
        return None


def auth_url(url: str, https_user: Any, https_pass: Any) -> str:
    """``url`` as the git module stores it in the remote when ``https_user``/``https_pass`` are given."""
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(url)
    if https_user is None or https_pass is None or parts.scheme != "https":
        return url
    netloc = f"{quote(str(https_user), safe='')}:{quote(str(https_pass), safe='')}@{parts.hostname or ''}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redacted(url: str | None) -> str | None:
    """Credentials in an http(s) URL replaced by ``<redacted>`` (for comments)."""
    from urllib.parse import urlsplit, urlunsplit

    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and "@" in parts.netloc:
        host = parts.netloc.rsplit("@", 1)[1]
        return urlunsplit((parts.scheme, f"<redacted>@{host}", parts.path, parts.query, parts.fragment))
    return url


def make_parents(target: str, user: Any) -> None:
    """Create the missing parent directories of ``target``; owned by ``user`` when git runs as someone else,
    so that user can clone into them."""
    parent = os.path.dirname(target.rstrip("/")) or "/"
    missing = []
    while parent and not os.path.exists(parent):
        missing.append(parent)
        parent = os.path.dirname(parent)
    os.makedirs(os.path.dirname(target.rstrip("/")) or "/", exist_ok=True)
    if user is not None and missing:
        import pwd

        try:
            pw = pwd.getpwuid(int(user)) if str(user).isdigit() else pwd.getpwnam(str(user))
        except KeyError:
            return  # git's own run reports the unknown user
        for path in missing:
            os.chown(path, pw.pw_uid, pw.pw_gid)


def empty_or_missing(path: str) -> bool:
    return not os.path.exists(path) or (os.path.isdir(path) and not os.listdir(path))


def wipe(path: str) -> None:
    """Remove the contents of ``path`` (``force_clone``/``force``), keeping the directory itself."""
    if os.path.isdir(path) and not os.path.islink(path):
        for entry in os.listdir(path):
            full = os.path.join(path, entry)
            if os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full)
            else:
                os.unlink(full)
    elif os.path.lexists(path):
        os.unlink(path)


def is_checkout(ctx: Any, target: str, common: dict[str, Any]) -> bool:
    """True when ``target`` is the top level of a git working tree."""
    top = query(ctx, "git.rev_parse", target, opts="--show-toplevel", **common)
    return top is not None and os.path.realpath(top) == os.path.realpath(target)


def is_bare(ctx: Any, target: str, common: dict[str, Any]) -> bool:
    """True when ``target`` itself is a bare repository."""
    if not os.path.isdir(target):
        return False
    inside = query(ctx, "git.rev_parse", target, opts="--is-bare-repository", **common)
    git_dir = query(ctx, "git.rev_parse", target, opts="--absolute-git-dir", **common)
    return inside == "true" and git_dir is not None and os.path.realpath(git_dir) == os.path.realpath(target)
