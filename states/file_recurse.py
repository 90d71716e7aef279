"""``file.recurse``: mirror a ``salt://`` directory into a local directory (files, directories, clean).

Each directory is a ``file.directory`` and each file a ``file.managed``; their results are merged like
Salt does (changes keyed by path, comments of the ones not in the correct state). Directories and
files are handled in sorted order.
"""

from __future__ import annotations

import os
import posixpath
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.states.api import Plan, ret
from saline.states.file import st
from saline.states.file_common import StateError, check_user, error, guard, normalize_mode, text_list
from saline.states.file_directory import (
    clean_candidates,
    include_exclude,
    plan_directory,
    remove_paths,
    required_paths,
)
from saline.states.file_managed import plan_managed
from saline.states.file_sys import FS


def _split(url: str, saltenv: str) -> tuple[str, str]:
    path = url[len("salt://"):]
    if "?" in path:
        path, _, query = path.partition("?")
        for part in query.split("&"):
            key, _, value = part.partition("=")
            if key == "saltenv" and value:
                saltenv = value
    return path.strip("/"), saltenv


def _source_dir(ctx: Any, source: Any, saltenv: str) -> tuple[str, str]:
    """``(path, saltenv)`` of the first ``salt://`` directory of ``source`` that exists."""
    urls = [u.rstrip("/") for u in text_list(source)]
    for url in urls:
        if not url.startswith("salt://"):
            raise StateError(f"Invalid source '{url}' (must be a salt:// URI)")
    for url in urls:
        path, env = _split(url, saltenv)
        try:
            if path in ctx.fileclient.list_dirs(env, path) or ctx.fileclient.list_files(env, path + "/"):
                return path, env
        except SaltInvocationError:
            continue
    raise StateError("Recurse failed: none of the specified sources were found")


def _valid(relpath: str, maxdepth: Any) -> bool:
    if "/../" in f"/{relpath}/":
        return False
    return maxdepth is None or relpath.strip("/").count("/") <= int(maxdepth)


def _targets(ctx: Any, name: str, path: str, env: str, include_pat: Any, exclude_pat: Any, maxdepth: Any,
             include_empty: bool) -> tuple[list[str], dict[str, str], set[str]]:
    """Directories to manage, ``{destination: salt:// url}`` of files, and the paths clean must keep."""
    prefix = path + "/" if path else ""
    dirs: set[str] = set()
    files: dict[str, str] = {}
    keep: set[str] = set()
    for rel_file in ctx.fileclient.list_files(env, prefix):
        rel = posixpath.relpath(rel_file, path or ".")
        if not _valid(rel, maxdepth) or not include_exclude(rel, include_pat, exclude_pat):
            continue
        dest = os.path.join(name, os.path.normpath(rel))
        files[dest] = f"salt://{rel_file}" + (f"?saltenv={env}" if env != "base" else "")
        keep.add(dest)
        dirs.add(os.path.dirname(dest))
    if include_empty:
        for rel_dir in ctx.fileclient.list_dirs(env, prefix):
            rel = posixpath.relpath(rel_dir, path or ".")
            if rel == "." or not _valid(rel, maxdepth) or not include_exclude(rel, include_pat, exclude_pat):
                continue
            dest = os.path.join(name, os.path.normpath(rel))
            dirs.add(dest)
            keep.add(dest)
    return sorted(dirs), dict(sorted(files.items())), keep


class _Merged:
    """Salt's merge of sub-state results into the recurse result."""

    def __init__(self) -> None:
        self.result: bool | None = True
        self.changes: dict[str, Any] = {}
        self.comments: dict[str, list[str]] = {}

    def add(self, path: str, sub: dict[str, Any]) -> None:
        if sub["result"] is False or self.result is True:
            self.result = sub["result"]
        if sub["result"] is not True and sub.get("comment"):
            self.comments.setdefault(path, []).append(str(sub["comment"]))
        if sub.get("changes"):
            self.changes[path] = sub["changes"]

    def comment(self, name: str) -> str:
        text = "\n".join(f"\n#### {k} ####\n" + "\n".join(v) for k, v in self.comments.items()).strip()
        if not text:
            text = f"Recursively updated {name}"
        if not self.changes and self.result:
            text = f"The directory {name} is in the correct state"
        return text


