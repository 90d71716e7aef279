"""``git`` functions on a local checkout: revisions, status, branches, tags, init/add/commit/checkout/reset."""

from __future__ import annotations

import os
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context
from saline.modules.git_common import check_cwd, mod, run_git, split_opts

# status letters of `git status --porcelain` -> Salt's keys of git.status
_STATUS_KEYS = {"M": "modified", "A": "new", "D": "deleted", "??": "untracked"}


@mod.query
def rev_parse(ctx: Context, cwd: str, rev: str | None = None, opts: Any = "", git_opts: Any = "",
              user: str | None = None, password: str | None = None, ignore_retcode: bool = False,
              output_encoding: str | None = None) -> str:
    """Run ``git rev-parse [opts] [rev]`` in ``cwd`` and return its output.

    CLI Example: ``saline-call --local git.rev_parse /path/to/repo HEAD``
    ``saline-call --local git.rev_parse /path/to/repo HEAD opts='--abbrev-ref'``
    """
    cwd = check_cwd(cwd)
    args = ["rev-parse", *split_opts(opts), *([str(rev)] if rev is not None else [])]
    return run_git(ctx, cwd, args, user=user, git_opts=git_opts, ignore_retcode=ignore_retcode,
                   output_encoding=output_encoding)["stdout"]


@mod.query
def revision(ctx: Context, cwd: str, rev: str = "HEAD", short: bool = False, user: str | None = None,
             password: str | None = None, ignore_retcode: bool = False,
             output_encoding: str | None = None) -> str:
    """The SHA1 of ``rev`` (default ``HEAD``); ``short=True`` gives the abbreviated form.

    CLI Example: ``saline-call --local git.revision /path/to/repo short=True``
    """
    cwd = check_cwd(cwd)
    args = ["rev-parse", *(["--short"] if short else []), str(rev)]
    return run_git(ctx, cwd, args, user=user, ignore_retcode=ignore_retcode,
                   output_encoding=output_encoding)["stdout"]


@mod.query
def current_branch(ctx: Context, cwd: str, user: str | None = None, password: str | None = None,
                   ignore_retcode: bool = False, output_encoding: str | None = None) -> str:
    """The name of the checked-out branch (``HEAD`` when detached).

    CLI Example: ``saline-call --local git.current_branch /path/to/repo``
    """
    cwd = check_cwd(cwd)
    return run_git(ctx, cwd, ["rev-parse", "--abbrev-ref", "HEAD"], user=user, ignore_retcode=ignore_retcode,
                   output_encoding=output_encoding)["stdout"]


@mod.query
def describe(ctx: Context, cwd: str, rev: str = "HEAD", user: str | None = None, password: str | None = None,
             ignore_retcode: bool = False, output_encoding: str | None = None) -> str:
    """``git describe --always rev``: the nearest annotated tag, else the abbreviated SHA1.

    CLI Example: ``saline-call --local git.describe /path/to/repo``
    ``saline-call --local git.describe /path/to/repo rev=develop``
    """
    cwd = check_cwd(cwd)
    return run_git(ctx, cwd, ["describe", "--always", str(rev)], user=user, ignore_retcode=ignore_retcode,
                   output_encoding=output_encoding)["stdout"]


@mod.query
def status(ctx: Context, cwd: str, user: str | None = None, password: str | None = None,
           ignore_retcode: bool = False, output_encoding: str | None = None) -> dict[str, list[str]]:
    """Changes in the checkout: ``{'modified': [...], 'new': [...], 'deleted': [...], 'untracked': [...]}``
    (keys without files are left out; a clean checkout gives ``{}``).

    CLI Example: ``saline-call --local git.status /path/to/repo``
    """
    cwd = check_cwd(cwd)
    out = run_git(ctx, cwd, ["status", "-z", "--porcelain"], user=user, ignore_retcode=ignore_retcode,
                  output_encoding=output_encoding)["stdout"]
    found: dict[str, list[str]] = {}
    for entry in out.split("\0"):
        # Like Salt: the status letters as one token ("M", "A", "D", "??"; combinations such as "MM" are
        # kept as they are); a rename's source path arrives as its own entry without letters and is skipped.
        parts = entry.split(None, 1)
        if len(parts) != 2:
            continue
        found.setdefault(_STATUS_KEYS.get(parts[0], parts[0]), []).append(parts[1])
    return found


