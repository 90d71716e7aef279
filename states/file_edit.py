"""States that edit a file in place: append, prepend, replace, line, blockreplace, comment, uncomment, keyvalue.

Predictions come from read-only queries (``file.search``, ``file.plan_*``, ``file.replace`` with
``dry_run``) or from pure functions over the current text; the edits from ``file.*`` actions.
"""

from __future__ import annotations

import os
import re
import shlex
from itertools import zip_longest
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.states.api import Plan, ret
from saline.states.file import st
from saline.states.file_common import (
    StateError,
    content_diff,
    error,
    guard,
    read_source,
    resolve_source,
    text_list,
    unified_diff,
)
from saline.states.file_managed import plan_managed
from saline.states.file_sys import FS
from saline.textdata import is_text


def check_file(fs: FS, name: str) -> str:
    """Salt's ``_check_file``: "" when ``name`` is an existing absolute path, else the problem."""
    if not os.path.isabs(name):
        return f"Specified file {name} is not an absolute path"
    if not fs.exists(name):
        return f"{name}: file not found"
    return ""


def whitespace_regex(text: str) -> str:
    """A regex matching the lines of ``text`` whatever the whitespace between their words (Salt's rules)."""
    body = ""
    for line in text.splitlines():
        lexer = shlex.shlex(line)
        lexer.whitespace_split = True
        lexer.commenters = ""
        if "'\"" in line:
            lexer.quotes = ""
        elif "'" in line:
            lexer.quotes = '"'
        elif '"' in line:
            lexer.quotes = "'"
        words = [re.escape(w) for w in lexer]
        body += r"(?:[\s]+)?" + r"(?:[\s]+)?".join(words) + r"(?:[\s]+)?"
    return rf"(?m)^{body}$"


def _found(text: str, pattern: str) -> bool:
    """``file.search`` over text already read (multiline)."""
    try:
        return re.search(pattern, text, re.MULTILINE) is not None
    except re.error as exc:
        raise StateError(f"Invalid regular expression '{pattern}': {exc}") from None


def source_texts(ctx: Any, fs: FS, source: Any, source_hash: Any, sources: Any, source_hashes: Any,
                 template: Any, defaults: Any, context: Any, saltenv: str) -> list[str] | None:
    """Texts from ``source``/``sources`` rendered with ``template``; None when neither is given."""
    if source and sources:
        raise StateError("source and sources are mutually exclusive")
    if source_hash and source_hashes:
        raise StateError("source_hash and source_hashes are mutually exclusive")
    pairs = [(source, source_hash)] if source else list(zip_longest(sources or [], (source_hashes or [])[:len(
        sources or [])]))
    if not pairs:
        return None
    texts = []
    for url, hsum in pairs:
        src = resolve_source(ctx, fs, url, hsum, saltenv)
        texts.append(read_source(ctx, fs, src, template, saltenv, context, defaults).decode("utf-8"))
    return texts


def _read_text(fs: FS, name: str) -> str:
    return fs.read(name).decode("utf-8", errors="replace")


def _binary_or(fs: FS, name: str, diff: str) -> str:
    return diff if is_text(fs.read(name)) else "Replace binary file"


def _missing_plan(ctx: Any, fs: FS, name: str, makedirs: bool, edit: Any) -> Plan | dict[str, Any]:
    """A file that append/prepend must create first (Salt touches it)."""
    def apply(c: Any) -> dict[str, Any]:
        cfs = FS(c)
        if makedirs and not cfs.isdir(os.path.dirname(name)):
            cfs.makedirs(name)
        if not cfs.isdir(os.path.dirname(name)):
            return error(name, f"{name}: file not found")
        cfs.touch(name)
        return edit(c, "")

    return Plan(name, {"new": name}, f"File {name} is set to be created", apply)


# ---- append / prepend ----------------------------------------------------------------------------


