"""``git`` configuration functions: config_get, config_get_regexp, config_set, config_unset.

Without ``global=True`` they read and write the repository's own config (``git config --local`` in
``cwd``); with it, the user's ``~/.gitconfig``, which needs ``$HOME`` (or ``user=``) to exist.
"""

from __future__ import annotations

from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context
from saline.modules.git_common import check_cwd, mod, reject_unknown, require_home, run_git


def _scope(cwd: Any, user: Any, is_global: bool) -> tuple[str | None, list[str]]:
    if is_global:
        require_home(user)
        return (check_cwd(cwd) if cwd is not None else None), ["--global"]
    if cwd is None:
        raise SaltInvocationError("'cwd' argument required unless global=True.")
    return check_cwd(cwd), ["--local"]


def _raw_values(ctx: Context, cwd: str | None, scope: list[str], key: str, user: Any,
                output_encoding: str | None) -> list[str]:
    # rstrip=False: a value may end in whitespace; the NUL terminators keep the values apart
    from saline import process
    from saline.modules.git_common import git_env, log

    res = process.run_command(["git", "config", *scope, "--null", "--get-all", key], cwd=cwd, runas=user,
                              env=git_env(ctx), output_encoding=output_encoding, rstrip=False,
                              ignore_retcode=True, logger=log)
    if res["retcode"] == 1:
        return []
    if res["retcode"] != 0:
        raise CommandExecutionError(f"Command 'git config {' '.join(scope)} --null --get-all {key}' failed: "
                                    f"{res['stderr'].strip()}")
    return res["stdout"].split("\0")[:-1]


@mod.query
def config_get(ctx: Context, key: str, cwd: str | None = None, user: str | None = None,
               password: str | None = None, ignore_retcode: bool = False, output_encoding: str | None = None,
               **kwargs: Any) -> Any:
    """The value of ``key`` (the last one for a multivar; ``None`` when unset). ``all=True`` returns
    every value as a list; ``global=True`` reads ``~/.gitconfig`` instead of the repository at ``cwd``.

    CLI Example: ``saline-call --local git.config_get user.name cwd=/path/to/repo``
    ``saline-call --local git.config_get user.email global=True``
    """
    is_global = bool(kwargs.pop("global", False))
    want_all = bool(kwargs.pop("all", False))
    reject_unknown("config_get", kwargs)
    cwd, scope = _scope(cwd, user, is_global)
    values = _raw_values(ctx, cwd, scope, str(key), user, output_encoding)
    if want_all:
        return values or None
    return values[-1] if values else None


@mod.query
def config_get_regexp(ctx: Context, key: str, value_regex: str | None = None, cwd: str | None = None,
                      user: str | None = None, password: str | None = None, ignore_retcode: bool = False,
                      output_encoding: str | None = None, **kwargs: Any) -> dict[str, list[str]]:
    """Keys matching the regex ``key`` (and values matching ``value_regex``) as ``{key: [values]}``;
    ``{}`` when nothing matches.

    CLI Example: ``saline-call --local git.config_get_regexp '^remote' cwd=/path/to/repo``
    ``saline-call --local git.config_get_regexp '^user\\.' global=True``
    """
    is_global = bool(kwargs.pop("global", False))
    reject_unknown("config_get_regexp", kwargs)
    cwd, scope = _scope(cwd, user, is_global)
    args = ["config", *scope, "--null", "--get-regexp", str(key), *([str(value_regex)] if value_regex else [])]
    res = run_git(ctx, cwd, args, user=user, ignore_retcode=True, output_encoding=output_encoding,
                  failhard=False)
    if res["retcode"] == 1:
        return {}
    if res["retcode"] != 0:
        raise CommandExecutionError(f"Command 'git {' '.join(args)}' failed: {res['stderr'].strip()}")
    ret: dict[str, list[str]] = {}
    for item in res["stdout"].split("\0"):
        if not item:
            continue
        name, _, value = item.partition("\n")
        ret.setdefault(name, []).append(value)
    return ret


