"""``git.cloned``, ``git.present``, ``git.config_set`` and ``git.config_unset``."""

from __future__ import annotations

import os
from typing import Any

from saline.errors import SalineError
from saline.states.api import Plan, ret
from saline.states.git_base import empty_or_missing, is_bare, make_parents, st, wipe


@st.state
def cloned(ctx: Any, name: str, target: str, branch: str | None = None, user: str | None = None,
           password: str | None = None, identity: Any = None, https_user: str | None = None,
           https_pass: str | None = None, output_encoding: str | None = None) -> dict[str, Any] | Plan:
    """Ensure ``name`` is cloned into ``target`` (once; later upstream commits are not pulled); with
    ``branch``, that branch is checked out."""
    if not target or not os.path.isabs(str(target)):
        return ret(name, False, {}, f"Target '{target}' is not an absolute path")
    target = str(target)
    auth = {"identity": identity, "https_user": https_user, "https_pass": https_pass}
    common = {"user": user, "output_encoding": output_encoding}
    if empty_or_missing(target):
        with_branch = f" with branch '{branch}'" if branch else ""

        def clone(actx: Any) -> dict[str, Any]:
            make_parents(target, user)
            try:
                actx.salt["git.clone"](target, url=name, opts=["--branch", branch] if branch else "",
                                       **auth, **common)
            except SalineError as exc:
                return ret(name, False, {}, f"Clone failed: {exc}")
            return ret(name, True, {"new": f"{name} => {target}"}, f"{name} cloned to {target}{with_branch}")

        return Plan(name, {"new": f"{name} => {target}"}, f"{name} would be cloned to {target}{with_branch}",
                    clone)
    try:
        ctx.salt["git.status"](target, **common)
        current = ctx.salt["git.current_branch"](target, **common)
    except SalineError as exc:
        return ret(name, False, {}, str(exc))
    if branch is None:
        return ret(name, True, {}, f"Repository already exists at {target}")
    if current == branch:
        return ret(name, True, {}, f"Repository already exists at {target} and is checked out to branch "
                                   f"'{branch}'")
    changes = {"branch": {"old": current, "new": branch}}

    def switch(actx: Any) -> dict[str, Any]:
        try:
            actx.salt["git.checkout"](target, branch, **common)
        except SalineError as exc:
            return ret(name, False, {}, f"Failed to change branch to '{branch}': {exc}")
        return ret(name, True, changes, f"Branch changed to '{branch}'")

    return Plan(name, changes, f"Branch would be changed to '{branch}'", switch)


def _is_repo(ctx: Any, path: str, bare: bool, common: dict[str, Any]) -> bool:
    if not bare:
        return os.path.exists(os.path.join(path, ".git"))
    return is_bare(ctx, path, common)


@st.state
def present(ctx: Any, name: str, force: bool = False, bare: bool = True, template: str | None = None,
            separate_git_dir: str | None = None, shared: Any = None, user: str | None = None,
            password: str | None = None, output_encoding: str | None = None) -> dict[str, Any] | Plan:
    """Ensure a repository exists at ``name``: bare by default, a working tree with ``bare=False``.
    A non-empty directory that is not one is replaced only with ``force=True``."""
    if not name or not os.path.isabs(str(name)):
        return ret(name, False, {}, f"Target '{name}' is not an absolute path")
    name = str(name)
    common = {"user": user, "output_encoding": output_encoding}
    if _is_repo(ctx, name, bool(bare), common):
        return ret(name, True, {}, "")
    kind = "bare repository" if bare else "repository"
    forced = not empty_or_missing(name)
    if forced and not force:
        return ret(name, False, {}, f"Target '{name}' exists, is non-empty, and is not a git repository. Set "
                   "the 'force' option to True to remove this directory's contents and proceed with "
                   "initializing a repository")
    changes: dict[str, Any] = {"new": name, **({"forced init": True} if forced else {})}

    def create(actx: Any) -> dict[str, Any]:
        if forced:
            wipe(name)
        try:
            actx.salt["git.init"](name, bare=bool(bare), template=template, separate_git_dir=separate_git_dir,
                                  shared=shared, **common)
        except SalineError as exc:
            return ret(name, False, {}, str(exc))
        return ret(name, True, changes, f"Initialized {kind} in {name}")

    if forced:
        comment = (f"Target directory {name} exists. Since force=True, the contents of {name} would be "
                   f"deleted, and a {kind} would be initialized in its place.")
    else:
        comment = f"New {kind} would be created"
    return Plan(name, changes, comment, create)


