"""Module ``archive``: list, create and unpack tar and zip archives (Salt's ``archive`` functions).

Listing and zip handling use Python's tarfile/zipfile (see :mod:`saline.archives`, which also
refuses members that would be written outside the destination); ``archive.tar`` runs the ``tar``
command with the options given, as in Salt.
"""

from __future__ import annotations

import glob
import os
import re
import zipfile
from typing import Any
from urllib.parse import urlparse

from saline import archives
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module

mod = Module("archive", doc="List, create and unpack tar and zip archives.")


def _local(ctx: Context, name: str, saltenv: str) -> str:
    """A local path for ``name`` (``salt://`` fetched through the file client)."""
    if name.startswith("salt://"):
        cached = ctx.salt["cp.cache_file"](name, saltenv)
        if not cached:
            raise CommandExecutionError(f"Unable to cache {name}")
        return str(cached)
    path = name.removeprefix("file://")
    if not os.path.isabs(path):
        raise SaltInvocationError(f"{name} is not an absolute path or a salt:// URL")
    if not os.path.isfile(path):
        raise CommandExecutionError(f"{path} does not exist")
    return path


@mod.query(name="list")
def list_(ctx: Context, name: str, archive_format: Any = None, options: Any = None, strip_components: Any = None,
          clean: bool = False, verbose: bool = False, saltenv: str = "base", source_hash: Any = None,
          use_etag: bool = False) -> Any:
    """The members of a tar or zip archive (a path or ``salt://`` URL); directories end with ``/``.
    ``verbose=True`` gives ``{dirs, files, links, top_level_dirs, top_level_files, top_level_links}``.

    CLI Example: ``saline-call --local archive.list /tmp/foo.tar.gz verbose=True``
    """
    fmt = archive_format or archives.guess_format(urlparse(name).path or name)
    path = _local(ctx, str(name), saltenv)
    if source_hash and not ctx.salt["file.check_hash"](path, str(source_hash)):
        raise CommandExecutionError(f"{name} does not match the desired source_hash {source_hash}")
    return archives.listing(path, fmt, strip_components=strip_components, verbose=verbose)


def _sources(sources: Any) -> list[str]:
    if sources is None:
        return []
    items = [s.strip() for s in sources.split(",")] if isinstance(sources, str) else [str(s) for s in sources]
    out: list[str] = []
    for item in items:
        out.extend(sorted(glob.glob(item)) if re.search(r"[*?[]", item) else [item])
    return out


@mod.action
def tar(ctx: Context, options: str, tarfile: str, sources: Any = None, dest: Any = None, cwd: Any = None,
        template: Any = None, runas: Any = None) -> list[str]:
    """Run ``tar OPTIONS TARFILE [SOURCES] [-C DEST]``; its output lines. ``sources`` is a comma-separated
    list (or a list) and may hold globs.

    CLI Example: ``saline-call --local archive.tar cjvf /tmp/etc.tar.bz2 /etc/hosts,/etc/hostname``
    """
    if not options:
        raise SaltInvocationError("Tar options can not be empty")
    cmd = ["tar", *str(options).split(), str(tarfile), *_sources(sources)]
    if dest:
        cmd += ["-C", str(dest)]
    return str(ctx.salt["cmd.run"](cmd, cwd=cwd, runas=runas, python_shell=False)).splitlines()


@mod.action(name="zip")
def zip_(ctx: Context, zip_file: str, sources: Any, template: Any = None, cwd: Any = None, runas: Any = None,
         zip64: bool = False) -> list[str]:
    """Create the zip file ``zip_file`` from ``sources`` (comma-separated or a list, globs allowed;
    relative ones need ``cwd``); the archived names.

    CLI Example: ``saline-call --local archive.zip /tmp/etc.zip /etc/hosts,/etc/hostname``
    """
    if runas:
        raise SaltInvocationError("runas is not supported by archive.zip in Saline")
    items = _sources(sources)
    if cwd is None:
        if any(not os.path.isabs(s) for s in items):
            raise SaltInvocationError("Relative paths require the 'cwd' parameter")
    elif not isinstance(cwd, str) or not os.path.isabs(cwd):
        raise SaltInvocationError("cwd must be absolute")
    archived: list[str] = []
    try:
        with zipfile.ZipFile(zip_file, "w", zipfile.ZIP_DEFLATED, bool(zip64)) as archive:
            for src in items:
                full = os.path.join(cwd, src) if cwd else src
                if not os.path.exists(full):
                    continue
                root = cwd if cwd and full.startswith(cwd) else "/"
                if not os.path.isdir(full):
                    arc = os.path.relpath(full, root)
                    archived.append(arc)
                    archive.write(full, arc)
                    continue
                for dirpath, _dirs, files in os.walk(full):
                    arc_dir = os.path.relpath(dirpath, root)
                    archived.append(arc_dir + "/")
                    archive.write(dirpath, arc_dir)
                    for filename in files:
                        arc = os.path.join(arc_dir, filename)
                        archived.append(arc)
                        archive.write(os.path.join(dirpath, filename), arc)
    except zipfile.LargeZipFile:
        raise CommandExecutionError("Resulting zip file too large, would require ZIP64 support which has "
                                    "not been enabled. Rerun command with zip64=True") from None
    except OSError as exc:
        raise CommandExecutionError(f"Exception encountered creating zipfile: {exc}") from exc
    return archived


def trim_files(files: list[str], trim_output: Any) -> list[str]:
    """Salt's trimming of a file list: the first N (100 for True) and a note."""
    count = 100 if isinstance(trim_output, bool) else int(trim_output)
    if trim_output is not False and len(files) > count:
        return [*files[:count], f"List trimmed after {count} files."]
    return files


@mod.action
def unzip(ctx: Context, zip_file: str, dest: str, excludes: Any = None, options: Any = None, template: Any = None,
          runas: Any = None, trim_output: Any = False, password: Any = None, extract_perms: bool = True) -> list[str]:
    """Extract ``zip_file`` into ``dest`` with Python's zipfile (``excludes``: names to skip); the names
    extracted. Members that would land outside ``dest`` make the call fail before anything is written.

    CLI Example: ``saline-call --local archive.unzip /tmp/app.zip /opt/app excludes=README.txt``
    """
    if runas:
        raise SaltInvocationError("runas is not supported by archive.unzip in Saline")
    if isinstance(excludes, str):
        skip = [x.strip() for x in excludes.split(",")]
    elif isinstance(excludes, (int, float)):
        skip = [str(excludes)]
    else:
        skip = [str(x) for x in excludes or []]
    secret = str(password).encode() if password not in (None, "") else None
    try:
        names = archives.unzip(str(zip_file), str(dest), skip, secret, extract_perms)
    except CommandExecutionError:
        raise
    except (OSError, RuntimeError, ValueError, zipfile.BadZipFile) as exc:
        raise CommandExecutionError(f"Exception encountered unpacking zipfile: {exc}") from exc
    return trim_files(names, trim_output)


@mod.query
def is_encrypted(ctx: Context, name: str, clean: bool = False, saltenv: str = "base", source_hash: Any = None,
                 use_etag: bool = False) -> bool:
    """True when the zip archive ``name`` has password-protected members.

    CLI Example: ``saline-call --local archive.is_encrypted /tmp/foo.zip``
    """
    return archives.zip_encrypted(_local(ctx, str(name), saltenv))