def _as_values(value: Any, multivar: Any) -> list[str]:
    if value is not None and multivar is not None:
        raise SaltInvocationError("Only one of 'value' and 'multivar' is permitted")
    if value is None and multivar is None:
        raise SaltInvocationError("Either 'value' or 'multivar' must be used")
    if value is not None:
        return [_text(value)]
    if isinstance(multivar, str):
        return [v for v in multivar.split(",")]
    if not isinstance(multivar, (list, tuple)):
        raise SaltInvocationError("'multivar' must be a list or a comma-separated string")
    return [_text(v) for v in multivar]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@mod.action
def config_set(ctx: Context, key: str, value: Any = None, multivar: Any = None, cwd: str | None = None,
               user: str | None = None, password: str | None = None, ignore_retcode: bool = False,
               output_encoding: str | None = None, **kwargs: Any) -> list[str]:
    """Set ``key`` to ``value`` (replacing all its values), or to the values of ``multivar`` (list or
    comma-separated); ``add=True`` appends ``value`` instead. Returns the key's values afterwards.

    CLI Example: ``saline-call --local git.config_set user.email me@example.com cwd=/path/to/repo``
    ``saline-call --local git.config_set foo.bar multivar='a,b' cwd=/path/to/repo``
    ``saline-call --local git.config_set user.name 'Jane Doe' global=True``
    """
    is_global = bool(kwargs.pop("global", False))
    add = bool(kwargs.pop("add", False))
    reject_unknown("config_set", kwargs)
    values = _as_values(value, multivar)
    if add and multivar is not None:
        raise SaltInvocationError("Use 'value' and not 'multivar' when 'add' is True")
    cwd, scope = _scope(cwd, user, is_global)
    key = str(key)
    common = {"user": user, "ignore_retcode": ignore_retcode, "output_encoding": output_encoding}
    if add:
        run_git(ctx, cwd, ["config", *scope, "--add", key, values[0]], **common)
    else:
        run_git(ctx, cwd, ["config", *scope, "--replace-all", key, values[0]], **common)
        for extra in values[1:]:
            run_git(ctx, cwd, ["config", *scope, "--add", key, extra], **common)
    return _raw_values(ctx, cwd, scope, key, user, output_encoding)


@mod.action
def config_unset(ctx: Context, key: str, value_regex: str | None = None, cwd: str | None = None,
                 user: str | None = None, password: str | None = None, ignore_retcode: bool = False,
                 output_encoding: str | None = None, **kwargs: Any) -> bool:
    """Remove ``key`` (only the values matching ``value_regex`` when given). A key with several values
    needs ``all=True``. True when done; an error when the key is not set.

    CLI Example: ``saline-call --local git.config_unset foo.bar cwd=/path/to/repo``
    ``saline-call --local git.config_unset foo.multi all=True cwd=/path/to/repo``
    """
    is_global = bool(kwargs.pop("global", False))
    unset_all = bool(kwargs.pop("all", False))
    reject_unknown("config_unset", kwargs)
    cwd, scope = _scope(cwd, user, is_global)
    key = str(key)
    current = _raw_values(ctx, cwd, scope, key, user, output_encoding)
    if value_regex is not None:
        import re

        current = [v for v in current if re.search(str(value_regex), v)]
    if not current:
        raise CommandExecutionError(f"Key '{key}' does not exist" if value_regex is None else
                                    f"No values matching '{value_regex}' exist for key '{key}'")
    if len(current) > 1 and not unset_all:
        raise CommandExecutionError(f"Multiple values exist for key '{key}'")
    flag = "--unset-all" if unset_all else "--unset"
    run_git(ctx, cwd, ["config", *scope, flag, key, *([str(value_regex)] if value_regex is not None else [])],
            user=user, ignore_retcode=ignore_retcode, output_encoding=output_encoding)
    return True
