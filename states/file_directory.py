"""``file.directory``: a directory with its owner and mode, optionally recursively, optionally cleaned.

Walks are sorted, so the listed changes and comments come in a stable order (Salt lists them in the
file system's directory order). The ``clean`` helpers are shared with ``file.recurse``.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable
from typing import Any

from saline.errors import CommandExecutionError
from saline.states.api import Plan, ret
from saline.states.file import st
from saline.states.file_common import (
    StateError,
    apply_perms,
    check_user,
    error,
    guard,
    normalize_mode,
    perm_changes,
)
from saline.states.file_sys import FS

RECURSE_TYPES = ["user", "group", "mode", "ignore_files", "ignore_dirs", "silent"]


def recurse_set(recurse: Any) -> set[str]:
    """Salt's checks of ``recurse``: a list of known words, not both ignore_files and ignore_dirs."""
    if not recurse:
        return set()
    if not isinstance(recurse, list):
        raise StateError('"recurse" must be formed as a list of strings')
    try:
        found = set(recurse)
    except TypeError:
        found = None
    if found is None or not set(RECURSE_TYPES) >= found:
        raise StateError('Types for "recurse" limited to {}.'.format(", ".join(f'"{t}"' for t in RECURSE_TYPES)))
    if "ignore_files" in found and "ignore_dirs" in found:
        raise StateError('Must not specify "recurse" options "ignore_files" and "ignore_dirs" at the same time.')
    return found


def _pattern_matches(path: str, pattern: str) -> bool:
    if pattern.startswith("E@"):
        return re.search(pattern[2:], path) is not None
    return fnmatch.fnmatch(path, pattern)


def include_exclude(path: str, include_pat: Any = None, exclude_pat: Any = None) -> bool:
    """Salt's ``check_include_exclude``: should ``path`` (relative) be handled? Globs, or ``E@regex``."""
    def any_match(patterns: Any) -> bool:
        items = patterns if isinstance(patterns, list) else [patterns]
        return any(_pattern_matches(path, str(p)) for p in items)

    included = any_match(include_pat) if include_pat else True
    excluded = any_match(exclude_pat) if exclude_pat else False
    return included and not excluded


def required_paths(fs: FS, name: str, require: Any) -> set[str]:
    """Paths ``clean`` must keep because a required ``file`` state manages them.

    A requisite ``- file: /abs/path`` names the path itself; a directory keeps all it contains.
    """
    keep: set[str] = set()
    if not isinstance(require, list):
        return keep
    for req in require:
        if not isinstance(req, dict):
            continue
        for key, value in req.items():
            if str(key).split(".")[0] != "file" or not isinstance(value, str) or not os.path.isabs(value):
                continue
            path = os.path.normpath(value)
            keep.add(path)
            if fs.isdir(path) and not os.path.relpath(path, name).startswith(os.pardir):
                for root, dirs, files in fs.walk(path):
                    keep.update(os.path.join(root, e) for e in (*dirs, *files))
    return keep


def keep_with_parents(root: str, keep: Iterable[str]) -> set[str]:
    """The kept paths plus all their parent directories (a kept file keeps its directories)."""
    real = {os.path.normpath(root)}
    for path in keep:
        if not os.path.isabs(path):
            continue
        path = os.path.normpath(path)
        real.add(path)
        while True:
            parent = os.path.dirname(path)
            if parent == path:
                break
            real.add(parent)
            path = parent
    return real


def clean_candidates(fs: FS, root: str, keep: Iterable[str], exclude_pat: Any,
                     descend_removed: bool) -> list[str]:
    """What ``clean`` removes below ``root`` (files and directories, top-down, sorted).

    ``descend_removed`` also lists the contents of removed directories (Salt's test=True listing).
    """
    kept = keep_with_parents(root, keep)
    found: list[str] = []
    for walk_root, dirs, files in fs.walk(root):
        gone_below = any(walk_root == r or walk_root.startswith(r + os.sep) for r in found)
        if gone_below and not descend_removed:
            continue
        for entry in (*files, *dirs) if descend_removed else (*dirs, *files):
            path = os.path.join(walk_root, entry)
            if path in kept or not include_exclude(os.path.relpath(path, root), None, exclude_pat):
                continue
            found.append(path)
    return found


def remove_paths(fs: FS, paths: list[str]) -> list[str]:
    """Remove ``paths`` (a directory takes its contents with it); the sorted list of what was removed."""
    removed = []
    for path in paths:
        if any(path.startswith(done + os.sep) for done in removed):
            continue
        if fs.lexists(path):
            fs.remove(path)
            removed.append(path)
    return sorted(removed)


def _dir_meta(fs: FS, path: str, user: Any, group: Any, mode: str | None, follow: bool) -> dict[str, Any]:
    found = fs.stats(path, follow=follow)
    if found is None:
        return {"directory": "new"}
    if found.get("type") == "link" and not follow:
        mode = None  # a symlink's own mode cannot be changed on Linux
    return perm_changes(found, user, group, mode)


