"""Shared plumbing of the ``git`` execution module: the one ``mod`` and the way git is run.

Every git command goes through :func:`saline.process.run_command` with a list argv (no shell), so
revisions and paths are never interpreted by a shell. Failures raise :class:`CommandExecutionError`
with Salt's message shape: ``Command 'git <args>' failed: <stderr>``. Prompts are disabled
(``GIT_TERMINAL_PROMPT=0``, ssh ``BatchMode``) so a state can never hang waiting for a password.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from saline import process
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module


def _available(grains: Any) -> bool | str:
    return shutil.which("git") is not None or "the git command is not installed"


mod = Module("git", available=_available, doc="Manage git checkouts and repositories with the git CLI.")
log = logging.getLogger("saline.modules.git")


def split_opts(value: Any) -> list[str]:
    """Salt's ``opts``/``git_opts``: a string split like a shell would, or a list."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return shlex.split(str(value))


def check_cwd(cwd: Any, *, bare_ok: bool = True) -> str:
    """``cwd`` must be an absolute path to an existing directory (Salt's wording when it is not)."""
    if cwd is None or not os.path.isabs(str(cwd)) or not os.path.isdir(str(cwd)):
        raise SaltInvocationError(f"Specified cwd '{cwd}' either not absolute or does not exist")
    return str(cwd)


def _private_copy(ctx: Context, key: str, user: Any) -> str:
    """ssh refuses a key others can read: use a 0600 copy (owned by ``user``) when the file is not private."""
    import hashlib

    if not os.stat(key).st_mode & 0o077:
        return key
    with open(key, "rb") as fh:
        data = fh.read()
    base = os.path.join(str(ctx.opts.get("cachedir") or "/var/cache/saline/minion"), "git", "identities")
    os.makedirs(base, mode=0o700, exist_ok=True)
    path = os.path.join(base, hashlib.sha256(data).hexdigest())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)
    if user is not None:
        from saline.process import lookup_user

        pw = lookup_user(user)
        os.chown(base, pw.pw_uid, pw.pw_gid)
        os.chown(path, pw.pw_uid, pw.pw_gid)
    return path


def identity_command(ctx: Context, identity: Any, user: Any = None) -> str | None:
    """``GIT_SSH_COMMAND`` for ``identity``: a key path (or ``salt://`` URL, or a list: first usable)."""
    if not identity:
        return None
    keys = identity if isinstance(identity, (list, tuple)) else [identity]
    for key in keys:
        key = str(key)
        if key.startswith("salt://"):
            cached = ctx.salt["cp.cache_file"](key)
            if not cached:
                continue
            key = cached
        if os.path.isfile(key):
            key = _private_copy(ctx, key, user)
            return ("ssh -i " + shlex.quote(key) + " -o IdentitiesOnly=yes -o BatchMode=yes"
                    " -o StrictHostKeyChecking=accept-new")
    raise SaltInvocationError(f"No usable ssh identity file among: {', '.join(str(k) for k in keys)}")


def add_http_basic_auth(url: str, https_user: Any = None, https_pass: Any = None) -> str:
    """Put ``https_user``/``https_pass`` into an https URL (Salt refuses them for other schemes)."""
    if https_user is None and https_pass is None:
        return url
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise SaltInvocationError("Basic auth is only supported for HTTPS")
    if https_user is None or https_pass is None:
        raise SaltInvocationError("Both https_user and https_pass must be set for basic auth")
    host = parts.hostname or ""
    netloc = f"{quote(str(https_user), safe='')}:{quote(str(https_pass), safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redact_auth(url: str) -> str:
    """``https://user:pass@host/x`` -> ``https://<redacted>@host/x`` (as Salt shows remotes)."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and "@" in parts.netloc:
        return urlunsplit((parts.scheme, "<redacted>@" + parts.netloc.rsplit("@", 1)[1], parts.path,
                           parts.query, parts.fragment))
    return url


def git_env(ctx: Context, identity: Any = None, env: dict[str, str] | None = None,
            user: Any = None) -> dict[str, str]:
    out = {"GIT_TERMINAL_PROMPT": "0"}
    ssh = identity_command(ctx, identity, user)
    if ssh:
        out["GIT_SSH_COMMAND"] = ssh
    elif "GIT_SSH_COMMAND" not in os.environ and "GIT_SSH" not in os.environ:
        out["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    out.update(env or {})
    return out


def run_git(
    ctx: Context, cwd: str | None, args: list[str], *, user: Any = None, git_opts: Any = "",
    identity: Any = None, ignore_retcode: bool = False, output_encoding: str | None = None,
    failhard: bool = True, redirect_stderr: bool = False, env: dict[str, str] | None = None,
    display: list[str] | None = None,
) -> dict[str, Any]:
    """Run ``git <git_opts> <args>`` in ``cwd``; ``{retcode, stdout, stderr}``; raise when it fails.

    ``display`` replaces ``args`` in the error message (to keep credentials out of it).
    """
    argv = ["git", *split_opts(git_opts), *args]
    res = process.run_command(
        argv, cwd=cwd, runas=user, env=git_env(ctx, identity, env, user), output_encoding=output_encoding,
        ignore_retcode=ignore_retcode, redirect_stderr=redirect_stderr,
        output_loglevel="quiet" if display is not None else "debug", logger=log,
    )
    if failhard and res["retcode"] != 0:
        shown = shlex.join(["git", *(display if display is not None else args)])
        msg = (res["stderr"] or res["stdout"]).strip()
        raise CommandExecutionError(f"Command '{shown}' failed: {msg}" if msg else
                                    f"Command '{shown}' failed with return code {res['retcode']}")
    return res


def require_home(user: Any) -> None:
    """``--global`` config lives in ``$HOME/.gitconfig``: say so clearly when there is no HOME."""
    if user is None and not os.environ.get("HOME") and not os.environ.get("XDG_CONFIG_HOME"):
        raise CommandExecutionError(
            "The global git configuration needs a home directory, but HOME is not set for the minion "
            "process; set HOME or pass user=<name> to use that user's ~/.gitconfig")


def global_flag(kwargs: dict[str, Any]) -> bool:
    return bool(kwargs.pop("global", False))


def reject_unknown(fun: str, kwargs: dict[str, Any]) -> None:
    unknown = sorted(k for k in kwargs if not k.startswith("__"))
    if unknown:
        raise SaltInvocationError(f"git.{fun}: invalid keyword argument(s): {', '.join(unknown)}")