def _refs(ctx: Context, cwd: str, prefix: str, user: Any, ignore_retcode: bool,
          output_encoding: str | None) -> list[str]:
    out = run_git(ctx, cwd, ["for-each-ref", "--format=%(refname:short)", prefix], user=user,
                  ignore_retcode=ignore_retcode, output_encoding=output_encoding)["stdout"]
    return sorted(line for line in out.splitlines() if line)


@mod.query
def list_branches(ctx: Context, cwd: str, remote: bool = False, user: str | None = None,
                  password: str | None = None, ignore_retcode: bool = False,
                  output_encoding: str | None = None) -> list[str]:
    """Local branch names, or remote-tracking ones (``origin/master``) with ``remote=True``.

    CLI Example: ``saline-call --local git.list_branches /path/to/repo remote=True``
    """
    cwd = check_cwd(cwd)
    return _refs(ctx, cwd, "refs/remotes/" if remote else "refs/heads/", user, ignore_retcode, output_encoding)


@mod.query
def list_tags(ctx: Context, cwd: str, user: str | None = None, password: str | None = None,
              ignore_retcode: bool = False, output_encoding: str | None = None) -> list[str]:
    """The tag names of the repository, sorted.

    CLI Example: ``saline-call --local git.list_tags /path/to/repo``
    """
    cwd = check_cwd(cwd)
    return _refs(ctx, cwd, "refs/tags/", user, ignore_retcode, output_encoding)


