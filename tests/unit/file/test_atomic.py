"""saline.atomic: whole-file replacement, permissions before the rename, and failures that leave the old file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from saline import atomic
from saline.errors import CommandExecutionError, SaltInvocationError


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_write_new_file_uses_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        atomic.atomic_write(str(tmp_path / "f"), "hello\n")
    finally:
        os.umask(old)
    assert (tmp_path / "f").read_text() == "hello\n"
    assert _mode(tmp_path / "f") == 0o640


def test_existing_file_keeps_mode_and_gets_new_inode(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_text("old")
    target.chmod(0o604)
    inode = target.stat().st_ino
    atomic.atomic_write(str(target), b"new")
    assert target.read_bytes() == b"new" and _mode(target) == 0o604
    assert target.stat().st_ino != inode


def test_explicit_mode_owner(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_text("old")
    atomic.atomic_write(str(target), "x", mode="0o640", user=os.geteuid(), group=os.getegid())
    assert _mode(target) == 0o640


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_owner_applied_before_rename(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "f"
    seen = {}
    real_replace = os.replace

    def spy(src, dst):
        st = os.stat(src)
        seen.update(uid=st.st_uid, mode=stat.S_IMODE(st.st_mode))
        return real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", spy)
    atomic.atomic_write(str(target), "x", mode=600, user="nobody")
    import pwd

    assert seen == {"uid": pwd.getpwnam("nobody").pw_uid, "mode": 0o600}
    assert target.stat().st_uid == seen["uid"]


def test_interrupted_write_leaves_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "f"
    target.write_text("precious\n")
    target.chmod(0o640)

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(CommandExecutionError, match="No space left on device"):
        atomic.atomic_write(str(target), "half-written garbage")
    assert target.read_text() == "precious\n" and _mode(target) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]  # no temp file left behind


def test_failure_while_writing_data(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "f"
    target.write_text("precious\n")

    def failing_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(atomic.os, "fsync", failing_fsync)
    with pytest.raises(CommandExecutionError, match="Input/output error"):
        atomic.atomic_write(str(target), "new")
    assert target.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_keyboard_interrupt_cleans_up(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "f"
    target.write_text("precious\n")

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic.atomic_write(str(target), "new")
    assert target.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_file_module_write_failure_keeps_file(tmp_path: Path, monkeypatch) -> None:
    from saline.loader import Context

    target = tmp_path / "f.conf"
    target.write_text("a=1\n")
    monkeypatch.setattr(atomic.os, "replace", lambda s, d: (_ for _ in ()).throw(OSError(13, "Permission denied")))
    salt = Context({"pillar": {}}).salt
    with pytest.raises(CommandExecutionError):
        salt["file.replace"](str(target), "a", "b", backup=False)
    assert target.read_text() == "a=1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.conf"]


def test_write_through_symlink_replaces_target(tmp_path: Path) -> None:
    (tmp_path / "real").write_text("old")
    (tmp_path / "link").symlink_to("real")
    written = atomic.atomic_write(str(tmp_path / "link"), "new")
    assert written == str(tmp_path / "real")
    assert (tmp_path / "link").is_symlink() and (tmp_path / "real").read_text() == "new"


def test_refuses_directory_and_missing_parent(tmp_path: Path) -> None:
    with pytest.raises(CommandExecutionError, match="is a directory"):
        atomic.atomic_write(str(tmp_path), "x")
    with pytest.raises(CommandExecutionError, match="does not exist"):
        atomic.atomic_write(str(tmp_path / "no" / "f"), "x")


def test_atomic_copy_streams(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.write_bytes(os.urandom(3 * 1024 * 1024))
    atomic.atomic_copy(str(src), str(tmp_path / "dst"), mode=600)
    assert (tmp_path / "dst").read_bytes() == src.read_bytes() and _mode(tmp_path / "dst") == 0o600


@pytest.mark.parametrize("given,expected", [(644, "0644"), ("0644", "0644"), ("0o755", "0755"), ("2750", "2750"),
                                            (0, "0000"), (None, None)])
def test_normalize_mode(given, expected) -> None:
    assert atomic.normalize_mode(given) == expected


def test_mode_bits_rejects_garbage() -> None:
    with pytest.raises(SaltInvocationError):
        atomic.mode_bits("rwx")
    with pytest.raises(SaltInvocationError):
        atomic.mode_bits(99999)


def test_unknown_owner() -> None:
    with pytest.raises(CommandExecutionError, match="User 'no-such-user-saline' does not exist"):
        atomic.user_to_uid("no-such-user-saline")
    with pytest.raises(CommandExecutionError, match="Group 'no-such-group-saline' does not exist"):
        atomic.group_to_gid("no-such-group-saline")
    assert atomic.user_to_uid("0") == 0 and atomic.user_to_uid(None) is None
