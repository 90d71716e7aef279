"""``file.managed``: a file with given contents (from a source, a template or inline), owner and mode.

:func:`plan_file` is the engine shared with ``file.serialize`` and ``file.recurse``: given the wanted
bytes, it compares them with the file and returns Salt's verdict, or a :class:`Plan` whose apply
writes the file atomically (mode and owner set before the rename) and reports Salt's real-run changes.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from saline.states.api import Plan, ret
from saline.states.file import st
from saline.states.file_common import (
    SET_TO_CHANGE,
    StateError,
    apply_perms,
    check_user,
    content_diff,
    dir_mode_from,
    error,
    guard,
    join_lines,
    lookup,
    normalize_mode,
    parse_hash,
    perm_changes,
    process_owner,
    read_source,
    render_template,
    resolve_source,
    text_list,
    umask_mode,
)
from saline.states.file_sys import FS

_MISSING = object()


@dataclass
class FileSpec:
    """What a managed file should be. ``data`` None: no contents given (an empty file if missing)."""

    name: str
    data: bytes | None
    from_source: bool = False
    user: Any = None
    group: Any = None
    mode: str | None = None
    makedirs: bool = False
    dir_mode: str | None = None
    backup: Any = ""
    show_changes: bool = True
    follow_symlinks: bool = True
    check_cmd: Any = None
    tmp_dir: str = ""
    tmp_ext: str = ""


def _backup_path(ctx: Any, name: str) -> str | None:
    cachedir = (ctx.opts or {}).get("cachedir")
    if not cachedir:
        return None
    stamp = time.strftime("%a_%b_%d_%H:%M:%S_%Y")
    micro = str(int(time.time() * 1_000_000))[-6:]
    directory, base = os.path.split(name)
    return os.path.join(cachedir, "file_backup", directory.lstrip("/"), f"{base}_{stamp[:-4]}{micro}_{stamp[-4:]}")


def backup_file(ctx: Any, fs: FS, name: str, backup: Any) -> None:
    """``backup: minion`` (or the ``backup_mode`` option): keep a dated copy in the minion cache."""
    mode = backup or (ctx.opts or {}).get("backup_mode") or ""
    if str(mode) not in ("minion", "both") or not fs.isfile(name):
        return
    path = _backup_path(ctx, name)
    if path is None:
        return
    fs.makedirs(path)
    fs.copy(name, path)


def _new_file_changes(fs: FS, spec: FileSpec, umask: str) -> dict[str, Any]:
    """Salt's real-run changes for a file it creates: its temp file starts 0600 (a source or a mode)."""
    changes: dict[str, Any] = {"diff": "New file"} if spec.data is not None else {
        "new": f"file {spec.name} created"}
    user, group = process_owner(fs)
    uid, gid = os.geteuid(), os.getegid()
    from saline.states.file_common import owner_differs

    if owner_differs(spec.user, user, uid):
        changes["user"] = spec.user
    if owner_differs(spec.group, group, gid):
        changes["group"] = spec.group
    initial = "0600" if (spec.from_source or spec.mode is not None) else umask
    final = spec.mode or umask
    if final != initial:
        changes["mode"] = final
    return changes


def run_check_cmd(ctx: Any, fs: FS, spec: FileSpec) -> dict[str, Any] | None:
    """Salt's ``check_cmd``: run ``<check_cmd> <temp file with the new contents>`` before installing it.

    None when the command accepts the contents (exit 0), else the failed result (the file is untouched).
    """
    if not spec.check_cmd:
        return None
    import tempfile

    directory = spec.tmp_dir or tempfile.gettempdir()
    temp = os.path.join(directory, f"saline-check-{os.urandom(6).hex()}{spec.tmp_ext or ''}")
    fs.write_bytes(temp, spec.data or b"", mode=spec.mode or "0600", user=spec.user, group=spec.group)
    try:
        done = ctx.salt["cmd.run_all"](f"{spec.check_cmd} {temp}", python_shell=True)
    finally:
        fs.remove(temp)
    if done.get("retcode") == 0:
        return None
    comment = "check_cmd execution failed"
    for key in ("stdout", "stderr"):
        if done.get(key):
            comment += "\n" + str(done[key])
    failed = error(spec.name, comment)
    failed["skip_watch"] = True
    return failed


