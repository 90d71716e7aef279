"""Pure text edits behind ``file.replace``, ``file.blockreplace``, ``file.line`` and ``file.comment_line``.

Nothing here touches the file system: each function takes the current content and returns the new
content, so the ``file`` execution functions, their ``plan_*`` queries and the file states compute
exactly the same result whether they are planning or applying.
"""

from __future__ import annotations

import difflib
import os
import re
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_EOL_RE = re.compile(r"(\r\n|\r|\n)\Z")


def split_lines(text: str) -> list[str]:
    """Lines with their endings (``\\n``, ``\\r\\n`` or ``\\r``), the last one possibly without."""
    return _LINE_RE.findall(text)


def eol_of(line: str) -> str:
    match = _EOL_RE.search(line)
    return match.group(1) if match else ""


def unified_diff(old: str | list[str], new: str | list[str], fromfile: str = "", tofile: str = "") -> str:
    """Salt's diff format: ``difflib.unified_diff`` of the line lists, joined (``--- \\n+++ \\n@@ ...``)."""
    old_lines = split_lines(old) if isinstance(old, str) else old
    new_lines = split_lines(new) if isinstance(new, str) else new
    return "".join(difflib.unified_diff(old_lines, new_lines, fromfile, tofile))




def decode(data: bytes) -> str:
    """Bytes -> str losslessly (undecodable bytes survive a round trip through :func:`encode`)."""
    return data.decode("utf-8", errors="surrogateescape")