def check_directory(fs: FS, name: str, user: Any, group: Any, recurse: set[str], dir_mode: str | None,
                    file_mode: str | None, clean: bool, require: Any, exclude_pat: Any, max_depth: Any,
                    follow: bool, children_only: bool) -> tuple[dict[str, Any], str]:
    """Salt's ``_check_directory``: the per-path changes and the test comment listing them."""
    changes: dict[str, Any] = {}
    exists = fs.isdir(name)
    if recurse and exists:
        r_user = user if "user" in recurse else None
        r_group = group if "group" in recurse else None
        r_dmode = dir_mode if "mode" in recurse else None
        r_fmode = file_mode if "mode" in recurse else None
        for root, dirs, files in fs.walk(name, max_depth):
            if "ignore_files" not in recurse:
                for entry in files:
                    path = os.path.join(root, entry)
                    found = fs.stats(path, follow=follow) or {}
                    fmode = None if found.get("type") == "link" and not follow else r_fmode
                    change = perm_changes(found, r_user, r_group, fmode)
                    if change:
                        changes[path] = change
            if "ignore_dirs" not in recurse:
                for entry in dirs:
                    path = os.path.join(root, entry)
                    change = _dir_meta(fs, path, r_user, r_group, r_dmode, follow)
                    if change:
                        changes[path] = change
    if not children_only:
        change = _dir_meta(fs, name, user, group, dir_mode, follow)
        if change:
            changes[name] = change
    if clean and exists:
        keep = required_paths(fs, name, require)
        for path in clean_candidates(fs, name, keep, exclude_pat, descend_removed=True):
            changes[path] = {"removed": "Removed due to clean"}
    if not exists:
        changes[name] = {"directory": "new"}
    if changes:
        lines = [f"{path}: {key} - {value}\n" for path, change in changes.items() for key, value in change.items()]
        return changes, "The following files will be changed:\n" + "".join(lines)
    return changes, f"The directory {name} is in the correct state"


@st.state
@guard
def directory(
    ctx: Any, name: str, user: Any = None, group: Any = None, recurse: Any = None, max_depth: Any = None,
    dir_mode: Any = None, file_mode: Any = None, makedirs: bool = False, clean: bool = False,
    require: Any = None, exclude_pat: Any = None, follow_symlinks: bool = False, force: bool = False,
    backupname: Any = None, allow_symlink: bool = True, children_only: bool = False, **kwargs: Any,
) -> dict[str, Any] | Plan:
    """Make sure a directory exists with the given owner and mode (see docs/states-file.md)."""
    return plan_directory(
        ctx, name, user=user or kwargs.get("owner"), group=group, recurse=recurse, max_depth=max_depth,
        dir_mode=dir_mode or kwargs.get("mode"), file_mode=file_mode, makedirs=makedirs, clean=clean,
        require=require, exclude_pat=exclude_pat, follow_symlinks=follow_symlinks, force=force,
        backupname=backupname, allow_symlink=allow_symlink, children_only=children_only)


def plan_directory(
    ctx: Any, name: str, *, user: Any = None, group: Any = None, recurse: Any = None, max_depth: Any = None,
    dir_mode: Any = None, file_mode: Any = None, makedirs: bool = False, clean: bool = False,
    require: Any = None, exclude_pat: Any = None, follow_symlinks: bool = False, force: bool = False,
    backupname: Any = None, allow_symlink: bool = True, children_only: bool = False,
) -> dict[str, Any] | Plan:
    """``file.directory`` without the outer error handling (``file.recurse`` calls it per directory)."""
    name = os.path.expanduser(str(name)) if name else ""
    if not name:
        return error(name, "Must provide name to file.directory")
    if name.endswith("/") and name != "/":
        name = name[:-1]
    if max_depth is not None and clean:
        return error(name, "Cannot specify both max_depth and clean")
    if not file_mode:
        file_mode = dir_mode
    dir_mode, file_mode = normalize_mode(dir_mode), normalize_mode(file_mode)
    fs = FS(ctx)
    problem = check_user(ctx, fs, user, group)
    if problem:
        return error(name, problem)
    if not os.path.isabs(name):
        return error(name, f"Specified file {name} is not an absolute path")

    pre_changes: dict[str, Any] = {}
    real_changes: dict[str, Any] = {}
    move_to: str | None = None
    remove_first = False
    if fs.isfile(name) or (not allow_symlink and fs.islink(name)) or (force and fs.islink(name)):
        if backupname is not None:
            backupname = str(backupname)
            if fs.lexists(backupname):
                if not force:
                    return error(name, f"File exists where the backup target {backupname} should go")
                pre_changes["forced"] = f"Existing file at backup path {backupname} would be removed"
            move_to = backupname
            pre_changes["backup"] = f"{name} would be renamed to {backupname}"
        elif force:
            kind = "Symlink" if fs.islink(name) else "File"
            pre_changes["forced"] = f"{kind} would be forcibly replaced"
            real_changes["forced"] = f"{kind} was forcibly replaced"
            remove_first = True
        elif fs.islink(name):
            return error(name, f"Specified location {name} exists and is a symlink")
        else:
            return error(name, f"Specified location {name} exists and is a file")

    try:
        rset = recurse_set(recurse)
    except StateError as exc:
        return error(name, str(exc))
    if move_to or remove_first:
        tchanges = {name: {"directory": "new"}}
        tcomment = f"The following files will be changed:\n{name}: directory - new\n"
    else:
        tchanges, tcomment = check_directory(fs, name, user, group, rset, dir_mode, file_mode, bool(clean),
                                             require, exclude_pat, max_depth, bool(follow_symlinks),
                                             bool(children_only))
    if not tchanges:
        return ret(name, True, {}, tcomment)
    if move_to:
        tcomment = f"{name} would be backed up and replaced with a new directory"
    args = dict(user=user, group=group, rset=rset, dir_mode=dir_mode, file_mode=file_mode, makedirs=makedirs,
                clean=clean, require=require, exclude_pat=exclude_pat, max_depth=max_depth,
                follow=bool(follow_symlinks), children_only=bool(children_only), move_to=move_to,
                remove_first=remove_first, real_changes=real_changes, tchanges=tchanges)
    return Plan(name, {**pre_changes, **tchanges}, tcomment, lambda c: _apply_directory(c, name, **args))