def _create(ctx: Any, spec: FileSpec) -> dict[str, Any]:
    fs = FS(ctx)
    name = spec.name
    parent = os.path.dirname(name)
    if not fs.isdir(parent):
        if fs.lexists(parent):
            return error(name, "Unable to manage file: Not a directory")
        if not spec.makedirs:
            return error(name, "Parent directory not present")
        fs.makedirs(name, spec.user, spec.group, spec.dir_mode or dir_mode_from(spec.mode))
        if not fs.isdir(parent):
            return error(name, "Unable to manage file: Not a directory")
    umask = umask_mode(ctx)
    changes = _new_file_changes(fs, spec, umask)
    refused = run_check_cmd(ctx, fs, spec)
    if refused:
        return refused
    fs.write_bytes(name, spec.data or b"", mode=spec.mode or umask, user=spec.user, group=spec.group)
    if spec.data is None:
        return ret(name, True, changes, "Empty file")
    return ret(name, True, changes, f"File {name} updated")


def _update(ctx: Any, spec: FileSpec, diff: str, perms: dict[str, Any], rewrite: bool) -> dict[str, Any]:
    fs = FS(ctx)
    name = spec.name
    changes: dict[str, Any] = {}
    comments: list[str] = []
    if rewrite:
        refused = run_check_cmd(ctx, fs, spec)
        if refused:
            return refused
        backup_file(ctx, fs, name, spec.backup)
        if diff:
            changes["diff"] = diff
        fs.write_bytes(name, spec.data or b"", mode=spec.mode, user=spec.user, group=spec.group,
                       follow_symlinks=spec.follow_symlinks)
        changes.update(perms)
    else:
        got, comments = apply_perms(fs, name, spec.user, spec.group, spec.mode, spec.follow_symlinks)
        changes.update(got)
    if comments:
        return ret(name, False, changes, "; ".join(comments))
    comment = f"File {name} updated" if changes else f"File {name} is in the correct state"
    return ret(name, True, changes, comment)


def plan_file(ctx: Any, fs: FS, spec: FileSpec, *, test_comment: str | None = None) -> dict[str, Any] | Plan:
    """Compare ``spec`` with the system; Salt's result when all is right, else the plan that fixes it."""
    name = spec.name
    test_comment = test_comment or f"The file {name} is set to be changed{SET_TO_CHANGE}"
    cur = fs.stats(name, follow=spec.follow_symlinks)
    if cur is None:
        return Plan(name, {"newfile": name}, test_comment, lambda c: _create(c, spec))
    link_replaced = not spec.follow_symlinks and cur.get("type") == "link"
    diff = ""
    if spec.data is not None:
        diff = content_diff(fs.read(name), spec.data)
        if diff and not spec.show_changes:
            diff = "<show_changes=False>"
    if link_replaced and not diff:
        diff = "Replace symbolic link with regular file"
    perms = perm_changes(cur, spec.user, spec.group, spec.mode)
    if not diff and not perms:
        if ctx.test:
            return ret(name, True, {}, f"The file {name} is in the correct state")
        return ret(name, True, {}, f"File {name} is in the correct state")
    predicted = ({"diff": diff} if diff else {}) | perms
    rewrite = bool(diff)
    return Plan(name, predicted, test_comment, lambda c: _update(c, spec, diff, perms, rewrite))