def _describe(value: Any, multivar: Any) -> str:
    return f"'{value}'" if multivar is None else str(multivar)


@st.state
def config_set(ctx: Any, name: str, value: Any = None, multivar: Any = None, repo: str | None = None,
               user: str | None = None, password: str | None = None, output_encoding: str | None = None,
               **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure git config key ``name`` has ``value`` (or exactly the values of ``multivar``), in the
    repository ``repo`` or, with ``global: True``, in the user's ``~/.gitconfig``."""
    is_global = bool(kwargs.get("global", False))
    if value is not None and multivar is not None:
        return ret(name, False, {}, "Only one of 'value' and 'multivar' is permitted")
    if value is None and multivar is None:
        return ret(name, False, {}, "Either 'value' or 'multivar' must be used")
    if not is_global and not repo:
        return ret(name, False, {}, "Non-global config options require the 'repo' argument to be set")
    if isinstance(multivar, str):
        multivar = multivar.split(",")
    if multivar is not None:
        multivar = [str(v) for v in multivar]
    value = None if value is None else ("true" if value is True else "false" if value is False else str(value))
    desired = [value] if multivar is None else list(multivar)
    common = {"cwd": repo, "user": user, "output_encoding": output_encoding, "global": is_global}
    try:
        current = ctx.salt["git.config_get"](name, all=True, **common)
    except SalineError as exc:
        return ret(name, False, {}, str(exc))
    key = f"Global key '{name}'" if is_global else f"'{name}'"
    shown = _describe(value, multivar)
    if current == desired:
        return ret(name, True, {}, f"{key} is already set to {shown}")
    verb = "added as" if current is None else "set to"

    def apply(actx: Any) -> dict[str, Any]:
        try:
            new = actx.salt["git.config_set"](name, value=value, multivar=multivar, **common)
        except SalineError as exc:
            return ret(name, False, {}, f"Failed to set {key}: {exc}")
        return ret(name, True, {name: {"old": current, "new": new}}, f"{key} was {verb} {shown}")

    # Salt's test=True changes are not keyed by the config key (unlike the real run's): kept as Salt has them
    return Plan(name, {"old": current, "new": desired}, f"{key} would be {verb} {shown}", apply)


@st.state
def config_unset(ctx: Any, name: str, value_regex: str | None = None, repo: str | None = None,
                 user: str | None = None, password: str | None = None, output_encoding: str | None = None,
                 **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure no key matching ``name`` (a regex matching whole key names) is set (only the values matching
    ``value_regex``, when given). Keys with several values need ``all: True``."""
    is_global = bool(kwargs.get("global", False))
    unset_all = bool(kwargs.get("all", False))
    if not is_global and not repo:
        return ret(name, False, {}, "Non-global config options require the 'repo' argument to be set")
    common = {"cwd": repo, "user": user, "output_encoding": output_encoding, "global": is_global}
    try:
        found = ctx.salt["git.config_get_regexp"](f"^({name})$", value_regex=value_regex, **common)
    except SalineError as exc:
        return ret(name, False, {}, str(exc))
    if not found:
        return ret(name, True, {}, "No matching keys are set")
    if not unset_all:
        multis = {k: v for k, v in found.items() if len(v) > 1}
        if multis:
            listed = ", ".join(f"{k} ({', '.join(v)})" for k, v in multis.items())
            return ret(name, False, {}, "Multivar(s) matched by the key expression (set 'all' to True to force "
                                        f"removal): {listed}")

    def apply(actx: Any) -> dict[str, Any]:
        done: dict[str, Any] = {}
        for key, values in found.items():
            try:
                actx.salt["git.config_unset"](key, value_regex=value_regex, all=len(values) > 1 or unset_all,
                                              **common)
            except SalineError as exc:
                return ret(name, False, done, f"Failed to unset '{key}': {exc}")
            done[key] = values
        return ret(name, True, done, f"{len(done)} key(s) had value(s) unset")

    return Plan(name, dict(found), f"{len(found)} key(s) would have value(s) unset", apply)