def encode(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")


def get_flags(flags: Any) -> int:
    """``re`` flags from an int, one name or a list of names (``[IGNORECASE, MULTILINE]``, ``I``)."""
    if isinstance(flags, bool):
        raise CommandExecutionError(f'Invalid re flags: "{flags}"')
    if isinstance(flags, int):
        return int(flags)
    if isinstance(flags, str):
        flags = [flags]
    if isinstance(flags, (list, tuple, set)):
        value = 0
        for flag in flags:
            found = getattr(re.RegexFlag, str(flag).upper(), None)
            if not isinstance(found, re.RegexFlag):
                raise CommandExecutionError(f"Invalid re flag given: {flag}")
            value |= found
        return value
    raise CommandExecutionError(
        f'Invalid re flags: "{flags}", must be given either as a single flag string, a list of strings, '
        "as an integer, or as an re flag")


def _compile(pattern: str | bytes, flags: int = 0) -> re.Pattern[Any]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        shown = pattern.decode("utf-8", "replace") if isinstance(pattern, bytes) else pattern
        raise CommandExecutionError(f"Invalid regular expression '{shown}': {exc}") from None


# ---- file.replace -------------------------------------------------------------------------------


def replace_bytes(
    data: bytes,
    pattern: Any,
    repl: Any,
    count: int = 0,
    flags: Any = 8,
    append_if_not_found: bool = False,
    prepend_if_not_found: bool = False,
    not_found_content: Any = None,
    backslash_literal: bool = False,
) -> tuple[bytes, bool]:
    """``(new content, pattern or content found)`` for Salt's ``file.replace`` (a regex ``subn``).

    With ``append_if_not_found``/``prepend_if_not_found``, when the pattern matched nothing and the
    content line (``not_found_content`` or ``repl``) is not in the file either, that line is added
    at the end (after making sure the file ends with a newline) or at the start.
    """
    if append_if_not_found and prepend_if_not_found:
        raise SaltInvocationError("Only one of append and prepend_if_not_found is permitted")
    re_flags = get_flags(flags)
    cpattern = _compile(encode(str(pattern)), re_flags)
    repl_b = encode(str(repl))
    if backslash_literal:
        repl_b = repl_b.replace(b"\\", b"\\\\")
    try:
        result, nrepl = cpattern.subn(repl_b, data, int(count or 0))
    except re.error as exc:
        raise CommandExecutionError(f"Invalid replacement {str(repl)!r}: {exc}") from None
    found = nrepl > 0
    if append_if_not_found or prepend_if_not_found:
        line = encode(str(not_found_content)) if not_found_content else repl_b
        if _compile(b"^" + re.escape(line) + b"($|(?=\r\n))", re_flags).search(data):
            found = True
        if not found:
            sep = os.linesep.encode()
            if prepend_if_not_found:
                result = line + sep + result
            else:
                if result and not result.endswith(sep):
                    result += sep
                result += line + sep
    return result, found


def search_bytes(data: bytes, pattern: Any, flags: Any = 8) -> bool:
    return _compile(encode(str(pattern)), get_flags(flags)).search(data) is not None


# ---- file.blockreplace --------------------------------------------------------------------------


def blockreplace_text(
    text: str,
    marker_start: str = "#-- start managed zone --",
    marker_end: str = "#-- end managed zone --",
    content: str = "",
    append_if_not_found: bool = False,
    prepend_if_not_found: bool = False,
    append_newline: bool | None = False,
    insert_before_match: str | None = None,
    insert_after_match: str | None = None,
) -> str:
    """New text with the block between the marker lines replaced by ``content`` (Salt's blockreplace).

    The start marker line and the end marker (and whatever follows it on its line) are kept. When no
    block exists it is added (start, end, before/after the first line matching a regex) if asked,
    else :class:`CommandExecutionError`. ``append_newline`` puts a line break after the content
    (None: only when the content does not end with one); without it the end marker follows the last
    content line directly, as in Salt.
    """
    chosen = [append_if_not_found, prepend_if_not_found, bool(insert_before_match), bool(insert_after_match)]
    if sum(bool(c) for c in chosen) > 1:
        raise SaltInvocationError(
            "Only one of append_if_not_found, prepend_if_not_found, insert_before_match, and "
            "insert_after_match is permitted")
    for name, value in (("insert_before_match", insert_before_match),
                        ("insert_after_match", insert_after_match)):
        if value and not isinstance(value, str):
            raise CommandExecutionError(f"RegEx expected in {name} parameter.")
    marker_start, marker_end = str(marker_start), str(marker_end)
    content = "" if content is None else str(content)
    if append_newline is None:
        append_newline = not content.endswith(("\r\n", "\n"))
    content_lines = [piece for chunk in content.split("\r\n") for piece in chunk.split("\n")]

    lines = split_lines(text)
    linesep = next((eol_of(line) for line in lines[:1] if eol_of(line)), os.linesep)

    def block(include_start: bool = True, end_line: str | None = None) -> list[str]:
        end = (marker_end if end_line is None else end_line).rstrip("\r\n") + linesep
        out = [marker_start + linesep] if include_start else []
        for content_line in content_lines[:-1]:
            out.append(content_line + linesep)
        last = content_lines[-1]
        out.extend([last + linesep, end] if append_newline else [last + end])
        return out

    new: list[str] = []
    in_block = found = False
    for line in lines:
        if marker_start in line:
            in_block = True
            new.append(line)
        elif in_block:
            pos = line.find(marker_end)
            if pos != -1:
                in_block, found = False, True
                new.extend(block(include_start=False, end_line=line[pos:]))
        else:
            new.append(line)
    if in_block:
        raise CommandExecutionError("Unterminated marked block. End of file reached before marker_end.")
    if not found:
        if prepend_if_not_found:
            new = block() + new
        elif append_if_not_found:
            if new and not new[-1].endswith(linesep):
                new[-1] += linesep
            new.extend(block())
        elif insert_before_match or insert_after_match:
            regex = _compile(insert_before_match or insert_after_match or "")
            where = next((i for i, line in enumerate(lines) if regex.search(line)), None)
            if where is None:
                raise CommandExecutionError("Cannot edit marked block. Markers were not found in file.")
            at = where + 1 if insert_after_match else where
            if at > 0 and insert_after_match and not new[at - 1].endswith(("\n", "\r")):
                new[at - 1] += linesep
            new[at:at] = block()
        else:
            raise CommandExecutionError("Cannot edit marked block. Markers were not found in file.")
    return "".join(new)


# ---- file.line -----------------------------------------------------------------------------------

LINE_MODES = ("insert", "ensure", "delete", "replace")


def _anchor(rows: list[list[str]], regex: Any) -> list[int] | None:
    """Indexes of rows matching ``regex`` (as a regex or as a plain substring); None if no regex/rows."""
    if not rows or regex is None or regex == "":
        return None
    regex = str(regex)
    try:
        compiled = re.compile(regex, re.DOTALL)
    except re.error as exc:
        raise CommandExecutionError(f"{exc}: '{regex}'") from None
    return [i for i, (body, _) in enumerate(rows) if compiled.search(body) or regex in body]


def _one(found: list[int], target: str) -> int:
    if len(found) > 1:
        raise CommandExecutionError(f'Found more than expected occurrences in "{target}" expression')
    return found[0]


def _indented(src: str, content: str, indent: bool) -> str:
    if not indent:
        return content
    return src[: len(src) - len(src.lstrip(" \t"))] + content.lstrip()


def _same(body: str, content: str) -> bool:
    return body.strip() == content.strip()


def line_text(
    text: str,
    content: Any = None,
    match: Any = None,
    mode: str | None = None,
    location: str | None = None,
    before: Any = None,
    after: Any = None,
    indent: bool = True,
) -> str:
    """New text after Salt's ``file.line`` edit (see the ``file.line`` docs for the modes).

    Lines are compared without their line endings; new lines get the file's line ending. Unlike
    Salt, ``ensure`` and the before/after checks of ``insert`` ignore indentation, so an ensured
    line next to an indented anchor is not added again on the next run.
    """
    mode = mode.lower() if isinstance(mode, str) else mode
    if mode not in LINE_MODES:
        if mode is None:
            raise CommandExecutionError("Mode was not defined. How to process the file?")
        raise CommandExecutionError(f'Unknown mode: "{mode}"')
    if mode != "delete" and content is None:
        raise CommandExecutionError('Content can only be empty if mode is "delete"')
    content = None if content is None else str(content)
    if before is None and after is None and not match:
        match = content

    rows = [[line[: len(line) - len(eol_of(line))], eol_of(line)] for line in split_lines(text)]
    eol = next((e for _, e in rows if e), os.linesep)
    final_eol = bool(rows) and bool(rows[-1][1])
    matched = _anchor(rows, match)
    after_idx = _anchor(rows, after)
    before_idx = _anchor(rows, before)

    if not rows and mode in ("delete", "replace"):
        pass
    elif mode == "delete":
        if matched:
            victim = rows[matched[0]][0]
            rows = [row for row in rows if row[0] != victim]
    elif mode == "replace":
        if matched:
            row = rows[matched[0]]
            # like a new line: trailing blanks dropped and the ending restored below
            row[:] = [_indented(row[0], content or "", indent), ""]
    elif mode == "insert":
        rows = _insert(rows, content or "", location, before_idx, after_idx, before, after, indent, eol)
    else:
        rows = _ensure(rows, content or "", before_idx, after_idx, indent)

    if not rows:
        return ""
    for row in rows[:-1]:
        if not row[1]:
            row[:] = [row[0].rstrip(), eol]
    if final_eol or (not text and rows):
        rows[-1][1] = rows[-1][1] or eol
    return "".join(body + end for body, end in rows)


def _insert(rows: list[list[str]], content: str, location: str | None, before_idx: list[int] | None,
            after_idx: list[int] | None, before: Any, after: Any, indent: bool, eol: str) -> list[list[str]]:
    if before is None and after is None and location is None:
        raise CommandExecutionError('On insert either "location" or "before/after" conditions are required.')
    if location:
        if location == "start":
            rows.insert(0, [content.rstrip(), ""])
        elif location == "end":
            src = rows[-1][0] if rows else ""
            if rows and not rows[-1][1]:
                rows[-1][1] = eol
            rows.append([_indented(src, content, indent) if rows else content, ""])
        else:
            raise CommandExecutionError(f'Unknown location: "{location}". Valid locations are: start, end')
        return rows
    if before_idx and after_idx:
        _one(before_idx, "before")
        _one(after_idx, "after")
        at = before_idx[0]
        rows.insert(at, [_indented(rows[at][0], content, indent), ""])
    elif after_idx:
        at = _one(after_idx, "after")
        nxt = rows[at + 1][0] if at + 1 < len(rows) else None
        if nxt is None or not _same(nxt, content):
            rows.insert(at + 1, [_indented(rows[at][0], content, indent), ""])
    elif before_idx:
        at = _one(before_idx, "before")
        if at == 0 or not _same(rows[at - 1][0], content):
            rows.insert(at, [_indented(rows[at][0], content, indent), ""])
    else:
        raise CommandExecutionError("Neither before or after was found in file")
    return rows


def _ensure(rows: list[list[str]], content: str, before_idx: list[int] | None, after_idx: list[int] | None,
            indent: bool) -> list[list[str]]:
    if before_idx and after_idx:
        a = _one(after_idx, "after")
        b = _one(before_idx, "before")
        if a + 1 == b:
            rows.insert(a + 1, [_indented(rows[a][0], content, indent), ""])
        elif a + 2 == b:
            rows[a + 1][0] = _indented(rows[a][0], content, indent)
        else:
            raise CommandExecutionError('Found more than one line between boundaries "before" and "after".')
    elif before_idx:
        b = _one(before_idx, "before")
        if b == 0 or not _same(rows[b - 1][0], content):
            rows.insert(b, [_indented(rows[b - 1][0] if b else rows[b][0], content, indent), ""])
    elif after_idx:
        a = _one(after_idx, "after")
        if a + 1 >= len(rows) or not _same(rows[a + 1][0], content):
            rows.insert(a + 1, [_indented(rows[a][0], content, indent), ""])
    else:
        raise CommandExecutionError(
            "Wrong conditions? Unable to ensure line without knowing where to put it before and/or after.")
    return rows


# ---- file.comment_line -----------------------------------------------------------------------------


def comment_regex(regex: str, char: str = "#", cmnt: bool = True) -> str:
    """The line regex Salt uses: the user's regex grouped, or ``^<char>\\s*(regex)`` to uncomment."""
    body = regex.lstrip("^").rstrip("$")
    tail = "$" if regex.endswith("$") else ""
    if cmnt:
        return f"{'^' if regex.startswith('^') else ''}({body}){tail}"
    return rf"^{re.escape(char)}\s*({body}){tail}"


def comment_text(
    text: str, regex: Any, char: str = "#", cmnt: bool = True
) -> tuple[str, list[str], list[str]]:
    """``(new text, changed lines before, changed lines after)``: comment or uncomment matching lines.

    A line matches when the regex matches at its start (``re.match``, line ending excluded).
    Commenting prefixes ``char``; uncommenting strips every leading ``char`` character.
    """
    char = "#" if char is None else str(char)
    compiled = _compile(comment_regex(str(regex), char, cmnt))
    out, before, after = [], [], []
    for line in split_lines(text):
        end = eol_of(line)
        body = line[: len(line) - len(end)]
        if compiled.match(body):
            new = f"{char}{line}" if cmnt else line.lstrip(char)
            before.append(line)
            after.append(new)
            out.append(new)
        else:
            out.append(line)
    return "".join(out), before, after