def _perms_only(ctx: Any, fs: FS, name: str, user: Any, group: Any, mode: str | None,
                follow_symlinks: bool) -> dict[str, Any] | Plan:
    """``replace: False`` on an existing file: only owner and mode are managed."""
    cur = fs.stats(name, follow=follow_symlinks) or {}
    changes = perm_changes(cur, user, group, mode)
    if not changes:
        if ctx.test:
            return ret(name, True, {}, f"File {name} not updated")
        return ret(name, True, {}, f"File {name} exists with proper permissions. No changes made.")
    if mode is not None and mode != cur.get("mode"):
        comment = f"File {name} will be updated with permissions {mode} from its current state of {cur.get('mode')}"
    else:
        comment = f"File {name} not updated"

    def apply(c: Any) -> dict[str, Any]:
        got, comments = apply_perms(FS(c), name, user, group, mode, follow_symlinks)
        return ret(name, not comments, got, "; ".join(comments))

    return Plan(name, changes, comment, apply)


def _inline_contents(ctx: Any, contents: Any, contents_pillar: Any, contents_grains: Any,
                     delimiter: str) -> Any:
    """The inline contents, from ``contents`` or a pillar/grain key (a list of keys: joined by lines)."""
    for source, label, data in ((contents_pillar, "Pillar", ctx.pillar), (contents_grains, "Grain", ctx.grains)):
        if source is None:
            continue
        keys = source if isinstance(source, list) else [source]
        values = []
        for key in keys:
            found, value = lookup(data, str(key), delimiter)
            if not found:
                raise StateError(f"{label} {key} does not exist")
            values.append(value)
        return values[0] if not isinstance(source, list) else os.linesep.join(str(v) for v in values)
    return contents


@st.state
@guard(prefix="Unable to manage file: ")
def managed(
    ctx: Any, name: str, source: Any = None, source_hash: Any = "", source_hash_name: Any = None,
    keep_source: bool = True, user: Any = None, group: Any = None, mode: Any = None, attrs: Any = None,
    template: Any = None, makedirs: bool = False, dir_mode: Any = None, context: Any = None,
    replace: bool = True, defaults: Any = None, backup: Any = "", show_changes: bool = True,
    create: bool = True, contents: Any = None, tmp_dir: str = "", tmp_ext: str = "",
    contents_pillar: Any = None, contents_grains: Any = None, contents_newline: bool = True,
    contents_delimiter: str = ":", encoding: Any = None, encoding_errors: str = "strict",
    allow_empty: bool = True, follow_symlinks: bool = True, check_cmd: Any = None, skip_verify: bool = False,
    saltenv: str = "base", **kwargs: Any,
) -> dict[str, Any] | Plan:
    """Manage a file's contents, owner and mode (see docs/states-file.md)."""
    return plan_managed(
        ctx, FS(ctx), name, source=source, source_hash=source_hash, user=user or kwargs.get("owner"),
        group=group, mode=mode, attrs=attrs, template=template, makedirs=makedirs, dir_mode=dir_mode,
        context=context, replace=replace, defaults=defaults, backup=backup, show_changes=show_changes,
        create=create, contents=contents, contents_pillar=contents_pillar, contents_grains=contents_grains,
        contents_newline=contents_newline, contents_delimiter=contents_delimiter, encoding=encoding,
        encoding_errors=encoding_errors, allow_empty=allow_empty, follow_symlinks=follow_symlinks,
        skip_verify=skip_verify, saltenv=saltenv, check_cmd=check_cmd, tmp_dir=tmp_dir, tmp_ext=tmp_ext,
        selinux=kwargs.get("selinux"),
    )


