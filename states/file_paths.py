"""``file.absent``, ``file.exists``, ``file.missing``, ``file.symlink``, ``file.touch`` and ``file.copy``."""

from __future__ import annotations

import os
from typing import Any

from saline.errors import CommandExecutionError
from saline.states.api import Plan, ret
from saline.states.file import st
from saline.states.file_common import (
    StateError,
    apply_perms,
    check_user,
    dir_mode_from,
    error,
    guard,
    normalize_mode,
    owner_differs,
    process_owner,
)
from saline.states.file_sys import FS


def _expand(name: Any) -> str:
    return os.path.expanduser(str(name)) if name else ""


def default_owner(ctx: Any, fs: FS, user: Any, group: Any) -> tuple[Any, Any]:
    """Salt's defaults for states that always set an owner: the ``user`` option and its primary group."""
    if user is None:
        user = (ctx.opts or {}).get("user") or process_owner(fs)[0]
    if group is None:
        group = user
        if "user.info" in ctx.salt:
            info = ctx.salt["user.info"](user) or {}
            if info.get("gid") is not None:
                group = fs.gid_to_group(info["gid"])
            elif not info:
                group = fs.gid_to_group(0)
    return user, group


# ---- absent, exists, missing -----------------------------------------------------------------------


@st.state
@guard
def absent(ctx: Any, name: str, **kwargs: Any) -> dict[str, Any] | Plan:
    """Make sure a file, symlink or directory tree is not there."""
    name = _expand(name)
    if not name:
        return error(name, "Must provide name to file.absent")
    if not os.path.isabs(name):
        return error(name, f"Specified file {name} is not an absolute path")
    if name == "/":
        return error(name, 'Refusing to make "/" absent')
    fs = FS(ctx)
    if fs.isfile(name) or fs.islink(name):
        kind, done = "File", f"Removed file {name}"
    elif fs.isdir(name):
        kind, done = "Directory", f"Removed directory {name}"
    else:
        return ret(name, True, {}, f"File {name} is not present")

    def apply(c: Any) -> dict[str, Any]:
        try:
            FS(c).remove(name)
        except CommandExecutionError as exc:
            if kind == "Directory":
                return error(name, f"Failed to remove directory {name}")
            return error(name, str(exc))
        return ret(name, True, {"removed": name}, done)

    return Plan(name, {"removed": name}, f"{kind} {name} is set for removal", apply)


@st.state
@guard
def exists(ctx: Any, name: str, **kwargs: Any) -> dict[str, Any]:
    """Verify that ``name`` exists (nothing is changed)."""
    name = _expand(name)
    if not name:
        return error(name, "Must provide name to file.exists")
    if not FS(ctx).exists(name):
        return error(name, f"Specified path {name} does not exist")
    return ret(name, True, {}, f"Path {name} exists")


@st.state
@guard
def missing(ctx: Any, name: str, **kwargs: Any) -> dict[str, Any]:
    """Verify that ``name`` does not exist (nothing is changed)."""
    name = _expand(name)
    if not name:
        return error(name, "Must provide name to file.missing")
    if FS(ctx).exists(name):
        return error(name, f"Specified path {name} exists")
    return ret(name, True, {}, f"Path {name} is missing")


# ---- symlink -----------------------------------------------------------------------------------------


def _link_owner(fs: FS, name: str) -> tuple[Any, Any]:
    found = fs.stats(name, follow=False) or {}
    return found.get("user"), found.get("group")


def _owned(fs: FS, name: str, user: Any, group: Any) -> bool:
    found = fs.stats(name, follow=False) or {}
    return (not owner_differs(user, found.get("user"), found.get("uid"))
            and not owner_differs(group, found.get("group"), found.get("gid")))


def _make_link(ctx: Any, name: str, target: str, *, force: bool, makedirs: bool, user: Any, group: Any,
               mode: Any, backupname: str | None, move_away: bool) -> dict[str, Any]:
    fs = FS(ctx)
    parent = os.path.dirname(name)
    if not fs.isdir(parent):
        if not makedirs:
            return error(name, f"Directory {parent} for symlink is not present")
        fs.makedirs(name, user, group, mode)
    if move_away and backupname is not None:
        if fs.lexists(backupname):
            if not force:
                return error(name, f"Symlink & backup dest exists and Force not set. {name} -> {target} - "
                                   f"backup: {backupname}")
            fs.remove(backupname)
        try:
            fs.rename(name, backupname)
        except CommandExecutionError as exc:
            return error(name, f"Unable to rename {name} to backup {backupname} -> : {exc}")
    elif fs.islink(name):
        fs.remove(name)
    try:
        fs.symlink(target, name, force=force)
    except CommandExecutionError as exc:
        return error(name, f"Unable to create new symlink {name} -> {target}: {exc}")
    result = ret(name, True, {"new": name}, f"Created new symlink {name} -> {target}")
    if not _owned(fs, name, user, group):
        try:
            fs.lchown(name, user, group)
        except CommandExecutionError:
            pass
        if not _owned(fs, name, user, group):
            result["result"] = False
            result["comment"] += f", but was unable to set ownership to {user}:{group}"
    return result


