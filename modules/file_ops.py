"""``file`` functions that create, move and remove files and directories or change their metadata."""

from __future__ import annotations

import os
import shutil
import stat
import time
from typing import Any

from saline.atomic import apply_owner_mode, atomic_copy, atomic_write, mode_bits, mode_string, normalize_mode
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context
from saline.modules.file import expand, mod, read_bytes, stat_result, user_to_uid


def _lines(fun: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
    """The lines to write: positional arguments, or ``args=`` (a list or one value) like Salt."""
    unknown = sorted(k for k in kwargs if k != "args" and not k.startswith("__"))
    if unknown:
        raise SaltInvocationError(
            f"file.{fun}: unexpected keyword argument(s) {', '.join(unknown)}; to write a line containing "
            "'=', pass the lines as args=[...]")
    if "args" in kwargs:
        value = kwargs["args"]
        return list(value) if isinstance(value, list) else [value]
    return list(args)


@mod.action
def write(ctx: Context, path: str, *args: Any, **kwargs: Any) -> str:
    """Replace the file's contents with the given lines (each followed by a newline), atomically.

    Returns ``'Wrote N lines to "<path>"'``. An existing file keeps its mode and owner.

    CLI Example: ``saline-call --local file.write /etc/motd 'Welcome' 'Managed by Saline'``
    """
    path = expand(path)
    lines = _lines("write", args, kwargs)
    atomic_write(path, "".join(f"{line}\n" for line in lines))
    return f'Wrote {len(lines)} lines to "{path}"'


@mod.action
def append(ctx: Context, path: str, *args: Any, **kwargs: Any) -> str:
    """Add lines at the end of an existing file (first ending its last line if needed).

    Returns ``'Wrote N lines to "<path>"'``.

    CLI Example: ``saline-call --local file.append /etc/motd 'one more line'``
    """
    path = expand(path)
    lines = _lines("append", args, kwargs)
    if not os.path.isfile(path):
        raise CommandExecutionError(f"No such file or directory: '{path}'")
    data = read_bytes(path)
    if data and not data.endswith(b"\n"):
        data += b"\n"
    atomic_write(path, data + "".join(f"{line}\n" for line in lines).encode("utf-8"))
    return f'Wrote {len(lines)} lines to "{path}"'


@mod.action
def prepend(ctx: Context, path: str, *args: Any, **kwargs: Any) -> str:
    """Add lines at the start of the file (created if missing).

    Returns ``'Prepended N lines to "<path>"'``.

    CLI Example: ``saline-call --local file.prepend /etc/motd 'first line'``
    """
    path = expand(path)
    lines = _lines("prepend", args, kwargs)
    data = read_bytes(path) if os.path.isfile(path) else b""
    atomic_write(path, "".join(f"{line}\n" for line in lines).encode("utf-8") + data)
    return f'Prepended {len(lines)} lines to "{path}"'


def _timestamp(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SaltInvocationError("atime and mtime must be integers")
    if isinstance(value, (int, float)):
        return value
    if str(value).isdigit():
        return int(value)
    raise SaltInvocationError("atime and mtime must be integers")


@mod.action
def touch(ctx: Context, name: str, atime: Any = None, mtime: Any = None) -> bool:
    """Create the file if missing and set its access/modification times (epoch seconds; default now).

    CLI Example: ``saline-call --local file.touch /tmp/stamp mtime=1700000000``
    """
    name = expand(name)
    access, modified = _timestamp(atime), _timestamp(mtime)
    try:
        if not os.path.exists(name):
            with open(name, "a"):
                pass
        if access is None and modified is None:
            times = None
        else:
            now = time.time()
            times = (now if access is None else access, now if modified is None else modified)
        os.utime(name, times)
    except OSError as exc:
        raise CommandExecutionError(exc.strerror or str(exc)) from None
    return os.path.exists(name)


# ---- directories --------------------------------------------------------------------------------


def _makedirs_perms(name: str, user: Any, group: Any, mode: Any, leaf: bool = True) -> None:
    head, tail = os.path.split(name)
    if not tail:
        head, tail = os.path.split(head)
    if head and tail and not os.path.exists(head):
        _makedirs_perms(head, user, group, mode, leaf=False)
        if tail == os.curdir:
            return
    try:
        os.mkdir(name)
    except FileExistsError:
        if not leaf and os.path.isdir(name):
            return  # a parent created meanwhile by another process (two jobs writing side by side)
        raise CommandExecutionError(f"File exists: '{name}'") from None
    except OSError as exc:
        raise CommandExecutionError(f"Cannot create directory '{name}': {exc.strerror or exc}") from None
    apply_owner_mode(name, mode, user, group)


@mod.action
def makedirs_perms(ctx: Context, name: str, user: Any = None, group: Any = None, mode: Any = "0755") -> None:
    """Create directory ``name`` and missing parents, each with ``user``, ``group`` and ``mode``.

    Fails when ``name`` already exists. Returns None.

    CLI Example: ``saline-call --local file.makedirs_perms /opt/app/data www-data www-data 0750``
    """
    mode_bits(mode)  # validate before creating anything
    _makedirs_perms(expand(name), user, group, mode)


@mod.action
def mkdir(ctx: Context, dir_path: str, user: Any = None, group: Any = None, mode: Any = None) -> bool:
    """Ensure directory ``dir_path`` exists (parents too); new directories get ``user``/``group``/``mode``.

    Returns True (also when it already existed; nothing is changed then).

    CLI Example: ``saline-call --local file.mkdir /opt/app/logs user=www-data mode=750``
    """
    directory = os.path.normpath(expand(dir_path))
    if not os.path.isdir(directory):
        mode_bits(mode)
        # "ensure it exists": another process creating it at the same moment is fine
        _makedirs_perms(directory, user, group, mode, leaf=False)
    return True


@mod.action(name="makedirs")
def makedirs_(ctx: Context, path: str, user: Any = None, group: Any = None, mode: Any = None) -> str | None:
    """Create the parent directories of ``path`` (a path ending in ``/`` means the directory itself).

    Returns None after creating them, or a message when the parent already exists
    (``"Directory '<dir>' already exists"``) or is not a directory.

    CLI Example: ``saline-call --local file.makedirs /opt/app/conf/app.ini``
    """
    path = expand(path)
    if mode is not None:
        mode = normalize_mode(mode)
        mode_bits(mode)
    directory = os.path.normpath(os.path.dirname(path))
    if os.path.isdir(directory):
        return f"Directory '{directory}' already exists"
    if os.path.exists(directory):
        return f"The path '{directory}' already exists and is not a directory"
    missing = []
    while not os.path.isdir(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            raise SaltInvocationError(
                f"Recursive creation for path '{directory}' would result in an infinite loop. "
                "Please use an absolute path.")
        directory = parent
    for each in reversed(missing):
        mkdir(ctx, each, user=user, group=group, mode=mode)
    return None


@mod.action
def remove(ctx: Context, path: str, **kwargs: Any) -> bool:
    """Delete a file, symlink or whole directory tree; True if something was removed, False if absent.

    CLI Example: ``saline-call --local file.remove /tmp/foo``
    """
    path = expand(path)
    if not os.path.isabs(path):
        raise SaltInvocationError(f"File path must be absolute: {path}")
    try:
        if os.path.islink(path) or (os.path.exists(path) and not os.path.isdir(path)):
            os.remove(path)
            return True
        if os.path.isdir(path):
            shutil.rmtree(path)
            return True
    except OSError as exc:
        raise CommandExecutionError(f"Could not remove '{path}': {exc}") from None
    return False


@mod.action
def rename(ctx: Context, src: str, dst: str) -> bool:
    """Move ``src`` to ``dst`` (``os.rename``: same file system, replaces a file at ``dst``).

    CLI Example: ``saline-call --local file.rename /tmp/a /tmp/b``
    """
    src, dst = expand(src), expand(dst)
    if not os.path.isabs(src):
        raise SaltInvocationError("File path must be absolute.")
    try:
        os.rename(src, dst)
    except OSError:
        raise CommandExecutionError(f"Could not rename '{src}' to '{dst}'") from None
    return True


@mod.action
def copy(ctx: Context, src: str, dst: str, recurse: bool = False, remove_existing: bool = False) -> bool:
    """Copy a file or (with ``recurse=True``) a directory tree; ``dst`` gets ``src``'s owner, group and mode.

    A file is copied atomically. A directory is merged into an existing ``dst`` unless
    ``remove_existing`` (then ``dst`` is deleted first). A file copied onto an existing directory
    needs ``recurse`` and lands inside it. Returns True.

    CLI Example: ``saline-call --local file.copy /etc/hosts /etc/hosts.orig``
    """
    src, dst = expand(src), expand(dst)
    if not os.path.isabs(src):
        raise SaltInvocationError("File path must be absolute.")
    if not os.path.exists(src):
        raise CommandExecutionError(f"No such file or directory '{src}'")
    st = os.stat(src)
    perms = {"mode": oct(stat.S_IMODE(st.st_mode)), "user": st.st_uid, "group": st.st_gid}
    try:
        if os.path.isdir(src) or os.path.isdir(dst):
            if not recurse:
                raise SaltInvocationError(
                    "Cannot copy overwriting a directory without recurse flag set to true!")
            if not os.path.isdir(src):
                atomic_copy(src, os.path.join(dst, os.path.basename(src)), keep_attrs=False, **perms)
                return True
            if remove_existing and os.path.lexists(dst):
                if os.path.isdir(dst) and not os.path.islink(dst):
                    shutil.rmtree(dst)
                else:
                    os.remove(dst)
            shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
            apply_owner_mode(dst, **perms)
        else:
            atomic_copy(src, dst, keep_attrs=False, **perms)
    except (OSError, shutil.Error):
        raise CommandExecutionError(f"Could not copy '{src}' to '{dst}'") from None
    return True


@mod.action
def symlink(ctx: Context, src: str, path: str, force: bool = False, atomic: bool = False,
            follow_symlinks: bool = True) -> bool:
    """Create symlink ``path`` pointing to ``src``; True (also when it already points there).

    An existing other symlink or file at ``path`` is an error unless ``force`` (remove it first) or
    ``atomic`` (swap in a new link with a rename). ``follow_symlinks=False`` makes a dangling link at
    ``path`` count as existing.

    CLI Example: ``saline-call --local file.symlink /etc/nginx/sites-available/a /etc/nginx/sites-enabled/a``
    """
    path = expand(path)
    src = str(src)
    exists = os.path.exists if follow_symlinks else os.path.lexists
    if not os.path.isabs(path):
        raise SaltInvocationError(f"Link path must be absolute: {path}")
    if os.path.islink(path):
        if os.path.normpath(os.readlink(path)) == os.path.normpath(src):
            return True
        if not force and not atomic:
            raise CommandExecutionError(f"Found existing symlink: {path}")
    if exists(path) and not force and not atomic:
        raise CommandExecutionError(f"Existing path is not a symlink: {path}")
    if atomic:
        if os.path.isdir(path) and not os.path.islink(path):
            raise CommandExecutionError(f"Could not create '{path}': a directory is in the way")
        for _ in range(5):
            name = f".{os.path.basename(path)}.{os.urandom(4).hex()}"
            temp_link = os.path.join(os.path.dirname(path), name)
            try:
                os.symlink(src, temp_link)
                break
            except FileExistsError:
                continue
        else:
            raise CommandExecutionError(f"Could not create '{path}'")
        try:
            os.replace(temp_link, path)
        except OSError:
            os.remove(temp_link)
            raise CommandExecutionError(f"Could not create '{path}'") from None
        return True
    if force and os.path.lexists(path):
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        except OSError as exc:
            raise CommandExecutionError(f"Could not remove existing '{path}': {exc.strerror}") from None
    try:
        os.symlink(src, path)
    except OSError:
        raise CommandExecutionError(f"Could not create '{path}'") from None
    return True


# ---- ownership and mode ---------------------------------------------------------------------------


@mod.action
def chown(ctx: Context, path: str, user: Any, group: Any) -> str | None:
    """Set the owner and group of ``path`` (names or ids; empty keeps the current one).

    Returns None on success, else Salt's error text (``"User does not exist\\n"``, ``"File not found"``).

    CLI Example: ``saline-call --local file.chown /etc/app.conf root adm``
    """
    path = expand(path)
    uid: Any = -1 if user in (None, "") else user_to_uid(ctx, user)
    gid: Any = -1
    if group not in (None, ""):
        from saline.modules.file import group_to_gid

        gid = group_to_gid(ctx, group)
    err = ""
    if uid == "":
        err += "User does not exist\n"
    if gid == "":
        err += "Group does not exist\n"
    if not os.path.lexists(path):
        err += "File not found"
    if err:
        return err
    try:
        os.chown(path, uid, gid, follow_symlinks=os.path.exists(path))
    except OSError as exc:
        raise CommandExecutionError(f"Cannot change owner of {path}: {exc.strerror or exc}") from None
    return None


@mod.action
def lchown(ctx: Context, path: str, user: Any, group: Any) -> str | None:
    """Like ``file.chown`` but a symlink itself is changed, not its target.

    CLI Example: ``saline-call --local file.lchown /etc/alternatives/editor root root``
    """
    path = expand(path)
    uid: Any = -1 if user in (None, "") else user_to_uid(ctx, user)
    gid: Any = -1
    if group not in (None, ""):
        from saline.modules.file import group_to_gid

        gid = group_to_gid(ctx, group)
    err = ("User does not exist\n" if uid == "" else "") + ("Group does not exist\n" if gid == "" else "")
    if not os.path.lexists(path):
        err += "File not found"
    if err:
        return err
    try:
        os.lchown(path, uid, gid)
    except OSError as exc:
        raise CommandExecutionError(f"Cannot change owner of {path}: {exc.strerror or exc}") from None
    return None


@mod.action
def chgrp(ctx: Context, path: str, group: Any) -> str | None:
    """Set the group of ``path`` (a name or gid); returns like ``file.chown``.

    CLI Example: ``saline-call --local file.chgrp /etc/app.conf adm``
    """
    path = expand(path)
    stat_result(path)  # "Path not found" like Salt
    return chown(ctx, path, None, group)


@mod.action
def set_mode(ctx: Context, path: str, mode: Any) -> str:
    """chmod ``path`` to ``mode`` (``644``, ``'0644'``, ``'0o644'``); return the new mode like ``"0644"``.

    Returns ``"Invalid Mode <mode>"`` for a value that is not octal.

    CLI Example: ``saline-call --local file.set_mode /etc/app.conf 0640``
    """
    path = expand(path)
    digits = str(mode).lstrip("0Oo") or "0"
    if not os.path.exists(path):
        raise CommandExecutionError(f"{path}: File not found")
    try:
        value = int(digits, 8)
        if value > 0o7777:
            raise ValueError(digits)
        os.chmod(path, value)
    except ValueError:
        return "Invalid Mode " + digits
    except OSError as exc:
        raise CommandExecutionError(f"Cannot change mode of {path}: {exc.strerror or exc}") from None
    return mode_string(os.stat(path).st_mode)