@st.state
@guard
def append(
    ctx: Any, name: str, text: Any = None, makedirs: bool = False, source: Any = None, source_hash: Any = None,
    template: str = "jinja", sources: Any = None, source_hashes: Any = None, defaults: Any = None,
    context: Any = None, ignore_whitespace: bool = True, saltenv: str = "base",
) -> dict[str, Any] | Plan:
    """Make sure the given text is in the file, appending what is missing."""
    name = os.path.expanduser(str(name)) if name else ""
    if not name:
        return error(name, "Must provide name to file.append")
    fs = FS(ctx)
    texts = source_texts(ctx, fs, source, source_hash, sources, source_hashes, template, defaults, context,
                         saltenv)
    if texts is None:
        if text is None:
            return error(name, "No text found to append. Nothing appended")
        texts = text_list(text)
    problem = check_file(fs, name)
    if problem and not os.path.isabs(name):
        return error(name, problem)

    def edit(c: Any, current: str) -> dict[str, Any]:
        old = current.splitlines()
        lines = _missing_lines(current, texts, ignore_whitespace)
        if not lines:
            return ret(name, True, {}, f"File {name} is in correct state")
        cfs = FS(c)
        cfs.call("file.append", name, args=lines)
        diff = _binary_or(cfs, name, unified_diff(old, old + lines, "\n"))
        return ret(name, True, {"diff": diff}, f"Appended {len(lines)} lines")

    if problem:
        return _missing_plan(ctx, fs, name, bool(makedirs), edit)
    current = _read_text(fs, name)
    lines = _missing_lines(current, texts, ignore_whitespace)
    if not lines:
        return ret(name, True, {}, f"File {name} is in correct state")
    old = current.splitlines()
    diff = _binary_or(fs, name, unified_diff(old, old + lines, "\n"))
    return Plan(name, {"diff": diff}, f"File {name} is set to be updated", lambda c: edit(c, _read_text(FS(c), name)))


def _missing_lines(current: str, texts: list[str], ignore_whitespace: bool) -> list[str]:
    lines: list[str] = []
    for chunk in texts:
        pattern = whitespace_regex(chunk) if ignore_whitespace else chunk
        if _found(current, pattern):
            continue
        lines.extend(chunk.splitlines())
    return lines


@st.state
@guard
def prepend(
    ctx: Any, name: str, text: Any = None, makedirs: bool = False, source: Any = None, source_hash: Any = None,
    template: str = "jinja", sources: Any = None, source_hashes: Any = None, defaults: Any = None,
    context: Any = None, header: Any = None, saltenv: str = "base",
) -> dict[str, Any] | Plan:
    """Make sure the given text is in the file, adding what is missing at the top."""
    name = os.path.expanduser(str(name)) if name else ""
    if not name:
        return error(name, "Must provide name to file.prepend")
    fs = FS(ctx)
    texts = source_texts(ctx, fs, source, source_hash, sources, source_hashes, template, defaults, context,
                         saltenv)
    if texts is None:
        if text is None:
            return error(name, "No text found to prepend. Nothing prepended")
        texts = text_list(text)
    problem = check_file(fs, name)
    if problem and not os.path.isabs(name):
        return error(name, problem)

    def preface_of(current: str) -> list[str]:
        lines: list[str] = []
        for chunk in texts:
            if not header and _found(current, whitespace_regex(chunk)):
                continue
            lines.extend(chunk.splitlines())
        if header and current.splitlines()[: len(lines)] == lines:
            return []
        return lines

    def edit(c: Any, current: str) -> dict[str, Any]:
        lines = preface_of(current)
        if not lines:
            return ret(name, True, {}, f"File {name} is in correct state")
        cfs = FS(c)
        cfs.call("file.prepend", name, args=lines)
        old = current.splitlines(True)
        diff = _binary_or(cfs, name, unified_diff(old, [f"{x}\n" for x in lines] + old))
        return ret(name, True, {"diff": diff}, f"Prepended {len(lines)} lines")

    if problem:
        return _missing_plan(ctx, fs, name, bool(makedirs), edit)
    current = _read_text(fs, name)
    lines = preface_of(current)
    if not lines:
        return ret(name, True, {}, f"File {name} is in correct state")
    old = current.splitlines(True)
    diff = _binary_or(fs, name, unified_diff(old, [f"{x}\n" for x in lines] + old))
    return Plan(name, {"diff": diff}, f"File {name} is set to be updated", lambda c: edit(c, _read_text(FS(c), name)))


# ---- replace / blockreplace / line -----------------------------------------------------------------


