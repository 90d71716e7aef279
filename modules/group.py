"""Module ``group``: local groups (read functions; changes use groupadd & co)."""

from __future__ import annotations

import grp
from typing import Any

from saline.loader import Context, Module

mod = Module("group", backend="groupadd", doc="Local groups from the group database.")


def _entry(entry: grp.struct_group) -> dict[str, Any]:
    return {
        "name": entry.gr_name, "passwd": entry.gr_passwd, "gid": entry.gr_gid, "members": list(entry.gr_mem),
    }


@mod.query
def info(ctx: Context, name: str) -> dict[str, Any]:
    """Return ``{name, passwd, gid, members}`` of group ``name`` (a name or a gid), or ``{}``.

    CLI Example: ``saline-call --local group.info adm``
    """
    try:
        entry = grp.getgrgid(name) if isinstance(name, int) else grp.getgrnam(str(name))
    except KeyError:
        return {}
    return _entry(entry)


@mod.query
def getent(ctx: Context, refresh: bool = False) -> list[dict[str, Any]]:
    """Return every group, in the order of the group database.

    CLI Example: ``saline-call --local group.getent``
    """
    return [_entry(e) for e in grp.getgrall()]
