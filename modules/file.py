"""Module ``file``: inspect and edit files and directories, with Salt's names and return shapes.

This file declares the module and its read-only functions; the editing functions live in
``file_edit`` (replace, blockreplace, line, comment, sed and the ``plan_*`` queries), ``file_ops``
(write, copy, symlink, mkdir, chown, ...) and ``file_find`` (find), which register on ``mod``.
Every write goes through :func:`saline.atomic.atomic_write`: a file is replaced whole, never left
half-written, and keeps its mode and owner.
"""

from __future__ import annotations

import fnmatch
import grp
import hashlib
import os
import pwd
import re
import stat
from typing import Any

from saline.atomic import mode_string
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module

mod = Module("file", doc="Inspect and edit files and directories.")

# hex digest length -> hash name, to recognise a bare hash given to check_hash
HASH_LENGTHS = {32: "md5", 40: "sha1", 56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}


def expand(path: Any) -> str:
    """``~`` expanded, as every Salt file function does."""
    if path is None or path == "":
        raise SaltInvocationError("A path is required")
    return os.path.expanduser(str(path))


def read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise CommandExecutionError(f"File not found: {path}") from None
    except IsADirectoryError:
        raise CommandExecutionError(f"{path} is a directory") from None
    except OSError as exc:
        raise CommandExecutionError(f"Unable to read {path}: {exc.strerror or exc}") from None


def uid_to_name(uid: int) -> str | int:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return uid


def gid_to_name(gid: int) -> str | int:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return gid


def hash_file(path: str, form: str = "sha256", chunk_size: int = 65536) -> str:
    form = str(form).lower()
    if form not in hashlib.algorithms_available:
        raise CommandExecutionError(f"Invalid hash type: {form}")
    digest = hashlib.new(form)
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(int(chunk_size)), b""):
                digest.update(chunk)
    except FileNotFoundError:
        raise CommandExecutionError(f"File not found: {path}") from None
    except OSError as exc:
        raise CommandExecutionError(f"Unable to read {path}: {exc.strerror or exc}") from None
    return digest.hexdigest()


_TYPES = ((stat.S_ISDIR, "dir"), (stat.S_ISCHR, "char"), (stat.S_ISBLK, "block"), (stat.S_ISREG, "file"),
          (stat.S_ISLNK, "link"), (stat.S_ISFIFO, "pipe"), (stat.S_ISSOCK, "socket"))


def stat_result(path: str, follow_symlinks: bool = True) -> os.stat_result:
    try:
        return os.stat(path) if follow_symlinks else os.lstat(path)
    except FileNotFoundError:
        try:
            return os.lstat(path)  # a dangling symlink still has stats of its own
        except OSError:
            raise CommandExecutionError(f"Path not found: {path}") from None
    except OSError as exc:
        raise CommandExecutionError(f"Unable to stat {path}: {exc.strerror or exc}") from None


# ---- paths --------------------------------------------------------------------------------------


@mod.query
def file_exists(ctx: Context, path: str) -> bool:
    """True when ``path`` exists and is a regular file (or a symlink to one).

    CLI Example: ``saline-call --local file.file_exists /etc/passwd``
    """
    return os.path.isfile(expand(path))


@mod.query
def directory_exists(ctx: Context, path: str) -> bool:
    """True when ``path`` exists and is a directory (or a symlink to one).

    CLI Example: ``saline-call --local file.directory_exists /etc``
    """
    return os.path.isdir(expand(path))


@mod.query
def dirname(ctx: Context, path: str) -> str:
    """The directory part of ``path`` (``os.path.dirname``: ``/a/b/`` -> ``/a/b``).

    CLI Example: ``saline-call --local file.dirname /etc/hosts``
    """
    return os.path.dirname(str(path))


@mod.query
def basename(ctx: Context, path: str) -> str:
    """The last component of ``path`` (``os.path.basename``: ``/a/b/`` -> ``""``).

    CLI Example: ``saline-call --local file.basename /etc/hosts``
    """
    return os.path.basename(str(path))


