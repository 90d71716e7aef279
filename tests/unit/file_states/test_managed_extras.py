"""file.managed details the case files cannot show: backups, check_cmd's temp file, kept modes."""

from __future__ import annotations

import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from file_states_support import run_state, run_state_direct


def _base(tmp_path: pathlib.Path) -> pathlib.Path:
    for d in ("w", "srv", "pillar", "cache"):
        (tmp_path / d).mkdir()
    return tmp_path


def test_backup_minion_keeps_a_dated_copy(tmp_path: pathlib.Path) -> None:
    base = _base(tmp_path)
    target = base / "w" / "app.conf"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    got = run_state(base, "file.managed", {"name": str(target), "contents": "new", "backup": "minion"}, {}, False)
    assert got["result"] is True and target.read_text() == "new\n"
    copies = list((base / "cache" / "file_backup").rglob("app.conf_*"))
    assert len(copies) == 1
    assert copies[0].parent == base / "cache" / "file_backup" / str(target.parent).lstrip("/")
    assert copies[0].read_text() == "old\n"
    assert oct(copies[0].stat().st_mode & 0o777) == "0o640"


def test_no_backup_by_default(tmp_path: pathlib.Path) -> None:
    base = _base(tmp_path)
    target = base / "w" / "f"
    target.write_text("old\n")
    run_state(base, "file.managed", {"name": str(target), "contents": "new"}, {}, False)
    assert not (base / "cache" / "file_backup").exists()


def test_check_cmd_sees_the_new_contents_with_tmp_ext(tmp_path: pathlib.Path) -> None:
    base = _base(tmp_path)
    target = base / "w" / "nginx.conf"
    seen = base / "seen"
    script = base / "check.sh"
    script.write_text(f'#!/bin/sh\ncase "$1" in *.conf) ;; *) exit 3;; esac\ncat "$1" > {seen}\n')
    os.chmod(script, 0o755)
    args = {"name": str(target), "contents": "server {}", "check_cmd": str(script), "tmp_ext": ".conf",
            "tmp_dir": str(base / "cache")}
    got = run_state_direct(base, "file.managed", args, {}, False)
    assert got["result"] is True, got
    assert seen.read_text() == "server {}\n" and target.read_text() == "server {}\n"
    assert list((base / "cache").iterdir()) == []  # the temp file is gone


def test_check_cmd_failure_reports_output_and_keeps_the_file(tmp_path: pathlib.Path) -> None:
    base = _base(tmp_path)
    target = base / "w" / "f"
    target.write_text("good\n")
    args = {"name": str(target), "contents": "bad", "check_cmd": "sh -c 'echo syntax error >&2; exit 1' x"}
    got = run_state_direct(base, "file.managed", args, {}, False)
    assert got == {"result": False, "comment": "check_cmd execution failed\nsyntax error", "changes": {}}
    assert target.read_text() == "good\n"


def test_mode_keep_copies_a_local_source_mode(tmp_path: pathlib.Path) -> None:
    base = _base(tmp_path)
    source = base / "w" / "tool.sh"
    source.write_text("#!/bin/sh\n")
    os.chmod(source, 0o750)
    target = base / "w" / "copy.sh"
    got = run_state(base, "file.managed", {"name": str(target), "source": str(source), "mode": "keep"}, {}, False)
    assert got["changes"] == {"diff": "New file", "mode": "0750"}
    assert oct(target.stat().st_mode & 0o777) == "0o750"


def test_unsupported_options_are_refused(tmp_path: pathlib.Path) -> None:
    base = _base(tmp_path)
    for extra in ({"attrs": "i"}, {"selinux": {"setype": "etc_t"}}, {"source": "https://example.com/f"}):
        got = run_state(base, "file.managed", {"name": str(base / "w" / "f"), **extra}, {}, False)
        assert got["result"] is False and "not supported" in got["comment"], got
    assert list((base / "w").iterdir()) == []
