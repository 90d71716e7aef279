"""Failure injection: a write that fails midway leaves the old file intact and no temp file behind."""

from __future__ import annotations

import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from file_states_support import run_state


@pytest.fixture
def work(tmp_path: pathlib.Path) -> pathlib.Path:
    for d in ("w", "srv", "pillar", "cache"):
        (tmp_path / d).mkdir()
    return tmp_path


def _fail_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up while the new contents are flushed."""
    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)


@pytest.mark.parametrize("state,args", [
    ("file.managed", {"contents": "new contents"}),
    ("file.managed", {"contents": "new contents", "mode": 600, "user": "nobody"}),
    ("file.serialize", {"dataset": {"a": 1}, "serializer": "json"}),
    ("file.keyvalue", {"key": "k", "value": "new"}),
    ("file.replace", {"pattern": "old", "repl": "new"}),
    ("file.blockreplace", {"content": "new", "append_if_not_found": True}),
    ("file.line", {"content": "new", "mode": "insert", "location": "end"}),
    ("file.append", {"text": "new"}),
    ("file.prepend", {"text": "new"}),
    ("file.comment", {"regex": "^k"}),
])
def test_failed_write_keeps_old_file(work: pathlib.Path, monkeypatch: pytest.MonkeyPatch, state: str,
                                     args: dict) -> None:
    target = work / "w" / "f.conf"
    target.write_text("k=old\n")
    os.chmod(target, 0o640)
    _fail_fsync(monkeypatch)
    got = run_state(work, state, {"name": str(target), **args}, {}, False)
    assert got["result"] is False, got
    assert any(text in got["comment"] for text in ("No space left on device", "not writable")), got
    assert target.read_text() == "k=old\n"
    assert oct(target.stat().st_mode & 0o777) == "0o640"
    assert sorted(p.name for p in (work / "w").iterdir()) == ["f.conf"]


def test_failed_write_of_new_file_leaves_nothing(work: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fail_fsync(monkeypatch)
    got = run_state(work, "file.managed", {"name": str(work / "w" / "new"), "contents": "x"}, {}, False)
    assert got["result"] is False
    assert got["comment"].startswith("Unable to manage file: ")
    assert list((work / "w").iterdir()) == []


def test_failed_rename_keeps_old_file(work: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = work / "w" / "f"
    target.write_text("old\n")

    def refuse(src: str, dst: str) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", refuse)
    got = run_state(work, "file.managed", {"name": str(target), "contents": "new"}, {}, False)
    assert got["result"] is False
    assert target.read_text() == "old\n"
    assert [p.name for p in (work / "w").iterdir()] == ["f"]