@mod.query
def join(ctx: Context, *args: Any) -> str:
    """Join path components (``os.path.join``: a later absolute component restarts the path).

    CLI Example: ``saline-call --local file.join /etc nginx nginx.conf``
    """
    if not args:
        raise SaltInvocationError("file.join needs at least one path component")
    return os.path.join(*(str(a) for a in args))


@mod.query
def readdir(ctx: Context, path: str) -> list[str]:
    """Entries of directory ``path``, starting with ``.`` and ``..`` (unsorted, like Salt).

    CLI Example: ``saline-call --local file.readdir /etc/apt``
    """
    path = expand(path)
    if not os.path.isabs(path):
        raise SaltInvocationError("Dir path must be absolute.")
    if not os.path.isdir(path):
        raise SaltInvocationError("A valid directory was not specified.")
    return [".", "..", *os.listdir(path)]


@mod.query
def read(ctx: Context, path: str, binary: bool = False) -> str | bytes:
    """Contents of ``path``: text (UTF-8) or, with ``binary=True``, bytes.

    CLI Example: ``saline-call --local file.read /etc/hostname``
    """
    data = read_bytes(expand(path))
    return data if binary else data.decode("utf-8", errors="replace")


@mod.query
def is_link(ctx: Context, path: str) -> bool:
    """True when ``path`` is a symbolic link (even a dangling one).

    CLI Example: ``saline-call --local file.is_link /etc/localtime``
    """
    return os.path.islink(expand(path))


@mod.query
def readlink(ctx: Context, path: str, canonicalize: bool = False) -> str:
    """Target of symlink ``path`` as stored; with ``canonicalize`` the fully resolved path.

    CLI Example: ``saline-call --local file.readlink /etc/localtime``
    """
    path = os.path.expandvars(expand(path))
    if not os.path.isabs(path):
        raise SaltInvocationError(f"Path to link must be absolute: {path}")
    if not os.path.islink(path):
        raise SaltInvocationError(f"A valid link was not specified: {path}")
    if canonicalize:
        return os.path.realpath(path)
    return os.readlink(path)


# ---- metadata -----------------------------------------------------------------------------------


@mod.query
def stats(
    ctx: Context, path: str, hash_type: str | None = None, follow_symlinks: bool = True
) -> dict[str, Any]:
    """Metadata of ``path``: ``inode, uid, gid, group, user, atime, mtime, ctime, size, mode, type, target``.

    ``mode`` is a string like ``"0644"``, ``type`` one of file/dir/link/char/block/pipe/socket,
    ``target`` the resolved path. With ``hash_type`` (e.g. ``sha256``) a ``sum`` key is added.

    CLI Example: ``saline-call --local file.stats /etc/passwd hash_type=sha256``
    """
    path = expand(path)
    st = stat_result(path, bool(follow_symlinks))
    ret: dict[str, Any] = {
        "inode": st.st_ino, "uid": st.st_uid, "gid": st.st_gid, "group": gid_to_name(st.st_gid),
        "user": uid_to_name(st.st_uid), "atime": st.st_atime, "mtime": st.st_mtime, "ctime": st.st_ctime,
        "size": st.st_size, "mode": mode_string(st.st_mode),
    }
    if hash_type:
        ret["sum"] = hash_file(path, hash_type)
    ret["type"] = next((name for test, name in _TYPES if test(st.st_mode)), "file")
    ret["target"] = os.path.realpath(path) if follow_symlinks else os.path.abspath(path)
    return ret


@mod.query
def lstat(ctx: Context, path: str) -> dict[str, Any]:
    """``os.lstat`` of ``path`` as a dict of ``st_*`` fields (the link itself for a symlink).

    CLI Example: ``saline-call --local file.lstat /etc/localtime``
    """
    path = expand(path)
    if not os.path.isabs(path):
        raise SaltInvocationError("Path to file must be absolute.")
    try:
        st = os.lstat(path)
    except OSError:
        raise CommandExecutionError(f"Path not found: {path}") from None
    keys = ("st_atime", "st_ctime", "st_gid", "st_mode", "st_mtime", "st_nlink", "st_size", "st_uid")
    return {key: getattr(st, key) for key in keys}


