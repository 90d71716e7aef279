"""``git`` functions that talk to remotes: clone, fetch, pull, ls_remote, and the remotes of a checkout."""

from __future__ import annotations

import os
import re
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context
from saline.modules.git_common import add_http_basic_auth, check_cwd, mod, redact_auth, run_git, split_opts

# one ref line of `git fetch` output: "   3d87272..abc1234  master -> origin/master",
# " * [new branch] dev -> origin/dev", " * [new tag] v2 -> v2", " t [tag update] v1 -> v1". Like Salt,
# forced updates ("+ a...b master -> origin/master") are not reported (git.latest's comments rely on it).
_FETCH_LINE = re.compile(
    r"^[\s*t]*(?:([0-9a-f]+)\.\.([0-9a-f]+)|\[(new tag|new branch|tag update)\])\s+(\S+)\s+->")


@mod.action
def clone(ctx: Context, cwd: str, url: str | None = None, name: str | None = None, opts: Any = "",
          git_opts: Any = "", user: str | None = None, password: str | None = None, identity: Any = None,
          https_user: str | None = None, https_pass: str | None = None, ignore_retcode: bool = False,
          saltenv: str = "base", output_encoding: str | None = None) -> bool:
    """Clone ``url`` into ``cwd`` (or into ``cwd/name`` when ``name`` is given); True when done.

    ``identity`` is an ssh private key (path or ``salt://`` URL) for ssh remotes; ``https_user`` and
    ``https_pass`` give HTTP basic auth for https remotes; ``opts`` are extra clone options.

    CLI Example: ``saline-call --local git.clone /path/to/repo url=https://github.com/saltstack/salt.git``
    ``saline-call --local git.clone /srv url=file:///srv/repos/x.git name=x opts='--depth 1 --branch v2'``
    """
    if not url:
        raise SaltInvocationError("Missing 'url' argument")
    if cwd is None or not os.path.isabs(str(cwd)):
        raise SaltInvocationError(f"Specified cwd '{cwd}' either not absolute or does not exist")
    target = os.path.join(str(cwd), str(name)) if name else str(cwd)
    run_dir = str(cwd) if name else os.path.dirname(target.rstrip("/")) or "/"
    if not os.path.isdir(run_dir):
        raise SaltInvocationError(f"Specified cwd '{run_dir}' either not absolute or does not exist")
    auth_url = add_http_basic_auth(str(url), https_user, https_pass)
    extra = split_opts(opts)
    run_git(ctx, run_dir, ["clone", *extra, "--", auth_url, target], user=user, git_opts=git_opts,
            identity=identity, ignore_retcode=ignore_retcode, output_encoding=output_encoding,
            display=["clone", *extra, "--", redact_auth(auth_url), target])
    return True


def parse_fetch(output: str) -> dict[str, Any]:
    """Salt's summary of ``git fetch`` output: new/updated branches and tags."""
    ret: dict[str, Any] = {}
    for line in output.splitlines():
        match = _FETCH_LINE.match(line)
        if not match:
            continue
        old, new, kind, ref = match.groups()
        if kind == "new tag":
            ret.setdefault("new tags", []).append(ref)
        elif kind == "new branch":
            ret.setdefault("new branches", []).append(ref)
        elif kind == "tag update":
            ret.setdefault("updated tags", []).append(ref)
        else:
            ret.setdefault("updated branches", {})[ref] = {"old": old, "new": new}
    return ret


@mod.action
def fetch(ctx: Context, cwd: str, remote: str | None = None, force: bool = False, refspecs: Any = None,
          opts: Any = "", git_opts: Any = "", user: str | None = None, password: str | None = None,
          identity: Any = None, ignore_retcode: bool = False, saltenv: str = "base",
          output_encoding: str | None = None) -> dict[str, Any]:
    """Fetch from ``remote`` (default: git's choice, usually ``origin``), optionally only ``refspecs``
    (list or comma-separated). Returns what changed: ``{'new branches': [...], 'new tags': [...],
    'updated branches': {name: {'old': sha, 'new': sha}}, 'updated tags': [...]}`` (``{}`` when nothing).

    CLI Example: ``saline-call --local git.fetch /path/to/repo``
    ``saline-call --local git.fetch /path/to/repo origin refspecs='refs/heads/*:refs/remotes/origin/*'``
    """
    cwd = check_cwd(cwd)
    args = ["fetch", *(["--force"] if force else [])]
    args += [o for o in split_opts(opts) if o not in ("-f", "--force")]
    if remote:
        args.append(str(remote))
    if refspecs is not None:
        specs = refspecs if isinstance(refspecs, (list, tuple)) else str(refspecs).split(",")
        args += [str(s) for s in specs if str(s)]
    out = run_git(ctx, cwd, args, user=user, git_opts=git_opts, identity=identity,
                  ignore_retcode=ignore_retcode, output_encoding=output_encoding, redirect_stderr=True)["stdout"]
    return parse_fetch(out)


@mod.action
def pull(ctx: Context, cwd: str, opts: Any = "", git_opts: Any = "", user: str | None = None,
         password: str | None = None, identity: Any = None, ignore_retcode: bool = False,
         saltenv: str = "base", output_encoding: str | None = None) -> str:
    """``git pull [opts]`` in ``cwd``; returns git's output.

    CLI Example: ``saline-call --local git.pull /path/to/repo opts='--rebase origin master'``
    """
    cwd = check_cwd(cwd)
    return run_git(ctx, cwd, ["pull", *split_opts(opts)], user=user, git_opts=git_opts, identity=identity,
                   ignore_retcode=ignore_retcode, output_encoding=output_encoding)["stdout"]


