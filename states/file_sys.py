"""The file states' only door to the system: ``file.*`` execution functions, bound to one context.

Reads go through ``file.*`` queries, so they also work while planning. Changes go through ``file.*``
actions, which the loader refuses while planning, so a plan can never touch the disk.

Two changes have no ``file.*`` action yet and are done here, behind the same planning guard:
writing given bytes atomically with their final mode and owner (:meth:`FS.write_bytes`, through
:func:`saline.atomic.atomic_write`) and changing the owner of a symlink itself (:meth:`FS.lchown`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from saline.errors import ActionRefusedError, CommandExecutionError, SaltInvocationError


class FS:
    """File-system access for one state call (``ctx`` planning or acting)."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.salt = ctx.salt

    # ---- queries ----------------------------------------------------------------------------------

    def stats(self, path: str, follow: bool = True) -> dict[str, Any] | None:
        """``file.stats`` of ``path``, or None when nothing is there.

        Following a dangling symlink gives None (the link itself is not the file asked for).
        """
        try:
            found = self.salt["file.stats"](path, None, follow)
        except (CommandExecutionError, SaltInvocationError):
            return None
        if follow and found.get("type") == "link":
            return None
        return found

    def lexists(self, path: str) -> bool:
        return self.stats(path, follow=False) is not None

    def exists(self, path: str) -> bool:
        return self.stats(path, follow=True) is not None

    def isfile(self, path: str) -> bool:
        return bool(self.salt["file.file_exists"](path))

    def isdir(self, path: str) -> bool:
        return bool(self.salt["file.directory_exists"](path))

    def islink(self, path: str) -> bool:
        return bool(self.salt["file.is_link"](path))

    def readlink(self, path: str) -> str:
        return str(self.salt["file.readlink"](path))

    def read(self, path: str) -> bytes:
        data = self.salt["file.read"](path, binary=True)
        return data if isinstance(data, bytes) else str(data).encode("utf-8")

    def listdir(self, path: str) -> list[str]:
        """Entries of directory ``path``, sorted (so results and comments are stable)."""
        return sorted(e for e in self.salt["file.readdir"](path) if e not in (".", ".."))

    def walk(self, top: str, max_depth: int | None = None) -> Iterator[tuple[str, list[str], list[str]]]:
        """``os.walk`` top-down with sorted entries; symlinks to directories count as files (not followed)."""
        pending = [(top, 0)]
        while pending:
            root, depth = pending.pop(0)
            dirs, files = [], []
            for entry in self.listdir(root):
                found = self.stats(os.path.join(root, entry), follow=False)
                if found is not None and found["type"] == "dir":
                    dirs.append(entry)
                else:
                    files.append(entry)
            yield root, dirs, files
            if max_depth is None or depth + 1 < max_depth:
                pending[:0] = [(os.path.join(root, d), depth + 1) for d in dirs]

    def user_to_uid(self, user: Any) -> int | str:
        return self.salt["file.user_to_uid"](user)

    def group_to_gid(self, group: Any) -> int | str:
        return self.salt["file.group_to_gid"](group)

    def uid_to_user(self, uid: Any) -> Any:
        return self.salt["file.uid_to_user"](uid)

    def gid_to_group(self, gid: Any) -> Any:
        return self.salt["file.gid_to_group"](gid)

    def search(self, path: str, pattern: str) -> bool:
        return bool(self.salt["file.search"](path, pattern, multiline=True))

    # ---- actions ----------------------------------------------------------------------------------

    def _guard(self, what: str) -> None:
        if self.ctx.planning:
            raise ActionRefusedError(f"{what} changes the system and cannot run while planning (test=True)")

    def mkdir(self, path: str, user: Any = None, group: Any = None, mode: Any = None) -> None:
        self.salt["file.mkdir"](path, user=user, group=group, mode=mode)

    def makedirs(self, path: str, user: Any = None, group: Any = None, mode: Any = None) -> str | None:
        """Create the missing parents of ``path`` (Salt's ``file.makedirs``); a message when nothing was done."""
        return self.salt["file.makedirs"](path, user=user, group=group, mode=mode)

    def remove(self, path: str) -> None:
        self.salt["file.remove"](path)

    def rename(self, src: str, dst: str) -> None:
        self.salt["file.rename"](src, dst)

    def symlink(self, target: str, path: str, force: bool = False) -> None:
        self.salt["file.symlink"](target, path, force=force)

    def chown(self, path: str, user: Any, group: Any) -> str | None:
        return self.salt["file.chown"](path, user, group)

    def set_mode(self, path: str, mode: Any) -> str:
        return str(self.salt["file.set_mode"](path, mode))

    def touch(self, path: str, atime: Any = None, mtime: Any = None) -> bool:
        return bool(self.salt["file.touch"](path, atime, mtime))

    def copy(self, src: str, dst: str, recurse: bool = False) -> None:
        self.salt["file.copy"](src, dst, recurse=recurse)

    def call(self, fun: str, *args: Any, **kwargs: Any) -> Any:
        return self.salt[fun](*args, **kwargs)

    def lchown(self, path: str, user: Any, group: Any) -> None:
        """Owner of ``path`` itself, also when it is a symlink (no ``file.lchown`` action yet)."""
        self._guard("lchown")
        uid = -1 if user in (None, "") else self.user_to_uid(user)
        gid = -1 if group in (None, "") else self.group_to_gid(group)
        if uid == "" or gid == "":
            raise CommandExecutionError(f"Cannot change owner of {path}: unknown user or group")
        try:
            os.lchown(path, int(uid), int(gid))
        except OSError as exc:
            raise CommandExecutionError(f"Cannot change owner of {path}: {exc.strerror or exc}") from None

    def write_bytes(self, path: str, data: bytes, *, mode: Any = None, user: Any = None, group: Any = None,
                    follow_symlinks: bool = True) -> None:
        """Replace ``path`` with ``data`` atomically; mode and owner are set before the rename.

        A symlink is written through (its target replaced) unless ``follow_symlinks`` is false: then
        the new file is renamed over the link itself.
        """
        self._guard("writing a file")
        from saline.atomic import atomic_write

        if follow_symlinks or not self.islink(path):
            atomic_write(path, data, mode=mode, user=user, group=group, keep_attrs=True)
            return
        directory, base = os.path.split(path)
        temp = os.path.join(directory, f".{base}.{os.urandom(4).hex()}.saline-new")
        atomic_write(temp, data, mode=mode, user=user, group=group, keep_attrs=False)
        try:
            self.rename(temp, path)
        except BaseException:
            if self.lexists(temp):
                self.remove(temp)
            raise


def file_type(found: dict[str, Any] | None) -> str | None:
    """The ``type`` of a :meth:`FS.stats` result (``file``, ``dir``, ``link``, ...), or None."""
    return None if found is None else str(found.get("type"))


def is_regular(found: dict[str, Any] | None) -> bool:
    return found is not None and found.get("type") == "file"