@mod.query
def get_hash(ctx: Context, path: str, form: str = "sha256", chunk_size: int = 65536) -> str:
    """Hex digest of the file's contents with hash ``form`` (md5, sha1, sha256, sha512, ...).

    CLI Example: ``saline-call --local file.get_hash /etc/passwd form=md5``
    """
    return hash_file(expand(path), form, chunk_size)


@mod.query
def check_hash(ctx: Context, path: str, file_hash: str) -> bool:
    """True when the file matches ``file_hash``: ``<type>:<hex>``, ``<type>=<hex>`` or a bare hex digest.

    A bare digest's type is guessed from its length (md5 32, sha1 40, sha224 56, sha256 64, sha384 96,
    sha512 128).

    CLI Example: ``saline-call --local file.check_hash /etc/hosts sha256:abc...``
    """
    if not isinstance(file_hash, str):
        raise SaltInvocationError("hash must be a string")
    for sep in (":", "="):
        if sep in file_hash:
            hash_type, value = file_hash.split(sep, 1)
            break
    else:
        value = file_hash
        hash_type = HASH_LENGTHS.get(len(file_hash), "")
        if not hash_type:
            known = ", ".join(f"{name} ({length})" for length, name in sorted(HASH_LENGTHS.items()))
            raise SaltInvocationError(
                f"Hash {file_hash} (length: {len(file_hash)}) could not be matched to a supported hash type. "
                f"The supported hash types and lengths are: {known}")
    return hash_file(expand(path), hash_type) == value.strip().lower()


@mod.query
def get_user(ctx: Context, path: str, follow_symlinks: bool = True) -> str | int:
    """Name of the owner of ``path`` (the uid when it has no name).

    CLI Example: ``saline-call --local file.get_user /etc/passwd``
    """
    return uid_to_name(stat_result(expand(path), bool(follow_symlinks)).st_uid)


@mod.query
def get_group(ctx: Context, path: str, follow_symlinks: bool = True) -> str | int:
    """Name of the group of ``path`` (the gid when it has no name).

    CLI Example: ``saline-call --local file.get_group /etc/passwd``
    """
    return gid_to_name(stat_result(expand(path), bool(follow_symlinks)).st_gid)


@mod.query
def get_uid(ctx: Context, path: str, follow_symlinks: bool = True) -> int:
    """uid of the owner of ``path``.

    CLI Example: ``saline-call --local file.get_uid /etc/passwd``
    """
    return stat_result(expand(path), bool(follow_symlinks)).st_uid


@mod.query
def get_gid(ctx: Context, path: str, follow_symlinks: bool = True) -> int:
    """gid of the group of ``path``.

    CLI Example: ``saline-call --local file.get_gid /etc/passwd``
    """
    return stat_result(expand(path), bool(follow_symlinks)).st_gid


@mod.query
def get_mode(ctx: Context, path: str, follow_symlinks: bool = True) -> str:
    """Permission bits of ``path`` as a four-digit string, e.g. ``"0644"`` or ``"1777"``.

    CLI Example: ``saline-call --local file.get_mode /etc/passwd``
    """
    return mode_string(stat_result(expand(path), bool(follow_symlinks)).st_mode)


@mod.query
def user_to_uid(ctx: Context, user: Any = None) -> int | str:
    """uid of ``user`` (a name or a number; default: the current user), or ``""`` if unknown.

    CLI Example: ``saline-call --local file.user_to_uid www-data``
    """
    if user is None or user == "":
        return os.geteuid()
    if isinstance(user, int) and not isinstance(user, bool):
        return user
    try:
        return pwd.getpwnam(str(user)).pw_uid
    except KeyError:
        return int(user) if str(user).isdigit() else ""