@st.state
@guard
def symlink(
    ctx: Any, name: str, target: str, force: bool = False, backupname: Any = None, makedirs: bool = False,
    user: Any = None, group: Any = None, mode: Any = None, atomic: bool = False,
    disallow_copy_and_unlink: bool = False, inherit_user_and_group: bool = False,
    follow_symlinks: bool = True, **kwargs: Any,
) -> dict[str, Any] | Plan:
    """Make ``name`` a symlink to ``target``."""
    name = _expand(name)
    if not name:
        return error(name, "Must provide name to file.symlink")
    fs = FS(ctx)
    mode = normalize_mode(mode)
    user = user or kwargs.get("owner")
    target = str(target)
    if inherit_user_and_group and (user is None or group is None) and fs.islink(name):
        cur_user, cur_group = _link_owner(fs, name)
        user = cur_user if user is None else user
        group = cur_group if group is None else group
    user, group = default_owner(ctx, fs, user, group)
    problems = []
    if fs.user_to_uid(user) == "":
        problems.append(f"User {user} does not exist")
    if fs.group_to_gid(group) == "":
        problems.append(f"Group {group} does not exist")
    if not os.path.isabs(name):
        problems.append(f"Specified file {name} is not an absolute path")
    if problems:
        return error(name, ". ".join(problems) + ("." if len(problems) > 1 else ""))
    if backupname is not None and not os.path.isabs(str(backupname)):
        if backupname != os.path.basename(str(backupname)):
            return error(name, f"Backupname must be an absolute path or a file name: {backupname}")
        backupname = os.path.join(os.path.dirname(os.path.normpath(name)), str(backupname))
    present = fs.exists if follow_symlinks else fs.lexists
    parent = os.path.dirname(name)
    parent_note = ""
    if not fs.isdir(parent):
        parent_note = (f"\n{parent} will be created" if makedirs
                       else f"\nDirectory {parent} for symlink is not present")
        if not makedirs and not ctx.test:
            return error(name, f"Directory {parent} for symlink is not present")
    make = dict(force=bool(force), makedirs=bool(makedirs), user=user, group=group, mode=mode,
                backupname=backupname, move_away=False)

    if fs.islink(name):
        if os.path.normpath(fs.readlink(name)) != os.path.normpath(target):
            return Plan(name, {"change": name}, f"Link {name} target is set to be changed to {target}",
                        lambda c: _make_link(c, name, target, **make))
        if _owned(fs, name, user, group):
            if ctx.test:
                return ret(name, True, {}, f"The symlink {name} is present")
            return ret(name, True, {}, f"Symlink {name} is present and owned by {user}:{group}")
        cur_user, cur_group = _link_owner(fs, name)

        def chown_link(c: Any) -> dict[str, Any]:
            cfs = FS(c)
            try:
                cfs.lchown(name, user, group)
            except CommandExecutionError:
                pass
            if _owned(cfs, name, user, group):
                return ret(name, True, {"ownership": f"{user}:{group}"},
                           f"Set ownership of symlink {name} to {user}:{group}")
            return error(name, f"Failed to set ownership of symlink {name} to {user}:{group}")

        return Plan(name, {"ownership": f"{cur_user}:{cur_group}"},
                    f"The symlink {name} is present, but the ownership of the symlink would be changed "
                    f"from {cur_user}:{cur_group} to {user}:{group}", chown_link)

    if not present(name):
        return Plan(name, {"new": name}, f"Symlink {name} to {target} is set for creation{parent_note}",
                    lambda c: _make_link(c, name, target, **make))
    if backupname is not None:
        make["move_away"] = True
        if fs.lexists(backupname) and not force:
            return error(name, f"Symlink & backup dest exists and Force not set. {name} -> {target} - "
                               f"backup: {backupname}")
        return Plan(name, {"new": name},
                    f"{name} would be moved to {backupname} to make way for a new symlink targeting {target}",
                    lambda c: _make_link(c, name, target, **make))
    if force or atomic:
        make["force"] = True
        return Plan(name, {}, f"The file or directory {name} is set for removal to make way for a new symlink "
                              f"targeting {target}", lambda c: _make_link(c, name, target, **make))
    if ctx.test:
        return error(name, f"File or directory exists where the symlink {name} should be. "
                           "Did you mean to use force?")
    kind = "File" if fs.isfile(name) else "Directory" if fs.isdir(name) else "File system entry"
    return error(name, f"{kind} exists where the symlink {name} should be")


# ---- touch -------------------------------------------------------------------------------------------


def _same_time(wanted: Any, current: Any) -> bool:
    try:
        return int(float(wanted)) == int(float(current))
    except (TypeError, ValueError):
        return False


