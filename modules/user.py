"""Module ``user``: local user accounts (read functions; account changes use useradd & co)."""

from __future__ import annotations

import grp
import pwd
from typing import Any

from saline.loader import Context, Module

mod = Module("user", backend="useradd", doc="Local user accounts from the passwd and group databases.")


def _gecos(field: str) -> dict[str, str]:
    parts = ([*field.split(","), "", "", "", ""])[:4]
    extra = field.split(",")[4:]
    return {
        "fullname": parts[0],
        "roomnumber": parts[1],
        "workphone": parts[2],
        "homephone": parts[3],
        "other": ",".join(extra),
    }


def groups_of(name: str, primary_gid: int | None = None) -> list[str]:
    """Sorted names of every group ``name`` belongs to, its primary group included."""
    names = {g.gr_name for g in grp.getgrall() if name in g.gr_mem}
    if primary_gid is not None:
        try:
            names.add(grp.getgrgid(primary_gid).gr_name)
        except KeyError:
            pass
    return sorted(names)


def _entry(entry: pwd.struct_passwd) -> dict[str, Any]:
    return {
        "gid": entry.pw_gid,
        "groups": groups_of(entry.pw_name, entry.pw_gid),
        "home": entry.pw_dir,
        "name": entry.pw_name,
        "passwd": entry.pw_passwd,
        "shell": entry.pw_shell,
        "uid": entry.pw_uid,
        **_gecos(entry.pw_gecos),
    }


@mod.query
def info(ctx: Context, name: str) -> dict[str, Any]:
    """Return the account of user ``name`` (uid, gid, groups, home, shell, GECOS fields), or ``{}``.

    CLI Example: ``saline-call --local user.info root``
    """
    try:
        return _entry(pwd.getpwnam(str(name)))
    except KeyError:
        return {}


@mod.query
def getent(ctx: Context, refresh: bool = False) -> list[dict[str, Any]]:
    """Return every user account, in the order of the passwd database.

    CLI Example: ``saline-call --local user.getent``
    """
    return [_entry(e) for e in pwd.getpwall()]


@mod.query
def list_users(ctx: Context, root: str | None = None) -> list[str]:
    """Return the sorted names of all users.

    CLI Example: ``saline-call --local user.list_users``
    """
    return sorted({e.pw_name for e in pwd.getpwall()})


@mod.query
def list_groups(ctx: Context, name: str) -> list[str]:
    """Return the sorted names of the groups user ``name`` belongs to (primary group included).

    CLI Example: ``saline-call --local user.list_groups root``
    """
    try:
        gid = pwd.getpwnam(str(name)).pw_gid
    except KeyError:
        gid = None
    return groups_of(str(name), gid)