def _apply_directory(ctx: Any, name: str, *, user: Any, group: Any, rset: set[str], dir_mode: str | None,
                     file_mode: str | None, makedirs: bool, clean: bool, require: Any, exclude_pat: Any,
                     max_depth: Any, follow: bool, children_only: bool, move_to: str | None, remove_first: bool,
                     real_changes: dict[str, Any], tchanges: dict[str, Any]) -> dict[str, Any]:
    fs = FS(ctx)
    changes: dict[str, Any] = dict(real_changes)
    if move_to:
        if fs.lexists(move_to):
            fs.remove(move_to)
        fs.rename(name, move_to)
    elif remove_first:
        fs.remove(name)
    if move_to or remove_first:
        tchanges = {name: {"directory": "new"}}
    changes.update(tchanges)
    if not fs.isdir(name):
        parent = os.path.dirname(name)
        if not fs.isdir(parent):
            if not makedirs:
                return error(name, f"No directory to create {name} in", changes)
            fs.makedirs(name, user, group, dir_mode)
        fs.mkdir(name, user, group, dir_mode)
        if not fs.isdir(name):
            return error(name, f"Failed to create directory {name}", changes)
        changes[name] = {"directory": "new"}
        return ret(name, True, changes, "")
    result: bool = True
    comment = ""
    errors: list[str] = []
    if not children_only:
        got, problems = apply_perms(fs, name, user, group, dir_mode, follow)
        changes.update(got)
        if problems:
            result, comment = False, "; ".join(problems)
    if rset:
        if "user" in rset and user in (None, ""):
            result = False
            comment = "user not specified, but configured as a target for recursive ownership management"
        if "group" in rset and group in (None, ""):
            result = False
            comment = "group not specified, but configured as a target for recursive ownership management"
        r_user = user if "user" in rset else None
        r_group = group if "group" in rset else None
        r_fmode = file_mode if "mode" in rset else None
        r_dmode = dir_mode if "mode" in rset else None
        if "silent" in rset:
            changes = {"recursion": "Changes silenced"}
        for root, dirs, files in fs.walk(name, max_depth):
            groups = []
            if "ignore_files" not in rset:
                groups.append((files, r_fmode))
            if "ignore_dirs" not in rset:
                groups.append((dirs, r_dmode))
            for entries, mode in groups:
                for entry in entries:
                    try:
                        got, problems = apply_perms(fs, os.path.join(root, entry), r_user, r_group, mode, follow)
                    except (StateError, CommandExecutionError) as exc:
                        errors.append(str(exc))
                        continue
                    changes.update(got)
                    if problems:
                        result, comment = False, "; ".join(problems)
    if clean:
        keep = required_paths(fs, name, require)
        removed = remove_paths(fs, clean_candidates(fs, name, keep, exclude_pat, descend_removed=False))
        if removed:
            changes["removed"] = removed
            comment = f"Files cleaned from directory {name}"
    if not comment:
        if children_only:
            comment = f"Directory {name}/* updated"
        elif changes:
            comment = f"Directory {name} updated"
    if not changes and result:
        comment = f"Directory {name} is in the correct state" + (f"\n{comment}" if comment else "")
    if errors:
        result = False
        comment += "\n\nThe following errors were encountered:\n" + "".join(f"\n- {e}" for e in errors)
    return ret(name, result, changes, comment)