@st.state
@guard
def touch(ctx: Any, name: str, atime: Any = None, mtime: Any = None, makedirs: bool = False) -> Any:
    """Create an empty file or update its access and modification times, like ``touch``."""
    name = _expand(name)
    if not name:
        return error(name, "Must provide name to file.touch")
    if not os.path.isabs(name):
        return error(name, f"Specified file {name} is not an absolute path")
    fs = FS(ctx)
    found = fs.stats(name, follow=True)

    def apply(c: Any) -> dict[str, Any]:
        cfs = FS(c)
        if makedirs and not cfs.isdir(os.path.dirname(name)):
            cfs.makedirs(name)
        if not cfs.isdir(os.path.dirname(name)):
            return error(name, f"Directory not present to touch file {name}")
        cfs.touch(name, atime, mtime)
        if found is None:
            return ret(name, True, {"new": name}, f"Created empty file {name}")
        kind = "directory" if cfs.isdir(name) else "file"
        return ret(name, True, {"touched": name}, f"Updated times on {kind} {name}")

    if found is None:
        return Plan(name, {"new": name}, f"File {name} is set to be created", apply)
    given = [(v, found[k]) for v, k in ((atime, "atime"), (mtime, "mtime")) if v is not None]
    if given and all(_same_time(v, cur) for v, cur in given):
        return ret(name, True, {}, f"File {name} exists and has the correct times")
    return Plan(name, {"touched": name}, f"Times set to be updated on file {name}", apply)


# ---- copy --------------------------------------------------------------------------------------------


@st.state(name="copy")
@guard
def copy_(
    ctx: Any, name: str, source: str, force: bool = False, makedirs: bool = False, preserve: bool = False,
    user: Any = None, group: Any = None, mode: Any = None, dir_mode: Any = None, subdir: bool = False,
    **kwargs: Any,
) -> dict[str, Any] | Plan:
    """Copy a file or directory tree from another path on this host."""
    name = _expand(name)
    source = _expand(source)
    comment = f'Copied "{source}" to "{name}"'
    if not name:
        return error(name, "Must provide name to file.copy")
    if not os.path.isabs(name):
        return error(name, f"Specified file {name} is not an absolute path")
    fs = FS(ctx)
    src = fs.stats(source, follow=True)
    if src is None:
        return error(name, f'Source file "{source}" is not present')
    if preserve:
        user, group, mode = src["user"], src["group"], src["mode"]
    else:
        user, group = default_owner(ctx, fs, user or kwargs.get("owner"), group)
        problem = check_user(ctx, fs, user, group)
        if problem:
            return error(name, problem)
        mode = normalize_mode(mode) or src["mode"]
    dest = name
    if subdir and fs.isdir(name):
        dest = os.path.join(name, os.path.basename(source))
    changed = True
    replace_existing = False
    if fs.lexists(dest):
        if not force:
            changed = False
        else:
            replace_existing = True
            if fs.isfile(dest) and _same_hash(fs, dest, source):
                comment += " - files are identical but force flag is set"
    if not changed:
        return ret(name, True, {}, f'The target file "{dest}" exists and will not be overwritten')

    def apply(c: Any) -> dict[str, Any]:
        return _do_copy(c, name, source, dest, replace_existing, makedirs, preserve, user, group, mode,
                        normalize_mode(dir_mode), comment)

    # Salt predicts no changes here, only the comment
    return Plan(name, {}, f'File "{source}" is set to be copied to "{dest}"', apply)


def _same_hash(fs: FS, a: str, b: str) -> bool:
    try:
        return fs.call("file.get_hash", a) == fs.call("file.get_hash", b)
    except CommandExecutionError:
        return False


def _do_copy(ctx: Any, name: str, source: str, dest: str, replace_existing: bool, makedirs: bool,
             preserve: bool, user: Any, group: Any, mode: Any, dir_mode: Any, comment: str) -> dict[str, Any]:
    fs = FS(ctx)
    if replace_existing:
        try:
            fs.remove(dest)
        except CommandExecutionError:
            return error(name, f'Failed to delete "{dest}" in preparation for forced move')
    parent = os.path.dirname(dest)
    if not fs.isdir(parent):
        if not makedirs:
            return error(name, f"The target directory {parent} is not present")
        fs.makedirs(dest, user, group, dir_mode or dir_mode_from(mode))
    src_stats = fs.stats(source) or {}
    try:
        if src_stats.get("type") == "dir":
            fs.copy(source, dest, recurse=True)
            if not preserve:
                for root, dirs, files in fs.walk(dest):
                    for entry in (*dirs, *files):
                        fs.lchown(os.path.join(root, entry), user, group)
        else:
            fs.copy(source, dest)
    except CommandExecutionError:
        return error(name, f'Failed to copy "{source}" to "{dest}"')
    changes: dict[str, Any] = {dest: source}
    if preserve:
        return ret(name, True, changes, comment)
    # Report what differs from a plain `cp` (owned by us, the source's mode), then enforce it all.
    base_user, base_group = process_owner(fs)
    if owner_differs(user, base_user, os.geteuid()):
        changes["user"] = user
    if owner_differs(group, base_group, os.getegid()):
        changes["group"] = group
    if mode != src_stats.get("mode"):
        changes["mode"] = mode
    try:
        _, problems = apply_perms(fs, dest, user, group, mode)
    except StateError as exc:
        problems = [str(exc)]
    if problems:
        return ret(name, False, changes, "; ".join(problems))
    return ret(name, True, changes, comment)