@st.state
@guard
def replace(
    ctx: Any, name: str, pattern: str, repl: Any, count: int = 0, flags: Any = 8, bufsize: Any = 1,
    append_if_not_found: bool = False, prepend_if_not_found: bool = False, not_found_content: Any = None,
    backup: Any = ".bak", show_changes: bool = True, ignore_if_missing: bool = False,
    backslash_literal: bool = False,
) -> dict[str, Any] | Plan:
    """Replace a regular expression in a file (Python ``re`` syntax)."""
    name = os.path.expanduser(str(name)) if name else ""
    if not name:
        return error(name, "Must provide name to file.replace")
    fs = FS(ctx)
    problem = check_file(fs, name)
    if problem:
        if ignore_if_missing and "file not found" in problem:
            return ret(name, True, {}, "No changes needed to be made")
        return error(name, problem)
    args = dict(count=count, flags=flags, bufsize=bufsize, append_if_not_found=append_if_not_found,
                prepend_if_not_found=prepend_if_not_found, not_found_content=not_found_content, backup=backup,
                show_changes=show_changes, ignore_if_missing=ignore_if_missing,
                backslash_literal=backslash_literal)
    predicted = fs.call("file.replace", name, pattern, repl, dry_run=True, **args)
    if not predicted:
        return ret(name, True, {}, "No changes needed to be made")

    def apply(c: Any) -> dict[str, Any]:
        done = FS(c).call("file.replace", name, pattern, repl, dry_run=False, **args)
        if not done:
            return ret(name, True, {}, "No changes needed to be made")
        return ret(name, True, {"diff": done}, "Changes were made")

    return Plan(name, {"diff": predicted}, "Changes would have been made", apply)


@st.state
@guard
def blockreplace(
    ctx: Any, name: str, marker_start: str = "#-- start managed zone --",
    marker_end: str = "#-- end managed zone --", source: Any = None, source_hash: Any = None,
    template: str = "jinja", sources: Any = None, source_hashes: Any = None, defaults: Any = None,
    context: Any = None, content: Any = "", append_if_not_found: bool = False,
    prepend_if_not_found: bool = False, backup: Any = ".bak", show_changes: bool = True,
    append_newline: Any = None, insert_before_match: Any = None, insert_after_match: Any = None,
    saltenv: str = "base",
) -> dict[str, Any] | Plan:
    """Manage a block of lines between two marker lines."""
    name = os.path.expanduser(str(name)) if name else ""
    if not name:
        return error(name, "Must provide name to file.blockreplace")
    fs = FS(ctx)
    texts = source_texts(ctx, fs, source, source_hash, sources, source_hashes, template, defaults, context,
                         saltenv)
    problem = check_file(fs, name)
    if problem:
        return error(name, problem)
    content = "" if content is None else str(content)
    for text in texts or []:
        content += text
    args = dict(content=content, append_if_not_found=append_if_not_found,
                prepend_if_not_found=prepend_if_not_found, append_newline=append_newline,
                insert_before_match=insert_before_match, insert_after_match=insert_after_match)
    try:
        planned = fs.call("file.plan_blockreplace", name, marker_start, marker_end, **args)
    except (CommandExecutionError, SaltInvocationError) as exc:
        return error(name, f"Encountered error managing block: {exc}. See the log for details.")
    if not planned["changed"]:
        return ret(name, True, {}, "No changes needed to be made")

    def apply(c: Any) -> dict[str, Any]:
        try:
            done = FS(c).call("file.blockreplace", name, marker_start, marker_end, backup=backup,
                              show_changes=show_changes, **args)
        except (CommandExecutionError, SaltInvocationError) as exc:
            return error(name, f"Encountered error managing block: {exc}. See the log for details.")
        if not done:
            return ret(name, True, {}, "No changes needed to be made")
        return ret(name, True, {"diff": done}, "Changes were made")

    return Plan(name, {"diff": planned["diff"] if show_changes else True}, "Changes would be made", apply)