@mod.query
def group_to_gid(ctx: Context, group: Any = None) -> int | str:
    """gid of ``group`` (a name or a number), or ``""`` if unknown or not given.

    CLI Example: ``saline-call --local file.group_to_gid adm``
    """
    if group is None or group == "":
        return ""
    if isinstance(group, int) and not isinstance(group, bool):
        return group
    try:
        return grp.getgrnam(str(group)).gr_gid
    except KeyError:
        return int(group) if str(group).isdigit() else ""


@mod.query
def uid_to_user(ctx: Context, uid: Any) -> str | int:
    """User name of ``uid`` (the uid itself when it has no name).

    CLI Example: ``saline-call --local file.uid_to_user 0``
    """
    try:
        return uid_to_name(int(uid))
    except (TypeError, ValueError):
        return "" if uid in (None, "") else str(uid)


@mod.query
def gid_to_group(ctx: Context, gid: Any) -> str | int:
    """Group name of ``gid`` (the gid itself when it has no name).

    CLI Example: ``saline-call --local file.gid_to_group 0``
    """
    try:
        return gid_to_name(int(gid))
    except (TypeError, ValueError):
        return "" if gid in (None, "") else str(gid)


# ---- contents -----------------------------------------------------------------------------------


def _maybe_bytes(path: str) -> bytes | None:
    try:
        return read_bytes(path)
    except CommandExecutionError:
        return None


@mod.query
def contains(ctx: Context, path: str, text: Any) -> bool:
    """True when the file contains ``text`` (surrounding whitespace of ``text`` ignored); False if missing.

    CLI Example: ``saline-call --local file.contains /etc/hosts localhost``
    """
    data = _maybe_bytes(expand(path))
    return data is not None and str(text).strip().encode("utf-8") in data


@mod.query
def contains_regex(ctx: Context, path: str, regex: str, lchar: str = "") -> bool:
    """True when a line of the file matches ``regex`` (``re.search``), after stripping leading ``lchar``.

    CLI Example: ``saline-call --local file.contains_regex /etc/hosts '^127\\.'``
    """
    data = _maybe_bytes(expand(path))
    if data is None:
        return False
    try:
        compiled = re.compile(str(regex))
    except re.error as exc:
        raise CommandExecutionError(f"Invalid regular expression '{regex}': {exc}") from None
    for line in data.decode("utf-8", errors="replace").splitlines(keepends=True):
        if lchar:
            line = line.lstrip(str(lchar))
        if compiled.search(line):
            return True
    return False


@mod.query
def contains_glob(ctx: Context, path: str, glob_expr: str) -> bool:
    """True when the whole content of the file matches the shell glob ``glob_expr`` (e.g. ``*needle*``).

    CLI Example: ``saline-call --local file.contains_glob /etc/hosts '*localhost*'``
    """
    data = _maybe_bytes(expand(path))
    return data is not None and fnmatch.fnmatch(data.decode("utf-8", errors="replace"), str(glob_expr))


@mod.query
def search(ctx: Context, path: str, pattern: str, flags: Any = 8, bufsize: Any = 1,
           ignore_if_missing: bool = False, multiline: bool = False) -> bool:
    """True when regex ``pattern`` occurs in the file (flags as in ``file.replace``; default MULTILINE).

    ``multiline=True`` adds MULTILINE; ``bufsize`` is accepted for Salt compatibility (the whole file is
    searched). A missing file raises unless ``ignore_if_missing`` (then False).

    CLI Example: ``saline-call --local file.search /etc/hosts '^127\\.0\\.0\\.1'``
    """
    from saline.modules.file_text import get_flags, search_bytes

    path = os.path.realpath(expand(path))
    if not os.path.exists(path):
        if ignore_if_missing:
            return False
        raise SaltInvocationError(f"File not found: {path}")
    re_flags = get_flags(flags) | (re.MULTILINE if multiline else 0)
    return search_bytes(read_bytes(path), pattern, re_flags)


# Editing, filesystem and find functions register themselves on ``mod`` (imported last on purpose).
from saline.modules import file_edit, file_find, file_ops, file_sources  # noqa: E402, F401
