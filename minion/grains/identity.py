"""Who and where this minion is: id, server_id, master, machine_id, process user and environment."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import Any

from saline.minion.grains import fsroot


def minion_grains(opts: Mapping[str, Any]) -> dict[str, Any]:
    """id, server_id (a stable 31-bit integer derived from the id) and master."""
    minion_id = str(opts.get("id") or "")
    digest = int(hashlib.sha256(minion_id.encode()).hexdigest(), 16)
    return {"id": minion_id, "server_id": abs(digest % (2**31)), "master": opts.get("master", "")}


def machine_id_grains(root: str) -> dict[str, str]:
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        if fsroot.exists(root, path):
            text = fsroot.read_text(root, path)
            return {"machine_id": text.strip()} if text is not None else {}
    return {}


def process_grains() -> dict[str, Any]:
    """username, groupname, uid, gid (effective ids) and pid of this process."""
    import grp
    import pwd

    uid, gid = os.geteuid(), os.getegid()
    try:
        entry = pwd.getpwuid(uid)
        username = entry.pw_name
    except KeyError:
        entry, username = None, str(uid)
    try:
        groupname = grp.getgrgid(entry.pw_gid).gr_name if entry else ""
    except KeyError:
        groupname = ""
    return {"username": username, "groupname": groupname, "uid": uid, "gid": gid, "pid": os.getpid()}


def environment_grains(environ: Mapping[str, str]) -> dict[str, Any]:
    """shell, path, systempath and cwd."""
    path = environ.get("PATH", "").strip()
    try:
        cwd = os.getcwd()
    except OSError:  # the working directory was removed
        cwd = ""
    return {"shell": environ.get("SHELL", "/bin/sh"), "path": path, "systempath": path.split(os.pathsep),
            "cwd": cwd}