@st.state
@guard
def line(
    ctx: Any, name: str, content: Any = None, match: Any = None, mode: Any = None, location: Any = None,
    before: Any = None, after: Any = None, show_changes: bool = True, backup: bool = False, quiet: bool = False,
    indent: bool = True, create: bool = False, user: Any = None, group: Any = None, file_mode: Any = None,
) -> dict[str, Any] | Plan:
    """Edit one line of a file: ensure, replace, insert or delete it."""
    name = os.path.expanduser(str(name)) if name else ""
    if not name:
        return error(name, "Must provide name to file.line")
    fs = FS(ctx)
    problem = check_file(fs, name)
    will_create = bool(create) and bool(problem) and os.path.isabs(name)
    if problem and not will_create:
        return error(name, problem)
    mode = mode.lower() if isinstance(mode, str) else mode
    if mode is None:
        return error(name, "Mode was not defined. How to process the file?")
    if mode != "delete" and content is None:
        return error(name, "Content can only be empty if mode is ['delete']")
    args = dict(content=content, match=match, mode=mode, location=location, before=before, after=after,
                indent=indent)

    def apply(c: Any) -> dict[str, Any]:
        cfs = FS(c)
        setup = plan_managed(c, cfs, name, create=create, user=user, group=group, mode=file_mode, replace=False)
        if isinstance(setup, Plan):
            setup = setup.apply(c)
        if setup.get("result") is False:
            return error(name, str(setup.get("comment")))
        done = cfs.call("file.line", name, show_changes=show_changes, backup=backup, quiet=quiet, **args)
        if not done:
            return ret(name, True, {}, "No changes needed to be made")
        return ret(name, True, {"diff": done}, "Changes were made")

    if will_create:
        return Plan(name, {"newfile": name}, "Changes would be made", apply)
    planned = fs.call("file.plan_line", name, **args)
    perms = plan_managed(ctx, fs, name, user=user, group=group, mode=file_mode, replace=False)
    if not planned["changed"] and not isinstance(perms, Plan):
        return ret(name, True, {}, "No changes needed to be made")
    if not planned["changed"]:
        return perms
    return Plan(name, {"diff": planned["diff"] if show_changes else True}, "Changes would be made", apply)


# ---- comment / uncomment ------------------------------------------------------------------------------


def _unanchored(regex: str) -> str:
    """``regex`` without a leading inline flag group, ``^`` and a trailing ``$``."""
    return re.sub(r"^(\(\?[iLmsux]\))?\^?(.*?)\$?$", r"\2", regex)


def _comment_plan(ctx: Any, fs: FS, name: str, regex: str, char: str, backup: Any, cmnt: bool,
                  check: str) -> Plan:
    done_word = "Commented" if cmnt else "Uncommented"

    def apply(c: Any) -> dict[str, Any]:
        cfs = FS(c)
        old = cfs.read(name)
        cfs.call("file.comment_line", name, regex, char, cmnt, backup)
        new = cfs.read(name)
        result = cfs.search(name, check)
        changes = {"diff": content_diff(old, new) if is_text(new) else "Replace binary file"} if old != new else {}
        comment = f"{done_word} lines successfully" if result else f"Expected {done_word.lower()} lines not found"
        return ret(name, result, changes, comment)

    return Plan(name, {name: "updated"}, f"File {name} is set to be updated", apply)


@st.state
@guard
def comment(ctx: Any, name: str, regex: str, char: str = "#", backup: Any = ".bak",
            ignore_missing: bool = False) -> dict[str, Any] | Plan:
    """Comment out the lines matching ``regex``."""
    name = os.path.expanduser(str(name)) if name else ""
    if not name:
        return error(name, "Must provide name to file.comment")
    fs = FS(ctx)
    problem = check_file(fs, name)
    if problem:
        return error(name, problem)
    bare = _unanchored(str(regex))
    commented = char + bare
    if not fs.search(name, rf"^(?!\s*{char})\s*" + bare):
        if fs.search(name, commented):
            return ret(name, True, {}, "Pattern already commented")
        if ignore_missing:
            return ret(name, True, {}, "Pattern not found and ignore_missing set to True")
        return error(name, f"{bare}: Pattern not found")
    return _comment_plan(ctx, fs, name, str(regex), char, backup, True, commented)


@st.state
@guard
def uncomment(ctx: Any, name: str, regex: str, char: str = "#", backup: Any = ".bak") -> dict[str, Any] | Plan:
    """Uncomment the lines matching ``regex``."""
    name = os.path.expanduser(str(name)) if name else ""
    if not name:
        return error(name, "Must provide name to file.uncomment")
    fs = FS(ctx)
    problem = check_file(fs, name)
    if problem:
        return error(name, problem)
    bare = str(regex).lstrip("^")
    plain = rf"^[ \t]*{bare}"
    if not fs.search(name, rf"{char}[ \t]*{bare}"):
        if fs.search(name, plain):
            return ret(name, True, {}, "Pattern already uncommented")
        return error(name, f"{regex}: Pattern not found")
    return _comment_plan(ctx, fs, name, str(regex), char, backup, False, plain)


# ---- keyvalue ------------------------------------------------------------------------------------------


