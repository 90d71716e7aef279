"""Property tests for the pure edits behind file.line, file.replace, file.blockreplace and file.comment."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from saline.modules.file_text import (
    blockreplace_text,
    comment_text,
    line_text,
    replace_bytes,
    split_lines,
    unified_diff,
)

WORD = st.text(alphabet="abcxyz=_ 0123456789.", min_size=0, max_size=12)
PLAIN_LINE = WORD.filter(lambda s: "ANCHOR" not in s and "key" not in s)
EOL = st.sampled_from(["\n", "\r\n"])
INDENT = st.sampled_from(["", "  ", "\t", "    "])
CONTENT = st.text(alphabet="abcdefgh=_ 12345", min_size=1, max_size=15).filter(lambda s: s.strip() != "")


@st.composite
def file_with_anchor(draw):
    """(text, eol) with exactly one line 'ANCHOR' (possibly indented) among plain lines."""
    eol = draw(EOL)
    before = draw(st.lists(PLAIN_LINE, max_size=6))
    after = draw(st.lists(PLAIN_LINE, max_size=6))
    lines = [*before, draw(INDENT) + "ANCHOR", *after]
    final = draw(st.booleans())
    return eol.join(lines) + (eol if final else ""), eol


@settings(max_examples=200, deadline=None)
@given(file_with_anchor(), CONTENT, st.sampled_from(["after", "before"]), st.booleans())
def test_line_ensure_is_idempotent(doc, content, side, indent):
    text, eol = doc
    kwargs = {"content": content, "mode": "ensure", side: "^\\s*ANCHOR$", "indent": indent}
    once = line_text(text, **kwargs)
    assert line_text(once, **kwargs) == once
    rows = split_lines(once)
    anchor = next(i for i, row in enumerate(rows) if row.strip() == "ANCHOR")
    neighbour = rows[anchor + 1] if side == "after" else rows[anchor - 1]
    assert neighbour.strip() == content.strip()
    # the file keeps its line ending style: no bare LF sneaks into a CRLF file
    if eol == "\r\n" and eol in text:
        assert "\n" not in once.replace("\r\n", "")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab \r\n", max_size=40))
def test_line_noop_edit_is_lossless(text):
    # nothing matches: the file comes back byte for byte, whatever its line endings
    assert line_text(text, content="zzz", match="^zzz-never$", mode="replace") == text


@settings(max_examples=150, deadline=None)
@given(file_with_anchor(), CONTENT)
def test_line_replace_is_idempotent(doc, content):
    text, _ = doc
    kwargs = {"content": "ANCHOR " + content, "match": "ANCHOR", "mode": "replace"}
    once = line_text(text, **kwargs)
    assert line_text(once, **kwargs) == once
    assert sum(1 for row in split_lines(once) if "ANCHOR" in row) == 1


@settings(max_examples=150, deadline=None)
@given(st.lists(PLAIN_LINE, max_size=8), EOL, st.text(alphabet="abc123", min_size=1, max_size=6),
       st.sampled_from(["append_if_not_found", "prepend_if_not_found"]))
def test_replace_key_value_is_idempotent(lines, eol, value, where):
    data = (eol.join(lines) + eol if lines else "").encode()
    kwargs = {where: True}
    once, _ = replace_bytes(data, "^key=.*?$", f"key={value}", **kwargs)
    twice, found = replace_bytes(once, "^key=.*?$", f"key={value}", **kwargs)
    assert twice == once and found
    assert once.count(f"key={value}".encode()) == 1


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="ab\n ", max_size=30), st.text(alphabet="ab", min_size=1, max_size=3),
       st.text(alphabet="xy", max_size=3))
def test_replace_literal_replaces_every_occurrence_in_one_pass(text, needle, repl):
    # One left-to-right pass, like str.replace: "aabb" with "ab" -> "" gives "ab" (no second pass).
    new, found = replace_bytes(text.encode(), re.escape(needle), repl)
    assert found == (needle in text)
    assert new == text.replace(needle, repl).encode()


@settings(max_examples=150, deadline=None)
@given(st.lists(PLAIN_LINE, max_size=6), st.lists(CONTENT, min_size=1, max_size=4), st.booleans())
def test_blockreplace_is_idempotent_and_keeps_content(lines, content_lines, newline):
    text = "".join(line + "\n" for line in lines)
    content = "\n".join(content_lines) + "\n"
    kwargs = {"content": content, "append_if_not_found": True, "append_newline": newline}
    once = blockreplace_text(text, **kwargs)
    assert blockreplace_text(once, **kwargs) == once
    start = once.index("#-- start managed zone --\n") + len("#-- start managed zone --\n")
    end = once.index("#-- end managed zone --")
    expected = content + ("\n" if newline else "")
    assert once[start:end] == expected
    assert once.startswith(text)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(PLAIN_LINE, PLAIN_LINE.map(lambda s: "key" + s)), max_size=8))
def test_comment_then_uncomment_restores(lines):
    text = "".join(line + "\n" for line in lines)
    commented, before, _ = comment_text(text, "^key", "#", True)
    assert len(before) == sum(1 for line in lines if line.startswith("key"))
    restored, _, _ = comment_text(commented, "key", "#", False)
    assert restored == text
    # commenting again finds nothing left to comment
    again, before_again, _ = comment_text(commented, "^key", "#", True)
    assert again == commented and before_again == []


@given(st.text(alphabet="ab\n", max_size=20), st.text(alphabet="ab\n", max_size=20))
def test_diff_empty_iff_equal(old, new):
    assert (unified_diff(old, new) == "") == (old == new)
