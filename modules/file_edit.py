"""``file`` functions that edit file contents: replace, blockreplace, line, comment, uncomment, sed.

The edits are computed by :mod:`saline.modules.file_text` and written atomically. ``replace`` and
``blockreplace`` with ``dry_run=True`` (and ``file.line`` under ``test=True``) only compute, so they
may also run while planning. The ``plan_*`` queries compute the same edits and return the new
content and its diff without writing; state modules use them to predict changes.
"""

from __future__ import annotations

import os
import stat
import time
from typing import Any

from saline.atomic import atomic_write
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context
from saline.modules import file_text as ft
from saline.modules.file import expand, mod, read_bytes
from saline.textdata import is_text


def _display(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _diff(old: bytes, new: bytes) -> str:
    return ft.unified_diff(_display(old), _display(new))


def _existing_text_file(path: str, ignore_if_missing: bool = False) -> bytes | None:
    if not os.path.exists(path):
        if ignore_if_missing:
            return None
        raise SaltInvocationError(f"File not found: {path}")
    data = read_bytes(path)
    if not is_text(data):
        raise SaltInvocationError(f"Cannot perform string replacements on a binary file: {path}")
    return data


def write_backup(path: str, data: bytes, backup_path: str) -> None:
    """Save the previous ``data`` of ``path`` as ``backup_path`` with the same mode and owner."""
    st = os.stat(path)
    atomic_write(backup_path, data, mode=oct(stat.S_IMODE(st.st_mode)), user=st.st_uid, group=st.st_gid,
                 keep_attrs=False)


def commit(path: str, old: bytes, new: bytes, backup: Any) -> None:
    """Write ``new`` over ``path`` (keeping its mode and owner), saving ``old`` as ``path + backup``."""
    if backup:
        write_backup(path, old, f"{path}{backup}")
    atomic_write(path, new)


# ---- replace ------------------------------------------------------------------------------------


def _replace_args(path: Any, search_only: bool, append: bool, prepend: bool) -> str:
    if search_only and (append or prepend):
        raise SaltInvocationError("search_only cannot be used with append/prepend_if_not_found")
    if append and prepend:
        raise SaltInvocationError("Only one of append and prepend_if_not_found is permitted")
    return os.path.realpath(expand(path))


@mod.action(read_only_if=lambda ctx, a: bool(a.get("dry_run") or a.get("search_only")))
def replace(
    ctx: Context, path: str, pattern: str, repl: Any, count: int = 0, flags: Any = 8, bufsize: Any = 1,
    append_if_not_found: bool = False, prepend_if_not_found: bool = False, not_found_content: Any = None,
    backup: Any = ".bak", dry_run: bool = False, search_only: bool = False, show_changes: bool = True,
    ignore_if_missing: bool = False, preserve_inode: bool = True, backslash_literal: bool = False,
) -> str | bool:
    """Replace regex ``pattern`` with ``repl`` in the file (Python ``re.subn``); return a diff or a bool.

    ``count`` (0: all), ``flags`` (a list of ``re`` flag names like ``[IGNORECASE, MULTILINE]`` or an
    int; default 8 = MULTILINE), ``append_if_not_found``/``prepend_if_not_found`` (add
    ``not_found_content`` or ``repl`` as a line when nothing matched and that line is absent),
    ``backup`` (suffix of a copy of the old file, ``False`` for none), ``dry_run`` (compute only),
    ``search_only`` (return True/False: does the pattern match), ``show_changes`` (return the unified
    diff, else True/False for "changed"), ``ignore_if_missing`` (return False for a missing file),
    ``backslash_literal`` (backslashes in ``repl`` are literal). ``bufsize`` and ``preserve_inode``
    are accepted for Salt compatibility: the file is always replaced atomically (new inode).
    A symlink is resolved: its target is edited.

    CLI Example: ``saline-call --local file.replace /etc/ssh/sshd_config pattern='^#?PermitRootLogin .*'
    repl='PermitRootLogin no'``
    """
    path = _replace_args(path, search_only, append_if_not_found, prepend_if_not_found)
    data = _existing_text_file(path, ignore_if_missing)
    if data is None:
        return False
    if search_only:
        return ft.search_bytes(data, pattern, flags)
    new, _ = ft.replace_bytes(data, pattern, repl, count, flags, append_if_not_found, prepend_if_not_found,
                                not_found_content, backslash_literal)
    changed = new != data
    if changed and not dry_run:
        commit(path, data, new, backup)
    if show_changes:
        return _diff(data, new)
    return changed


@mod.query
def plan_replace(
    ctx: Context, path: str, pattern: str, repl: Any, count: int = 0, flags: Any = 8,
    append_if_not_found: bool = False, prepend_if_not_found: bool = False, not_found_content: Any = None,
    ignore_if_missing: bool = False, backslash_literal: bool = False,
) -> dict[str, Any]:
    """What ``file.replace`` would do, without writing (a Saline addition for states and dry runs).

    Returns ``{"path": real path, "exists": bool, "changed": bool, "found": bool, "diff": str,
    "content": new text or None}``; ``found`` tells whether the pattern (or the not-found line) is there.

    CLI Example: ``saline-call --local file.plan_replace /etc/hosts pattern=foo repl=bar``
    """
    path = _replace_args(path, False, append_if_not_found, prepend_if_not_found)
    data = _existing_text_file(path, ignore_if_missing)
    if data is None:
        return {"path": path, "exists": False, "changed": False, "found": False, "diff": "", "content": None}
    new, found = ft.replace_bytes(data, pattern, repl, count, flags, append_if_not_found,
                                    prepend_if_not_found, not_found_content, backslash_literal)
    return {"path": path, "exists": True, "changed": new != data, "found": found, "diff": _diff(data, new),
            "content": ft.decode(new)}


# ---- blockreplace -------------------------------------------------------------------------------

_BLOCK_DEFAULTS = {"marker_start": "#-- start managed zone --", "marker_end": "#-- end managed zone --"}


def _block(path: str, kwargs: dict[str, Any]) -> tuple[str, bytes, bytes]:
    path = expand(path)
    data = _existing_text_file(path)
    assert data is not None
    new = ft.encode(ft.blockreplace_text(ft.decode(data), **kwargs))
    return path, data, new


@mod.action(read_only_if=lambda ctx, a: bool(a.get("dry_run")))
def blockreplace(
    ctx: Context, path: str, marker_start: str = "#-- start managed zone --",
    marker_end: str = "#-- end managed zone --", content: str = "", append_if_not_found: bool = False,
    prepend_if_not_found: bool = False, backup: Any = ".bak", dry_run: bool = False,
    show_changes: bool = True, append_newline: bool | None = False, insert_before_match: str | None = None,
    insert_after_match: str | None = None,
) -> str | bool:
    """Replace the lines between ``marker_start`` and ``marker_end`` with ``content``; return a diff or bool.

    The marker lines themselves are kept (matched as substrings of a line). Without a block:
    ``append_if_not_found``/``prepend_if_not_found`` add one at the end/start,
    ``insert_before_match``/``insert_after_match`` (regexes) add one next to the first matching line,
    otherwise it is an error. ``append_newline``: put a newline after ``content`` (``None``: only if
    it lacks one; default False, so the end marker follows the content directly as in Salt).
    ``backup`` suffix (False: none), ``dry_run``, ``show_changes`` as in ``file.replace``.

    CLI Example: ``saline-call --local file.blockreplace /etc/hosts '#-- start --' '#-- end --'
    content='10.0.0.1 db' append_if_not_found=True append_newline=True``
    """
    path, data, new = _block(path, {
        "marker_start": marker_start, "marker_end": marker_end, "content": content,
        "append_if_not_found": append_if_not_found, "prepend_if_not_found": prepend_if_not_found,
        "append_newline": append_newline, "insert_before_match": insert_before_match,
        "insert_after_match": insert_after_match})
    changed = new != data
    if changed and not dry_run:
        commit(path, data, new, backup)
    return _diff(data, new) if show_changes else changed


@mod.query
def plan_blockreplace(
    ctx: Context, path: str, marker_start: str = "#-- start managed zone --",
    marker_end: str = "#-- end managed zone --", content: str = "", append_if_not_found: bool = False,
    prepend_if_not_found: bool = False, append_newline: bool | None = False,
    insert_before_match: str | None = None, insert_after_match: str | None = None,
) -> dict[str, Any]:
    """What ``file.blockreplace`` would do, without writing (a Saline addition).

    Returns ``{"path", "changed": bool, "diff": str, "content": new text}``; errors as ``file.blockreplace``.

    CLI Example: ``saline-call --local file.plan_blockreplace /etc/hosts content='10.0.0.1 db'
    append_if_not_found=True``
    """
    path, data, new = _block(path, {
        "marker_start": marker_start, "marker_end": marker_end, "content": content,
        "append_if_not_found": append_if_not_found, "prepend_if_not_found": prepend_if_not_found,
        "append_newline": append_newline, "insert_before_match": insert_before_match,
        "insert_after_match": insert_after_match})
    return {"path": path, "changed": new != data, "diff": _diff(data, new), "content": ft.decode(new)}


# ---- line ---------------------------------------------------------------------------------------


def _line(path: str, quiet: bool, kwargs: dict[str, Any]) -> tuple[str, bytes | None, bytes | None]:
    path = os.path.realpath(expand(path))
    if not os.path.isfile(path):
        if quiet:
            return path, None, None
        raise CommandExecutionError(f'File "{path}" does not exists or is not a file.')
    data = read_bytes(path)
    return path, data, ft.encode(ft.line_text(ft.decode(data), **kwargs))


@mod.action(read_only_if=lambda ctx, a: ctx.test)
def line(
    ctx: Context, path: str, content: Any = None, match: str | None = None, mode: str | None = None,
    location: str | None = None, before: str | None = None, after: str | None = None,
    show_changes: bool = True, backup: bool = False, quiet: bool = False, indent: bool = True,
) -> str | bool:
    """Edit one line of a file; return the diff (or True) when it changed, else False.

    ``mode``: ``ensure`` (make ``content`` the line right after ``after`` and/or before ``before``),
    ``replace`` (the first line matching ``match`` becomes ``content``), ``insert`` (add ``content`` at
    ``location`` start/end, or before/after an anchor line), ``delete`` (remove the lines equal to the
    first line matching ``match``). ``match`` defaults to ``content``; ``match``, ``before`` and
    ``after`` are regexes (or plain substrings) and anchors must match exactly one line. ``indent``:
    new lines take the indentation of their anchor. ``backup=True`` keeps a copy named
    ``<path>.<YYYY-MM-DD-HH-MM-SS>``. Under ``test=True`` nothing is written (like Salt). A missing
    file is an error unless ``quiet`` (then False).

    CLI Example: ``saline-call --local file.line /etc/hosts content='10.0.0.1 db' mode=ensure
    after='^127\\.0\\.0\\.1'``
    """
    path, data, new = _line(path, bool(quiet), {
        "content": content, "match": match, "mode": mode, "location": location, "before": before,
        "after": after, "indent": indent})
    if data is None or new is None:
        return False
    changed = new != data
    if changed and not ctx.test:
        if backup:
            write_backup(path, data, f"{path}.{time.strftime('%Y-%m-%d-%H-%M-%S', time.localtime())}")
        atomic_write(path, new)
    if changed and show_changes:
        return _diff(data, new)
    return changed


@mod.query
def plan_line(
    ctx: Context, path: str, content: Any = None, match: str | None = None, mode: str | None = None,
    location: str | None = None, before: str | None = None, after: str | None = None, indent: bool = True,
) -> dict[str, Any]:
    """What ``file.line`` would do, without writing (a Saline addition).

    Returns ``{"path", "changed": bool, "diff": str, "content": new text}``; errors as ``file.line``.

    CLI Example: ``saline-call --local file.plan_line /etc/hosts content='10.0.0.1 db' mode=ensure
    after=localhost``
    """
    path, data, new = _line(path, False, {
        "content": content, "match": match, "mode": mode, "location": location, "before": before,
        "after": after, "indent": indent})
    assert data is not None and new is not None
    return {"path": path, "changed": new != data, "diff": _diff(data, new), "content": ft.decode(new)}


# ---- comment / uncomment ------------------------------------------------------------------------


def _comment(path: str, regex: Any, char: str, cmnt: bool) -> tuple[str, bytes, str, list[str], list[str]]:
    path = os.path.realpath(expand(path))
    if not os.path.isfile(path):
        raise SaltInvocationError(f"File not found: {path}")
    data = _existing_text_file(path)
    assert data is not None
    new, before, after = ft.comment_text(ft.decode(data), regex, char, cmnt)
    return path, data, new, before, after


@mod.action
def comment_line(ctx: Context, path: str, regex: str, char: str = "#", cmnt: bool = True,
                 backup: Any = ".bak") -> str | bool:
    """Comment (``cmnt=True``) or uncomment the lines whose start matches ``regex``.

    Commenting prefixes ``char``; uncommenting matches ``^<char>\\s*(regex)`` and strips the leading
    ``char`` characters. Returns a diff of the changed lines, or False when no line matched.
    ``backup``: suffix of a copy of the old file (False: none).

    CLI Example: ``saline-call --local file.comment_line /etc/fstab '^/dev/sdb1'``
    """
    path, data, new, before, after = _comment(path, regex, char, bool(cmnt))
    if not before:
        return False
    commit(path, data, ft.encode(new), backup)
    return ft.unified_diff([_display(ft.encode(x)) for x in before], [_display(ft.encode(x)) for x in after])


@mod.action
def comment(ctx: Context, path: str, regex: str, char: str = "#", backup: Any = ".bak") -> str | bool:
    """Comment out the lines whose start matches ``regex`` (``file.comment_line`` with ``cmnt=True``).

    CLI Example: ``saline-call --local file.comment /etc/modules '^loop$'``
    """
    return comment_line(ctx, path, regex, char, True, backup)


@mod.action
def uncomment(ctx: Context, path: str, regex: str, char: str = "#", backup: Any = ".bak") -> str | bool:
    """Uncomment the lines matching ``^<char>\\s*(regex)`` (``file.comment_line`` with ``cmnt=False``).

    CLI Example: ``saline-call --local file.uncomment /etc/adduser.conf 'NAME_REGEX'``
    """
    return comment_line(ctx, path, regex, char, False, backup)


@mod.query
def plan_comment(ctx: Context, path: str, regex: str, char: str = "#", cmnt: bool = True) -> dict[str, Any]:
    """What ``file.comment_line`` would do, without writing (a Saline addition).

    Returns ``{"path", "changed": bool, "diff": full-file diff, "content": new text}``.

    CLI Example: ``saline-call --local file.plan_comment /etc/fstab '^/dev/sdb1'``
    """
    path, data, new, before, _ = _comment(path, regex, char, bool(cmnt))
    new_b = ft.encode(new)
    return {"path": path, "changed": bool(before), "diff": _diff(data, new_b), "content": new}


# ---- sed (the system's sed -i) ----------------------------------------------------------------------


def _sed_escape(value: Any, escape_all: bool) -> str:
    value = str(value).replace("/", "\\/")
    if escape_all:
        for char in "^.[$()|*+?{":
            value = value.replace(char, "\\" + char)
    return value


@mod.action
def sed(ctx: Context, path: str, before: Any, after: Any, limit: str = "", backup: Any = ".bak",
        options: str = "-r -e", flags: str = "g", escape_all: bool = False,
        negate_match: bool = False) -> dict[str, Any] | bool:
    """Edit the file in place with the system's ``sed``: ``s/before/after/flags`` (extended regexes).

    ``limit``: only lines matching this regex (``/limit/ s/.../``; ``negate_match`` for the others);
    ``backup``: suffix for ``sed -i`` (False: none); ``options``: sed options before the script;
    ``escape_all``: treat ``before``/``after``/``limit`` literally. Slashes are escaped for you.
    Returns ``cmd.run_all``'s dict for the sed command, or False when the file does not exist.
    GNU sed writes a new file and renames it, so the edit is atomic and keeps mode and owner.

    CLI Example: ``saline-call --local file.sed /etc/hosts '127\\.0\\.1\\.1' '127.0.1.2'``
    """
    import shlex

    path = expand(path)
    if not os.path.exists(path):
        return False
    script = "{limit}{negate}s/{before}/{after}/{flags}".format(
        limit=f"/{_sed_escape(limit, escape_all)}/ " if limit else "", negate="!" if negate_match else "",
        before=_sed_escape(before, escape_all), after=_sed_escape(after, escape_all), flags=flags)
    command = ["sed", f"-i{backup}" if backup else "-i", *shlex.split(str(options)), script, path]
    return ctx.salt["cmd.run_all"](command, python_shell=False)


@mod.query
def sed_contains(ctx: Context, path: str, text: Any, limit: str = "", flags: str = "g") -> bool:
    """True when ``sed`` finds regex ``text`` in the file (only on lines matching ``limit`` if given).

    CLI Example: ``saline-call --local file.sed_contains /etc/hosts localhost``
    """
    from saline.process import run_command

    path = expand(path)
    if not os.path.exists(path):
        return False
    script = "{limit}s/{before}/$/{flags}".format(
        limit=f"/{_sed_escape(limit, False)}/ " if limit else "", before=_sed_escape(text, False),
        flags=f"p{flags}")
    ret = run_command(["sed", "-n", "-r", "-e", script, path], output_loglevel="quiet", ignore_retcode=True)
    return bool(ret["stdout"])
