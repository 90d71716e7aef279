"""Tree specs with archives: ``{name: {archive: tar|tar.gz|zip, members: {...}}}`` builds an archive.

Members map names to text, ``{symlink: target}``, ``{hardlink: name}``, or ``{}`` for a directory
(name ending in ``/``); modes 0644/0755, owner root, fixed times, so archives are byte-identical
from run to run. Other entries are built by file_states_support.build_tree.
"""

from __future__ import annotations

import gzip
import io
import os
import pathlib
import sys
import tarfile
import zipfile
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "file_states"))
from file_states_support import build_tree

MTIME = 1_600_000_000


def _tar_bytes(members: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, value in members.items():
            info = tarfile.TarInfo(name.rstrip("/") if name.endswith("/") else name)
            info.mtime, info.uname, info.gname = MTIME, "root", "root"
            data = b""
            if name.endswith("/"):
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            elif isinstance(value, dict) and "symlink" in value:
                info.type, info.linkname, info.mode = tarfile.SYMTYPE, value["symlink"], 0o777
            elif isinstance(value, dict) and "hardlink" in value:
                info.type, info.linkname, info.mode = tarfile.LNKTYPE, value["hardlink"], 0o644
            elif isinstance(value, dict) and "device" in value:
                info.type, info.mode, info.devmajor, info.devminor = tarfile.CHRTYPE, 0o600, 1, 3
            else:
                data = str(value).encode()
                info.mode, info.size = 0o644, len(data)
            tar.addfile(info, io.BytesIO(data) if data else None)
    return buf.getvalue()


def _zip_bytes(members: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, value in members.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 9, 13, 12, 26, 40))
            info.create_system = 3
            if name.endswith("/"):
                info.external_attr = (0o40755 << 16) | 0x10
                archive.writestr(info, b"")
            elif isinstance(value, dict) and "symlink" in value:
                info.external_attr = 0o120777 << 16
                archive.writestr(info, value["symlink"])
            else:
                info.external_attr = 0o100644 << 16
                archive.writestr(info, str(value))
    return buf.getvalue()


def archive_bytes(kind: str, members: dict[str, Any]) -> bytes:
    if kind == "zip":
        return _zip_bytes(members)
    data = _tar_bytes(members)
    return gzip.compress(data, mtime=0) if kind == "tar.gz" else data


def build(root: str, spec: dict[str, Any] | None) -> None:
    plain = {}
    for rel, value in (spec or {}).items():
        if isinstance(value, dict) and "archive" in value:
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(archive_bytes(value["archive"], value["members"]))
        else:
            plain[rel] = value
    build_tree(root, plain)