def _run(ctx: Any, name: str, args: dict[str, Any], acting: bool) -> _Merged:
    """Plan (``acting`` False) or carry out (True) every directory and file; the merged outcome."""
    planning = ctx.planning_view() if acting else ctx
    fs = FS(ctx)
    merged = _Merged()
    clean = args["clean"]

    def settle(path: str, outcome: Any, cleared: dict[str, Any] | None = None) -> None:
        if isinstance(outcome, Plan):
            if acting:
                sub = outcome.apply(ctx)
            else:
                sub = {"result": None, "changes": outcome.changes, "comment": outcome.test_comment}
        else:
            sub = outcome
        if cleared:
            merged.add(path, {"result": True, "changes": cleared, "comment": ""})
        merged.add(path, sub)

    def attempt(fn: Any, *a: Any, **kw: Any) -> Any:
        try:
            return fn(*a, **kw)
        except (StateError, CommandExecutionError, SaltInvocationError) as exc:
            return error(a[1] if len(a) > 1 else name, str(exc))

    for path in args["dirs"]:
        cleared = None
        if clean and fs.lexists(path) and not fs.isdir(path):
            if not acting:
                merged.add(path, {"result": None, "changes": {}, "comment": f"Replacing {path} with a directory"})
                continue
            fs.remove(path)
            cleared = {"diff": "Replaced file with a directory"}
        settle(path, attempt(plan_directory, planning, path, user=args["user"], group=args["group"],
                             dir_mode=args["dir_mode"], makedirs=True), cleared)
    for dest, url in args["files"].items():
        cleared = None
        if clean and fs.isdir(dest) and args["replace"]:
            if not acting:
                merged.add(dest, {"result": None, "changes": {},
                                  "comment": f"Replacing directory {dest} with a file"})
                continue
            fs.remove(dest)
            cleared = {"diff": "Replaced directory with a new file"}
        settle(dest, attempt(plan_managed, planning, FS(planning), dest, source=url, user=args["user"],
                             group=args["group"], mode=args["file_mode"], template=args["template"],
                             makedirs=True, replace=args["replace"], context=args["context"],
                             defaults=args["defaults"], backup=args["backup"], saltenv=args["saltenv"]), cleared)
    if clean and fs.isdir(name):
        keep = args["keep"] | required_paths(fs, name, args["require"])
        found = clean_candidates(fs, name, keep, args["exclude_pat"], descend_removed=not acting)
        if found:
            if acting:
                merged.changes["removed"] = remove_paths(fs, found)
            else:
                if merged.result:
                    merged.result = None
                merged.comments.setdefault("removed", []).extend(sorted(found))
    return merged


@st.state
@guard
def recurse(
    ctx: Any, name: str, source: Any, keep_source: bool = True, clean: bool = False, require: Any = None,
    user: Any = None, group: Any = None, dir_mode: Any = None, file_mode: Any = None, sym_mode: Any = None,
    template: Any = None, context: Any = None, replace: bool = True, defaults: Any = None,
    include_empty: bool = False, backup: Any = "", include_pat: Any = None, exclude_pat: Any = None,
    maxdepth: Any = None, keep_symlinks: bool = False, force_symlinks: bool = False, saltenv: str = "base",
    **kwargs: Any,
) -> dict[str, Any] | Plan:
    """Mirror a directory of the file server onto this host (see docs/states-file.md)."""
    name = os.path.expanduser(str(name)) if name else ""
    user = user or kwargs.get("owner")
    if "mode" in kwargs:
        return error(name, "'mode' is not allowed in 'file.recurse'. Please use 'file_mode' and 'dir_mode'.")
    if keep_symlinks:
        return error(name, "keep_symlinks is not supported by Saline: the file server serves link targets")
    dir_mode = normalize_mode(dir_mode)
    keep_mode = isinstance(file_mode, str) and file_mode.lower() == "keep"
    file_mode = "keep" if keep_mode else normalize_mode(file_mode)
    fs = FS(ctx)
    problem = check_user(ctx, fs, user, group)
    if problem:
        return error(name, problem)
    if not os.path.isabs(name):
        return error(name, f"Specified file {name} is not an absolute path")
    path, env = _source_dir(ctx, source, saltenv)
    if path not in ctx.fileclient.list_dirs(env, path) and path:
        return error(name, f"The directory '{path}' does not exist on the salt fileserver in saltenv '{env}'")
    if not fs.isdir(name) and fs.lexists(name):
        return error(name, f"The path {name} exists and is not a directory")
    dirs, files, keep = _targets(ctx, name, path, env, include_pat, exclude_pat, maxdepth, bool(include_empty))
    args = dict(dirs=dirs, files=files, keep=keep, user=user, group=group, dir_mode=dir_mode, file_mode=file_mode,
                template=template, replace=bool(replace), context=context, defaults=defaults, backup=backup,
                saltenv=env, clean=bool(clean), require=require, exclude_pat=exclude_pat)
    planned = _run(ctx, name, args, acting=False)
    if merged_is_quiet(planned):
        return ret(name, planned.result, planned.changes, planned.comment(name))

    def apply(c: Any) -> dict[str, Any]:
        cfs = FS(c)
        if not cfs.isdir(name):
            cfs.call("file.makedirs_perms", name, user, group, dir_mode or "0755")
        done = _run(c, name, args, acting=True)
        return ret(name, done.result, done.changes, done.comment(name))

    extra = {"result": False} if planned.result is False else {}
    return Plan(name, planned.changes, planned.comment(name), apply, extra)


def merged_is_quiet(merged: _Merged) -> bool:
    """Nothing to do: no planned change and no pending removal."""
    return merged.result is not None and not merged.changes
