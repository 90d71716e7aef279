"""Listing and extracting tar and zip archives safely (``archive`` module and ``archive.extracted``).

Listings have Salt's shape (directories end with ``/``; ``top_level_*`` for the verbose form).
Extraction refuses members that would land outside the destination: absolute names, ``..``
components, paths through an existing symlink that leads elsewhere, links (symbolic or hard) whose
target is outside, and device files. Otherwise members keep their modes (and owners, as root),
as Salt's extraction does.
"""

from __future__ import annotations

import os
import stat
import tarfile
import zipfile
from typing import Any

from saline.errors import CommandExecutionError

TAR_ENDINGS = ("tar", "tar.gz", "tgz", "tar.bz2", "tbz2", "tbz", "tar.xz", "txz", "tar.lzma", "tlz")


def guess_format(name: str) -> str | None:
    """``tar``, ``zip`` or ``rar`` from a file name's ending (Salt's rule), else None."""
    lowered = name.lower()
    if any(lowered.endswith("." + ending) for ending in TAR_ENDINGS):
        return "tar"
    for ending in ("zip", "rar"):
        if lowered.endswith("." + ending):
            return ending
    return None


def _open_tar(path: str) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:*")
    except (tarfile.TarError, OSError) as exc:
        raise CommandExecutionError(f"Unable to list contents of {path}: {exc}") from exc


def _zip_kind(info: zipfile.ZipInfo) -> str:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode) or info.filename.endswith("/"):
        return "dir"
    return "file"


def members(path: str, archive_format: str) -> tuple[list[str], list[str], list[str]]:
    """``(dirs, files, links)`` of an archive, as Salt lists them."""
    if archive_format == "tar":
        dirs, files, links = [], [], []
        with _open_tar(path) as tar:
            for member in tar.getmembers():
                if member.issym():
                    links.append(member.name)
                elif member.isdir():
                    dirs.append(member.name + "/")
                else:
                    files.append(member.name)
        return dirs, files, links
    if archive_format == "zip":
        try:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, OSError):
            raise CommandExecutionError(f"{path} is not a ZIP file") from None
        dir_set: set[str] = set()
        files, links = [], []
        for info in infos:
            kind = _zip_kind(info)
            if kind == "link":
                links.append(info.filename)
            elif kind == "dir":
                dir_set.add(info.filename)
            else:
                files.append(info.filename)
        for name in list(files):  # parents of files count as directories even without their own entry
            parent = "".join(name.rpartition("/")[:2])
            if parent:
                dir_set.add(parent)
                if parent in files:
                    files.remove(parent)
        return list(dir_set), files, links
    if archive_format is None:
        raise CommandExecutionError("Unable to guess archive format, please pass an 'archive_format' argument.")
    raise CommandExecutionError(f"Unsupported archive format '{archive_format}'")


def listing(path: str, archive_format: str, strip_components: Any = None, verbose: bool = False) -> Any:
    """Salt's ``archive.list`` result: a sorted list, or with ``verbose`` the dict with top-level entries."""
    dirs, files, links = members(path, archive_format)
    if strip_components:
        try:
            strip = int(strip_components)
        except (TypeError, ValueError):
            strip = -1
        if strip <= 0:
            raise CommandExecutionError("'strip_components' must be a positive integer")
        for group in (dirs, files, links):
            stripped = [p.split("/", strip)[strip] if p.count("/") >= strip else "" for p in group]
            group[:] = sorted(p for p in stripped if p)
    if not verbose:
        return sorted(dirs + files + links)
    out: dict[str, Any] = {"dirs": sorted(dirs), "files": sorted(files), "links": sorted(links)}
    top_dirs = [d for d in out["dirs"] if d.count("/") == 1]
    prefix = os.path.commonprefix(out["dirs"])  # noqa: RUF071 - Salt compares characters too
    if "/" in prefix:
        prefix = prefix.split("/")[0] + "/"
        if prefix not in top_dirs:
            top_dirs.append(prefix)
    out["top_level_dirs"] = top_dirs
    out["top_level_files"] = [f for f in out["files"] if f.count("/") == 0]
    out["top_level_links"] = [link for link in out["links"] if link.count("/") == 0]
    return out


def _inside(root: str, path: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def check_member(dest: str, name: str, link: str | None = None, hardlink: bool = False) -> None:
    """Refuse a member whose path (or link target) would be outside ``dest``."""
    root = os.path.realpath(dest)
    if os.path.isabs(name) or ".." in name.replace("\\", "/").split("/"):
        raise CommandExecutionError(f"Refusing to extract '{name}': its path leads outside {dest}")
    target = os.path.realpath(os.path.join(root, name))
    if not _inside(root, target):
        raise CommandExecutionError(f"Refusing to extract '{name}': its path leads outside {dest}")
    if link is not None:
        base = root if hardlink else os.path.dirname(os.path.join(root, name))
        resolved = os.path.realpath(os.path.join(base, link))
        if os.path.isabs(link) or not _inside(root, resolved):
            raise CommandExecutionError(f"Refusing to extract '{name}': it links to '{link}', outside {dest}")


def _check_tar(tar: tarfile.TarFile, dest: str) -> list[tarfile.TarInfo]:
    checked = tar.getmembers()
    for member in checked:
        if member.ischr() or member.isblk():
            raise CommandExecutionError(f"Refusing to extract '{member.name}': it is a device file")
        link = member.linkname if (member.issym() or member.islnk()) else None
        check_member(dest, member.name, link, hardlink=member.islnk())
    return checked


def check_tar(path: str, dest: str) -> None:
    """Raise CommandExecutionError when a member of the tar archive would land outside ``dest``."""
    with _open_tar(path) as tar:
        _check_tar(tar, dest)


def extract_tar(path: str, dest: str) -> list[str]:
    """Extract a tar archive into ``dest`` after checking every member; the member names."""
    with _open_tar(path) as tar:
        checked = _check_tar(tar, dest)
        kwargs: dict[str, Any] = {}
        if hasattr(tarfile, "fully_trusted_filter"):  # checked above; keep modes and owners like Salt
            kwargs["filter"] = "fully_trusted"
        tar.extractall(dest, members=checked, **kwargs)  # members checked above
        return [m.name for m in checked]


def unzip(path: str, dest: str, excludes: list[str], password: bytes | None, extract_perms: bool) -> list[str]:
    """Extract a zip archive into ``dest`` (symlink entries as symlinks), refusing unsafe members."""
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n not in excludes]
        for name in names:
            info = archive.getinfo(name)
            link = archive.read(name, pwd=password).decode() if _zip_kind(info) == "link" else None
            check_member(dest, name, link)
        umask = os.umask(0)
        os.umask(umask)
        for name in names:
            info = archive.getinfo(name)
            full = os.path.join(dest, name)
            if _zip_kind(info) == "link":
                os.makedirs(os.path.dirname(full), exist_ok=True)
                if os.path.lexists(full):
                    os.unlink(full)
                os.symlink(archive.read(name, pwd=password).decode(), full)
                continue
            archive.extract(name, dest, password)
            if extract_perms:
                perm = info.external_attr >> 16
                if perm == 0:
                    perm = (0o777 if name.endswith("/") else 0o666) & ~umask
                os.chmod(full, stat.S_IMODE(perm))
    return names


def zip_encrypted(path: str) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return any(info.flag_bits & 0x1 for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise CommandExecutionError(f"{path} is not a ZIP file") from None