@mod.query
def merge_base(ctx: Context, cwd: str, refs: Any = None, octopus: bool = False, is_ancestor: bool = False,
               independent: bool = False, fork_point: str | None = None, opts: Any = "", git_opts: Any = "",
               user: str | None = None, password: str | None = None, ignore_retcode: bool = False,
               output_encoding: str | None = None, **kwargs: Any) -> Any:
    """``git merge-base``: the common ancestor SHA1 of ``refs``; ``is_ancestor=True`` (two refs) returns
    whether the first is an ancestor of the second; ``independent``/``octopus`` return lists.

    CLI Example: ``saline-call --local git.merge_base /path/to/repo refs=HEAD,origin/master``
    ``saline-call --local git.merge_base /path/to/repo refs=v1,HEAD is_ancestor=True``
    """
    cwd = check_cwd(cwd)
    if isinstance(refs, str):
        refs = [r for r in refs.split(",") if r]
    refs = [str(r) for r in refs or []]
    if sum(bool(x) for x in (octopus, is_ancestor, independent, fork_point)) > 1:
        raise SaltInvocationError("Only one of 'octopus', 'is_ancestor', 'independent' and 'fork_point' "
                                  "is permitted")
    if is_ancestor:
        if len(refs) != 2:
            raise SaltInvocationError("Two refs must be passed when is_ancestor=True")
        for ref in refs:  # an unknown ref is an error, not "not an ancestor"
            run_git(ctx, cwd, ["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], user=user,
                    ignore_retcode=True, output_encoding=output_encoding)
        res = run_git(ctx, cwd, ["merge-base", "--is-ancestor", *refs], user=user, git_opts=git_opts,
                      ignore_retcode=True, output_encoding=output_encoding, failhard=False)
        if res["retcode"] not in (0, 1):
            raise CommandExecutionError(f"Command 'git merge-base --is-ancestor {' '.join(refs)}' failed: "
                                        f"{res['stderr'].strip()}")
        return res["retcode"] == 0
    if fork_point:
        args = ["merge-base", *split_opts(opts), "--fork-point", str(fork_point), *refs[:1]]
    else:
        if not refs or (len(refs) < 2 and not independent):
            raise SaltInvocationError("At least two refs/commits are required")
        flag = ["--octopus"] if octopus else ["--independent"] if independent else []
        args = ["merge-base", *split_opts(opts), *flag, *refs]
    out = run_git(ctx, cwd, args, user=user, git_opts=git_opts, ignore_retcode=ignore_retcode,
                  output_encoding=output_encoding)["stdout"]
    return out.splitlines() if (octopus or independent) else out


@mod.query
def is_worktree(ctx: Context, cwd: str, user: str | None = None, password: str | None = None,
                output_encoding: str | None = None) -> bool:
    """True when ``cwd`` is a linked worktree (created by ``git worktree add``).

    CLI Example: ``saline-call --local git.is_worktree /path/to/repo``
    """
    cwd = check_cwd(cwd)
    res = run_git(ctx, cwd, ["rev-parse", "--git-dir", "--git-common-dir"], user=user, ignore_retcode=True,
                  output_encoding=output_encoding, failhard=False)
    if res["retcode"] != 0:
        return False
    lines = res["stdout"].splitlines()
    if len(lines) != 2:
        return False
    git_dir, common = (os.path.normpath(os.path.join(cwd, p)) for p in lines)
    return git_dir != common


@mod.query
def version(ctx: Context, versioninfo: bool = False) -> Any:
    """The installed git version (``'2.39.5'``), or a list of ints with ``versioninfo=True``.

    CLI Example: ``saline-call --local git.version``
    """
    out = run_git(ctx, None, ["--version"])["stdout"]
    text = out.split()[2] if len(out.split()) > 2 else out
    if not versioninfo:
        return text
    return [int(p) if p.isdigit() else p for p in text.split(".")]


@mod.action
def init(ctx: Context, cwd: str, bare: bool = False, template: str | None = None,
         separate_git_dir: str | None = None, shared: Any = None, opts: Any = "", git_opts: Any = "",
         user: str | None = None, password: str | None = None, ignore_retcode: bool = False,
         output_encoding: str | None = None) -> str:
    """Create a repository in ``cwd`` (created when missing); ``bare=True`` for a bare one. Returns git's
    output (``Initialized empty Git repository in ...``).

    CLI Example: ``saline-call --local git.init /path/to/repo.git bare=True``
    """
    if cwd is None or not os.path.isabs(str(cwd)):
        raise SaltInvocationError(f"Specified cwd '{cwd}' either not absolute or does not exist")
    args = ["init", *(["--bare"] if bare else [])]
    if template:
        args.append(f"--template={template}")
    if separate_git_dir:
        args.append(f"--separate-git-dir={separate_git_dir}")
    if shared is not None:
        if isinstance(shared, bool):
            shared = "true" if shared else "false"
        args.append(f"--shared={shared}")
    args += [*split_opts(opts), str(cwd)]
    return run_git(ctx, None, args, user=user, git_opts=git_opts, ignore_retcode=ignore_retcode,
                   output_encoding=output_encoding)["stdout"]


@mod.action
def add(ctx: Context, cwd: str, filename: str, opts: Any = "", git_opts: Any = "", user: str | None = None,
        password: str | None = None, ignore_retcode: bool = False, output_encoding: str | None = None) -> str:
    """Stage ``filename`` (a path or pathspec) with ``git add --verbose``; returns git's output.

    CLI Example: ``saline-call --local git.add /path/to/repo foo/bar.py``
    ``saline-call --local git.add /path/to/repo . opts='-A'``
    """
    cwd = check_cwd(cwd)
    args = ["add", "--verbose", *split_opts(opts), "--", str(filename)]
    return run_git(ctx, cwd, args, user=user, git_opts=git_opts, ignore_retcode=ignore_retcode,
                   output_encoding=output_encoding)["stdout"]


@mod.action
def commit(ctx: Context, cwd: str, message: str, opts: Any = "", git_opts: Any = "", user: str | None = None,
           password: str | None = None, filename: str | None = None, ignore_retcode: bool = False,
           output_encoding: str | None = None) -> str:
    """Commit the staged changes (or only ``filename``) with ``message``; returns git's summary.

    CLI Example: ``saline-call --local git.commit /path/to/repo 'The commit message'``
    ``saline-call --local git.commit /path/to/repo 'Fix' opts='-a'``
    """
    cwd = check_cwd(cwd)
    args = ["commit", "-m", str(message), *split_opts(opts)]
    if filename:
        args += ["--", str(filename)]
    return run_git(ctx, cwd, args, user=user, git_opts=git_opts, ignore_retcode=ignore_retcode,
                   output_encoding=output_encoding)["stdout"]


@mod.action
def checkout(ctx: Context, cwd: str, rev: str | None = None, force: bool = False, opts: Any = "",
             git_opts: Any = "", user: str | None = None, password: str | None = None,
             ignore_retcode: bool = False, output_encoding: str | None = None) -> str:
    """Check out ``rev`` (``force=True`` discards local changes); with ``opts='-b NAME'`` a new branch may
    be created from HEAD without ``rev``. Returns git's messages.

    CLI Example: ``saline-call --local git.checkout /path/to/repo somebranch``
    ``saline-call --local git.checkout /path/to/repo opts='-b newbranch'``
    """
    cwd = check_cwd(cwd)
    extra = split_opts(opts)
    if rev is None and not any(o in ("-b", "-B") for o in extra):
        raise SaltInvocationError("'rev' argument is required unless -b or -B in opts")
    args = ["checkout", *(["--force"] if force else []), *extra, *([str(rev)] if rev is not None else [])]
    return run_git(ctx, cwd, args, user=user, git_opts=git_opts, ignore_retcode=ignore_retcode,
                   output_encoding=output_encoding, redirect_stderr=True)["stdout"]


@mod.action
def reset(ctx: Context, cwd: str, opts: Any = "", git_opts: Any = "", user: str | None = None,
          password: str | None = None, identity: Any = None, ignore_retcode: bool = False,
          output_encoding: str | None = None) -> str:
    """``git reset [opts]`` (e.g. ``opts='--hard origin/master'``); returns git's output.

    CLI Example: ``saline-call --local git.reset /path/to/repo opts='--hard origin/master'``
    """
    cwd = check_cwd(cwd)
    return run_git(ctx, cwd, ["reset", *split_opts(opts)], user=user, git_opts=git_opts, identity=identity,
                   ignore_retcode=ignore_retcode, output_encoding=output_encoding)["stdout"]


@mod.action
def merge(ctx: Context, cwd: str, rev: str | None = None, opts: Any = "", git_opts: Any = "",
          user: str | None = None, password: str | None = None, identity: Any = None,
          ignore_retcode: bool = False, output_encoding: str | None = None, **kwargs: Any) -> str:
    """Merge ``rev`` (default: the upstream of the current branch) into HEAD; returns git's output.

    CLI Example: ``saline-call --local git.merge /path/to/repo origin/master opts='--ff-only'``
    """
    cwd = check_cwd(cwd)
    args = ["merge", *split_opts(opts), *([str(rev)] if rev else [])]
    return run_git(ctx, cwd, args, user=user, git_opts=git_opts, identity=identity,
                   ignore_retcode=ignore_retcode, output_encoding=output_encoding)["stdout"]


@mod.action
def branch(ctx: Context, cwd: str, name: str | None = None, opts: Any = "", git_opts: Any = "",
           user: str | None = None, password: str | None = None, ignore_retcode: bool = False,
           output_encoding: str | None = None) -> bool:
    """``git branch [opts] [name]``: create a branch, or with ``opts`` rename/delete/set its upstream
    (``opts='--set-upstream-to=origin/main'``, ``opts='--unset-upstream'``). True when done.

    CLI Example: ``saline-call --local git.branch /path/to/repo mybranch opts='--set-upstream-to=origin/x'``
    """
    cwd = check_cwd(cwd)
    args = ["branch", *split_opts(opts), *([str(name)] if name else [])]
    run_git(ctx, cwd, args, user=user, git_opts=git_opts, ignore_retcode=ignore_retcode,
            output_encoding=output_encoding)
    return True


@mod.action
def submodule(ctx: Context, cwd: str, command: str, opts: Any = "", git_opts: Any = "",
              user: str | None = None, password: str | None = None, identity: Any = None,
              ignore_retcode: bool = False, saltenv: str = "base", output_encoding: str | None = None,
              **kwargs: Any) -> str:
    """``git submodule <command> [opts]`` (``update``, ``init``, ``sync``, ``status``...); git's output.

    CLI Example: ``saline-call --local git.submodule /path/to/repo update opts='--init --recursive'``
    """
    cwd = check_cwd(cwd)
    args = ["submodule", str(command), *split_opts(opts)]
    return run_git(ctx, cwd, args, user=user, git_opts=git_opts, identity=identity,
                   ignore_retcode=ignore_retcode, output_encoding=output_encoding, redirect_stderr=True)["stdout"]
