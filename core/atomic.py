"""Atomic file writes: readers see the old file or the new one, never a half-written file.

The data goes to a temporary file in the target's directory, is flushed and fsync'ed, gets its
mode and owner, and only then is renamed over the target (``rename(2)`` is atomic within a file
system). Any failure before the rename removes the temporary file and leaves the target untouched.
An existing target keeps its mode and owner unless new ones are given; a new file gets
``0666 & ~umask`` like ``open()`` would give it. Writing through a symlink replaces the link's
target, not the link.

Also here: the small ownership and mode helpers every file-touching module needs (Salt's
``0644`` / ``644`` / ``'0o644'`` spellings, user and group names or ids).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from saline.errors import CommandExecutionError, SaltInvocationError


def normalize_mode(mode: Any) -> str | None:
    """Salt's four-digit mode string: ``644``, ``'0644'``, ``'0o644'`` -> ``'0644'``; None stays None.

    An int is read as octal *digits* (YAML turns ``0644`` into 644), as Salt does.
    """
    if mode is None or mode == "":
        return None
    text = str(mode).strip().strip("'\"").replace("0o", "0", 1).lstrip("0")
    return text.zfill(4)


def mode_bits(mode: Any) -> int | None:
    """Permission bits of a user-given mode (see :func:`normalize_mode`); raises on bad input."""
    text = normalize_mode(mode)
    if text is None:
        return None
    try:
        value = int(text, 8)
    except ValueError:
        raise SaltInvocationError(f"Invalid mode {mode!r}: expected octal digits such as 0644") from None
    if value > 0o7777:
        raise SaltInvocationError(f"Invalid mode {mode!r}: expected octal digits such as 0644")
    return value


def mode_string(st_mode: int) -> str:
    """``'0644'`` for a stat mode (permission and set-id/sticky bits only)."""
    return normalize_mode(oct(stat.S_IMODE(st_mode))) or "0000"


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def user_to_uid(user: Any) -> int | None:
    """uid of a user name or numeric id; None when ``user`` is empty; raise when unknown."""
    import pwd

    if user is None or user == "":
        return None
    if isinstance(user, int) and not isinstance(user, bool):
        return user
    try:
        return pwd.getpwnam(str(user)).pw_uid
    except KeyError:
        if str(user).isdigit():
            return int(user)
        raise CommandExecutionError(f"User '{user}' does not exist") from None


def group_to_gid(group: Any) -> int | None:
    """gid of a group name or numeric id; None when ``group`` is empty; raise when unknown."""
    import grp

    if group is None or group == "":
        return None
    if isinstance(group, int) and not isinstance(group, bool):
        return group
    try:
        return grp.getgrnam(str(group)).gr_gid
    except KeyError:
        if str(group).isdigit():
            return int(group)
        raise CommandExecutionError(f"Group '{group}' does not exist") from None


def apply_owner_mode(
    path: str,
    mode: Any = None,
    user: Any = None,
    group: Any = None,
    follow_symlinks: bool = True,
) -> None:
    """chown/chmod ``path`` to the given user, group and mode (None leaves each as it is)."""
    uid, gid = user_to_uid(user), group_to_gid(group)
    if uid is not None or gid is not None:
        os.chown(path, -1 if uid is None else uid, -1 if gid is None else gid,
                 follow_symlinks=follow_symlinks)
    bits = mode_bits(mode)
    if bits is not None and (follow_symlinks or not os.path.islink(path)):
        os.chmod(path, bits)


def _target(path: str) -> str:
    """The file a write to ``path`` should replace: the final target of a symlink chain."""
    return os.path.realpath(path) if os.path.islink(path) else os.path.abspath(path)


def atomic_write(
    path: str,
    data: bytes | str,
    *,
    mode: Any = None,
    user: Any = None,
    group: Any = None,
    encoding: str = "utf-8",
    keep_attrs: bool = True,
    fsync: bool = True,
) -> str:
    """Replace ``path`` with ``data`` atomically; return the path actually written (a symlink's target).

    ``mode``/``user``/``group`` are applied to the temporary file before the rename, so the new file
    never exists with the wrong permissions. With ``keep_attrs`` an existing file's mode and owner
    are kept for whatever is not given.
    """
    payload = data.encode(encoding, errors="surrogateescape") if isinstance(data, str) else data
    return _replace(path, lambda handle: handle.write(payload), mode, user, group, keep_attrs, fsync)


def atomic_copy(
    source: str,
    path: str,
    *,
    mode: Any = None,
    user: Any = None,
    group: Any = None,
    keep_attrs: bool = True,
    fsync: bool = True,
) -> str:
    """Like :func:`atomic_write` with the contents of file ``source`` (streamed, not read into memory)."""
    import shutil

    def fill(handle: BinaryIO) -> None:
        with open(source, "rb") as src:
            shutil.copyfileobj(src, handle, 1024 * 1024)

    return _replace(path, fill, mode, user, group, keep_attrs, fsync)


def _replace(
    path: str,
    fill: Callable[[BinaryIO], Any],
    mode: Any,
    user: Any,
    group: Any,
    keep_attrs: bool,
    fsync: bool,
) -> str:
    target = _target(path)
    directory = os.path.dirname(target) or "."
    if not os.path.isdir(directory):
        raise CommandExecutionError(f"Cannot write {path}: directory {directory} does not exist")
    if os.path.isdir(target):
        raise CommandExecutionError(f"Cannot write {path}: it is a directory")
    old = None
    if keep_attrs:
        try:
            old = os.stat(target)
        except FileNotFoundError:
            old = None
    bits = mode_bits(mode)
    if bits is None:
        bits = stat.S_IMODE(old.st_mode) if old is not None else 0o666 & ~current_umask()
    uid = user_to_uid(user)
    gid = group_to_gid(group)
    kept_uid = old.st_uid if old is not None and uid is None else None
    kept_gid = old.st_gid if old is not None and gid is None else None

    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".saline-tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            fill(handle)
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
        if uid is not None or gid is not None:
            os.chown(tmp, -1 if uid is None else uid, -1 if gid is None else gid)
        if kept_uid is not None or kept_gid is not None:
            try:
                os.chown(tmp, -1 if kept_uid is None else kept_uid, -1 if kept_gid is None else kept_gid)
            except PermissionError:
                pass  # not root: keeping another owner is impossible, the content still gets written
        # chmod after chown: chown clears set-id bits
        os.chmod(tmp, bits)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise CommandExecutionError(f"Cannot write {path}: {exc.strerror or exc}") from exc
        raise
    if fsync:
        pending = _DEFERRED_DIRS.get()
        if pending is None:
            _fsync_dir(directory)
        else:
            pending.add(directory)
    return target


_DEFERRED_DIRS: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("saline_deferred_dirs",
                                                                                 default=None)


@contextlib.contextmanager
def deferred_directory_sync() -> Iterator[None]:
    """Inside this block, directories of replaced files are flushed once each, at the end of the block.

    Each file's data is still flushed before its rename (no file is ever seen empty or half-written); only
    the directory flush that makes the renames durable is batched - a state run writing 500 files into
    one directory flushes that directory once, when the run ends.
    """
    dirs: set[str] = set()
    token = _DEFERRED_DIRS.set(dirs)
    try:
        yield
    finally:
        _DEFERRED_DIRS.reset(token)
        for directory in sorted(dirs):
            _fsync_dir(directory)


def _fsync_dir(directory: str) -> None:
    """Make the rename itself durable (best effort: not every file system allows it)."""
    try:
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def copy_attrs_from(source: str, dest: str) -> None:
    """Give ``dest`` the owner and mode of ``source`` (used for backups of edited files)."""
    st = os.stat(source)
    try:
        os.chown(dest, st.st_uid, st.st_gid)
    except PermissionError:
        pass  # not root: the copy stays ours, the mode below still applies
    os.chmod(dest, stat.S_IMODE(st.st_mode))
