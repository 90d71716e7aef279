"""Property tests of the file states' pure helpers, and the planning guard of their system access."""

from __future__ import annotations

import os
import pathlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from saline.errors import ActionRefusedError
from saline.loader import Context
from saline.states.file_common import StateError, content_diff, normalize_mode
from saline.states.file_edit import keyvalue_edit, whitespace_regex
from saline.states.file_sys import FS

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-./=:$[]", min_size=1, max_size=8)


@given(st.integers(min_value=0, max_value=0o7777))
def test_mode_spellings_agree(value: int) -> None:
    digits = f"{value:o}"
    want = f"{value:04o}"
    assert normalize_mode(int(digits)) == want  # YAML's 0644 arrives as the int 644
    assert normalize_mode(digits) == want
    assert normalize_mode("0" + digits) == want
    assert normalize_mode("0o" + digits) == want


@given(st.sampled_from(["8", "0648", "abc", "12345", "-1"]))
def test_bad_modes_are_refused(text: str) -> None:
    with pytest.raises(StateError):
        normalize_mode(text)


@given(st.lists(WORD, min_size=1, max_size=6), st.lists(st.sampled_from([" ", "  ", "\t"]), min_size=6, max_size=6))
def test_whitespace_regex_ignores_spacing(words: list[str], gaps: list[str]) -> None:
    spaced = "".join(w + g for w, g in zip(words, gaps, strict=False)).rstrip()
    assert re.search(whitespace_regex(" ".join(words)), f"before\n{spaced}\nafter\n")


@given(st.lists(WORD, min_size=2, max_size=4, unique=True))
def test_whitespace_regex_needs_every_word(words: list[str]) -> None:
    assert not re.search(whitespace_regex(" ".join(words)), " ".join(words[:-1]) + "\n")


KEY = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=6)
VALUE = st.text(alphabet="abcdefghij0123456789", min_size=1, max_size=6)


@settings(max_examples=200)
@given(st.dictionaries(KEY, VALUE, min_size=1, max_size=4),
       st.lists(st.tuples(KEY, VALUE), max_size=6),
       st.sampled_from([1, -1]))
def test_keyvalue_converges(wanted: dict[str, str], existing: list[tuple[str, str]], count: int) -> None:
    lines = [f"{k}={v}\n" for k, v in existing]
    once, _, _ = keyvalue_edit(lines, wanted, "=", True, False, count, None, False, False)
    twice, diff, changes = keyvalue_edit(once, wanted, "=", True, False, count, None, False, False)
    assert (twice, diff, changes) == (once, [], 0)
    final = [line for line in once if line]
    for key, value in wanted.items():
        if count == 1:  # exactly one line per key, appended when missing
            assert [line for line in final if line.partition("=")[0] == key] == [f"{key}={value}\n"]
        else:  # every occurrence updated; missing keys are not appended (count -1 never runs out, as in Salt)
            assert all(line == f"{key}={value}\n" for line in final if line.partition("=")[0] == key)


@given(st.binary(max_size=200), st.binary(max_size=200))
def test_content_diff_is_empty_only_for_equal_contents(a: bytes, b: bytes) -> None:
    assert (content_diff(a, b) == "") == (a == b)


def _patch(old: list[str], diff: str) -> list[str]:
    """Apply a unified diff to ``old`` (lines with their newlines)."""
    out: list[str] = []
    pos = 0
    lines = diff.splitlines(keepends=True)[2:]
    for line in lines:
        if line.startswith("@@"):
            start = int(re.match(r"@@ -(\d+)", line).group(1))
            start = start - 1 if start else 0
            out.extend(old[pos:start])
            pos = start
        elif line.startswith(" "):
            out.append(line[1:])
            pos += 1
        elif line.startswith("-"):
            pos += 1
        elif line.startswith("+"):
            out.append(line[1:])
    return out + old[pos:]


TEXT_LINES = st.lists(st.text(alphabet="abc xyz", max_size=5), max_size=12)


@given(TEXT_LINES, TEXT_LINES)
def test_text_diff_turns_old_into_new(old: list[str], new: list[str]) -> None:
    a = [f"{line}\n" for line in old]
    b = [f"{line}\n" for line in new]
    diff = content_diff("".join(a).encode(), "".join(b).encode())
    if a != b:
        assert diff.startswith("--- \n+++ \n@@ ")
        assert _patch(a, diff) == b


def test_writes_are_refused_while_planning(tmp_path: pathlib.Path) -> None:
    ctx = Context({"id": "x"}).planning_view()
    fs = FS(ctx)
    target = tmp_path / "f"
    with pytest.raises(ActionRefusedError):
        fs.write_bytes(str(target), b"data")
    with pytest.raises(ActionRefusedError):
        fs.lchown(str(tmp_path), "root", "root")
    with pytest.raises(ActionRefusedError):
        fs.remove(str(tmp_path))
    assert not target.exists()
    assert fs.stats(str(target)) is None
    assert fs.stats(str(tmp_path))["type"] == "dir"


def test_write_bytes_sets_mode_before_the_file_appears(tmp_path: pathlib.Path) -> None:
    fs = FS(Context({"id": "x"}))
    target = tmp_path / "secret"
    fs.write_bytes(str(target), b"s3cret", mode="0600")
    assert target.read_bytes() == b"s3cret"
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    link = tmp_path / "link"
    os.symlink(target, link)
    fs.write_bytes(str(link), b"through", follow_symlinks=True)
    assert link.is_symlink() and target.read_bytes() == b"through"
    fs.write_bytes(str(link), b"replaced", follow_symlinks=False)
    assert not link.is_symlink() and link.read_bytes() == b"replaced" and target.read_bytes() == b"through"