def plan_managed(
    ctx: Any, fs: FS, name: str, *, source: Any = None, source_hash: Any = "", user: Any = None,
    group: Any = None, mode: Any = None, attrs: Any = None, template: Any = None, makedirs: bool = False,
    dir_mode: Any = None, context: Any = None, replace: bool = True, defaults: Any = None, backup: Any = "",
    show_changes: bool = True, create: bool = True, contents: Any = None, contents_pillar: Any = None,
    contents_grains: Any = None, contents_newline: bool = True, contents_delimiter: str = ":",
    encoding: Any = None, encoding_errors: str = "strict", allow_empty: bool = True,
    follow_symlinks: bool = True, skip_verify: bool = False, saltenv: str = "base", check_cmd: Any = None,
    tmp_dir: str = "", tmp_ext: str = "", selinux: Any = None,
) -> dict[str, Any] | Plan:
    """``file.managed`` without the outer error handling (``file.recurse`` calls it per file)."""
    name = os.path.expanduser(str(name)) if name else ""
    if not name:
        return error(name, "Destination file name is required")
    if attrs is not None:
        return error(name, "The 'attrs' option is not supported by Saline")
    if selinux:
        return error(name, "The 'selinux' option is not supported by Saline")
    keep_mode = isinstance(mode, str) and mode.lower() == "keep"
    mode = None if keep_mode else normalize_mode(mode)
    count = sum(x is not None for x in (contents, contents_pillar, contents_grains))
    if source and count:
        return error(name, "'source' cannot be used in combination with 'contents', "
                           "'contents_pillar', or 'contents_grains'")
    if keep_mode and count:
        return error(name, "Mode preservation cannot be used in combination with 'contents', "
                           "'contents_pillar', or 'contents_grains'")
    if count > 1:
        return error(name, "Only one of 'contents', 'contents_pillar', and 'contents_grains' is permitted")
    if not source and not count:
        replace = False
    data: bytes | None = None
    if count:
        value = _inline_contents(ctx, contents, contents_pillar, contents_grains, contents_delimiter)
        if not allow_empty and not value:
            which = (f"contents_pillar {contents_pillar}" if contents_pillar else
                     f"contents_grains {contents_grains}" if contents_grains else "'contents'")
            return error(name, f"{which} value would result in empty contents. Set allow_empty to True "
                               "to allow the managed file to be empty.")
        if isinstance(value, bytes):
            data = value
        else:
            text = join_lines(text_list(value), bool(contents_newline))
            if template:
                if context is not None and not isinstance(context, dict):
                    return error(name, "Context must be formed as a dict")
                try:
                    text = render_template(ctx, text, template, saltenv, "<contents>", context, defaults)
                except StateError as exc:
                    return error(name, f"Unable to manage file: {exc}")
            data = text.encode(encoding or "utf-8", errors=encoding_errors)
    if not create and not fs.isfile(name):
        return ret(name, True, {}, f"File {name} is not present and is not set for creation")
    problem = check_user(ctx, fs, user, group)
    if problem:
        return error(name, problem)
    if not os.path.isabs(name):
        return error(name, f"Specified file {name} is not an absolute path")
    if fs.isdir(name):
        return error(name, f"Specified target {name} is a directory")
    if context is not None and not isinstance(context, dict):
        return error(name, "Context must be formed as a dict")
    if defaults and not isinstance(defaults, dict):
        return error(name, "Defaults must be formed as a dict")
    if not replace and fs.exists(name):
        return _perms_only(ctx, fs, name, user, group, mode, follow_symlinks)
    from_source = bool(source)
    if source:
        src = resolve_source(ctx, fs, source, source_hash, saltenv)
        try:
            data = read_source(ctx, fs, src, template, saltenv, context, defaults)
        except StateError as exc:
            return error(name, f"Unable to manage file: {exc}")
        _verify_hash(fs, name, src, skip_verify)
        if keep_mode:
            found = fs.stats(src.local)
            mode = found["mode"] if found else None
    spec = FileSpec(name, data, from_source, user, group, mode, bool(makedirs), normalize_mode(dir_mode),
                    backup, bool(show_changes), bool(follow_symlinks), check_cmd, tmp_dir or "", tmp_ext or "")
    return plan_file(ctx, fs, spec)


def _verify_hash(fs: FS, name: str, src: Any, skip_verify: bool) -> None:
    """A local or remote source with ``source_hash`` must match it (salt:// sources are trusted)."""
    if skip_verify or not src.source_hash or src.url.startswith("salt://"):
        return
    parsed = parse_hash(src.source_hash)
    if parsed is None:
        return
    kind, expected = parsed
    actual = str(fs.call("file.get_hash", src.local, kind))
    if actual != expected:
        raise StateError(f"Specified {kind} checksum for {name} ({expected}) does not match actual checksum "
                         f"({actual})")