def keyvalue_edit(lines: list[str], key_values: dict[str, Any], separator: str, append: bool, prepend: bool,
                  count: int, uncomment: Any, key_ignore_case: bool, value_ignore_case: bool
                  ) -> tuple[list[str], list[str], int]:
    """Salt's ``file.keyvalue`` algorithm on lines (with their endings): new lines, diff lines, change count."""
    diff: list[str] = []
    content: list[str] = []
    changes = 0
    left = {k: count for k in key_values}
    for line in lines:
        stripped = line.lstrip(uncomment)
        uncommented = len(line) > len(stripped)
        probe = stripped.lower() if key_ignore_case else stripped
        for key, value in key_values.items():
            wanted_key = key.lower() if key_ignore_case else key
            if not probe.startswith(wanted_key):
                continue
            working = stripped if uncommented else line
            line_key, line_sep, line_value = working.partition(separator)
            if line_sep != separator:
                continue
            if (line_key.lower() if key_ignore_case else line_key) != wanted_key:
                continue
            have, want = line_value.strip(), str(value).strip()
            if value_ignore_case:
                have, want = have.lower(), want.lower()
            same = have == want
            rewrite = False
            if uncommented:
                if left[key] > 0:
                    rewrite = True
                elif not same:
                    same = True
            elif left[key] == 0:
                rewrite = True
            if not same or rewrite:
                diff.append(f"- {line}")
                line = ""
                if left[key] != 0:
                    line = f"{line_key}{line_sep}{value}{os.linesep}"
                    if isinstance(value, str):
                        diff.append(f"+ {line}")
                    else:
                        diff.append(f"+ {line.rstrip()} (from {type(value).__name__} type){os.linesep}")
                changes += 1
            if left[key] > 0:
                left[key] -= 1
        content.append(line)
    if append:
        added = []
        for key, value in key_values.items():
            if left[key] > 0:
                new = f"{key}{separator}{value}{os.linesep}"
                added.append(f"+ {new}")
                content.append(new)
                changes += 1
        if added:
            diff.extend([f"- <EOF>{os.linesep}", *added, f"+ <EOF>{os.linesep}"])
    elif prepend:
        started = False
        for key, value in key_values.items():
            if left[key] > 0:
                new = f"{key}{separator}{value}{os.linesep}"
                if not started:
                    diff.insert(0, f"  <SOF>{os.linesep}")
                    started = True
                diff.insert(1, f"+ {new}")
                content.insert(0, new)
                changes += 1
    return content, diff, changes


@st.state
@guard
def keyvalue(
    ctx: Any, name: str, key: Any = None, value: Any = None, key_values: Any = None, separator: str = "=",
    append_if_not_found: bool = False, prepend_if_not_found: bool = False, search_only: bool = False,
    show_changes: bool = True, ignore_if_missing: bool = False, count: int = 1, uncomment: Any = None,
    key_ignore_case: bool = False, value_ignore_case: bool = False, create_if_missing: bool = False,
) -> dict[str, Any] | Plan:
    """Set ``key<separator>value`` lines in a configuration file."""
    name = os.path.expanduser(str(name)) if name else ""
    if not name:
        return error(name, "Must provide name to file.keyvalue")
    if key is not None and value is not None:
        if isinstance(key_values, dict):
            return error(name, "file.keyvalue can not combine key_values with key and value")
        key_values = {str(key): value}
    elif not isinstance(key_values, dict) or not key_values:
        why = "is empty" if not key_values else "is not a dictionary"
        return error(name, f"file.keyvalue key and value not supplied and key_values {why}")
    key_values = {str(k): v for k, v in key_values.items()}
    fs = FS(ctx)
    if not fs.isfile(name):
        if create_if_missing and not fs.lexists(name):
            lines: list[str] = []
            append_if_not_found = True
        else:
            return ret(name, bool(ignore_if_missing), {}, f"unable to open {name}")
    else:
        lines = _read_text(fs, name).splitlines(True)
    content, diff, changes = keyvalue_edit(lines, key_values, separator, bool(append_if_not_found),
                                           bool(prepend_if_not_found), int(count), uncomment,
                                           bool(key_ignore_case), bool(value_ignore_case))
    if not changes:
        return ret(name, True, {}, "")
    predicted = {"diff": "".join(diff)} if show_changes else {}
    comment = f"File {name} is set to be changed ({changes} lines)"
    if show_changes:
        comment += "\nPredicted diff:\n\r\t\t" + "\r\t\t".join(diff)

    def apply(c: Any) -> dict[str, Any]:
        try:
            FS(c).write_bytes(name, "".join(content).encode("utf-8"))
        except CommandExecutionError:
            return error(name, f"{name} not writable")
        return ret(name, True, predicted, f"Changed {changes} lines")

    return Plan(name, predicted, comment, apply)