@mod.query
def ls_remote(ctx: Context, cwd: str | None = None, remote: str = "origin", ref: str | None = None,
              opts: Any = "", git_opts: Any = "", user: str | None = None, password: str | None = None,
              identity: Any = None, https_user: str | None = None, https_pass: str | None = None,
              ignore_retcode: bool = False, output_encoding: str | None = None,
              saltenv: str = "base") -> dict[str, str]:
    """The refs of ``remote`` (a remote name of the checkout ``cwd``, or a URL when ``cwd`` is None) as
    ``{refname: sha}``; ``ref`` limits them to refs ending in that name.

    CLI Example: ``saline-call --local git.ls_remote /path/to/repo origin master``
    ``saline-call --local git.ls_remote remote=https://mydomain.tld/repo.git ref=mytag opts='--tags'``
    """
    if cwd is not None:
        cwd = check_cwd(cwd)
    target = add_http_basic_auth(str(remote), https_user, https_pass)
    extra = split_opts(opts)
    tail = [str(ref)] if ref else []
    out = run_git(ctx, cwd, ["ls-remote", *extra, target, *tail], user=user, git_opts=git_opts,
                  identity=identity, ignore_retcode=ignore_retcode, output_encoding=output_encoding,
                  display=["ls-remote", *extra, redact_auth(target), *tail])["stdout"]
    ret = {}
    for line in out.splitlines():
        sha, _, name = line.partition("\t")
        if name:
            ret[name] = sha
    return ret


def _remotes(ctx: Context, cwd: str, user: Any, redact: bool, ignore_retcode: bool,
             output_encoding: str | None) -> dict[str, dict[str, str]]:
    out = run_git(ctx, cwd, ["remote", "--verbose"], user=user, ignore_retcode=ignore_retcode,
                  output_encoding=output_encoding)["stdout"]
    ret: dict[str, dict[str, str]] = {}
    for line in out.splitlines():
        match = re.match(r"^(\S+)\s+(.*)\s+\((fetch|push)\)$", line)
        if match:
            name, url, kind = match.groups()
            ret.setdefault(name, {})[kind] = redact_auth(url) if redact else url
    return ret


@mod.query
def remotes(ctx: Context, cwd: str, user: str | None = None, password: str | None = None,
            redact_auth: bool = True, ignore_retcode: bool = False,
            output_encoding: str | None = None) -> dict[str, dict[str, str]]:
    """All remotes: ``{name: {'fetch': url, 'push': url}}``; credentials in https URLs are shown as
    ``<redacted>`` unless ``redact_auth=False``.

    CLI Example: ``saline-call --local git.remotes /path/to/repo``
    """
    cwd = check_cwd(cwd)
    return _remotes(ctx, cwd, user, bool(redact_auth), ignore_retcode, output_encoding)


@mod.query
def remote_get(ctx: Context, cwd: str, remote: str = "origin", user: str | None = None,
               password: str | None = None, redact_auth: bool = True, ignore_retcode: bool = False,
               output_encoding: str | None = None) -> dict[str, str]:
    """The fetch and push URLs of one remote: ``{'fetch': url, 'push': url}``.

    CLI Example: ``saline-call --local git.remote_get /path/to/repo upstream``
    """
    cwd = check_cwd(cwd)
    found = _remotes(ctx, cwd, user, bool(redact_auth), ignore_retcode, output_encoding)
    if remote not in found:
        raise CommandExecutionError(f"Remote '{remote}' not present in git checkout located at {cwd}")
    return found[remote]


@mod.action
def remote_set(ctx: Context, cwd: str, url: str, remote: str = "origin", user: str | None = None,
               password: str | None = None, https_user: str | None = None, https_pass: str | None = None,
               push_url: str | None = None, push_https_user: str | None = None,
               push_https_pass: str | None = None, ignore_retcode: bool = False,
               output_encoding: str | None = None) -> dict[str, str]:
    """Add remote ``remote`` or change its URL (and ``push_url``); returns it as :func:`remote_get` does.

    CLI Example: ``saline-call --local git.remote_set /path/to/repo git@github.com:user/repo.git``
    ``saline-call --local git.remote_set /path/to/repo https://h/r.git remote=up https_user=u https_pass=p``
    """
    cwd = check_cwd(cwd)
    fetch_url = add_http_basic_auth(str(url), https_user, https_pass)
    existing = _remotes(ctx, cwd, user, False, ignore_retcode, output_encoding)
    verb = ["set-url"] if remote in existing else ["add"]
    run_git(ctx, cwd, ["remote", *verb, str(remote), fetch_url], user=user, ignore_retcode=ignore_retcode,
            output_encoding=output_encoding, display=["remote", *verb, str(remote), redact_auth(fetch_url)])
    if push_url:
        push = add_http_basic_auth(str(push_url), push_https_user, push_https_pass)
        run_git(ctx, cwd, ["remote", "set-url", "--push", str(remote), push], user=user,
                ignore_retcode=ignore_retcode, output_encoding=output_encoding,
                display=["remote", "set-url", "--push", str(remote), redact_auth(push)])
    return remote_get(ctx, cwd, remote=remote, user=user, ignore_retcode=ignore_retcode,
                      output_encoding=output_encoding)
