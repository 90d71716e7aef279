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


# ---- changes (groupadd/groupdel/gpasswd) -------------------------------------------------------------


def _run(ctx: Context, cmd: list[str]) -> bool:
    """Run a shadow-utils command; False (with the error logged) when it fails, as Salt returns."""
    from saline.process import run_ok

    return run_ok(cmd, ctx.log)


@mod.action
def add(ctx: Context, name: str, gid: int | None = None, system: bool = False, non_unique: bool = False,
        **kwargs: Any) -> bool:
    """Create group ``name`` (optionally with ``gid``); return True on success.

    CLI Example: ``saline-call --local group.add deployers 2001``
    """
    cmd = ["groupadd"]
    if gid is not None:
        cmd += ["-g", str(gid)]
        if non_unique:
            cmd.append("-o")
    if system:
        cmd.append("-r")
    return _run(ctx, [*cmd, str(name)])


@mod.action
def delete(ctx: Context, name: str, **kwargs: Any) -> bool:
    """Delete group ``name``.

    CLI Example: ``saline-call --local group.delete deployers``
    """
    return _run(ctx, ["groupdel", str(name)])


@mod.action
def chgid(ctx: Context, name: str, gid: int) -> bool:
    """Change the gid of group ``name``.

    CLI Example: ``saline-call --local group.chgid deployers 2002``
    """
    return _run(ctx, ["groupmod", "-g", str(gid), str(name)])


@mod.action
def adduser(ctx: Context, name: str, username: str, **kwargs: Any) -> bool:
    """Add user ``username`` to group ``name``.

    CLI Example: ``saline-call --local group.adduser deployers alice``
    """
    return _run(ctx, ["gpasswd", "-a", str(username), str(name)])


@mod.action
def deluser(ctx: Context, name: str, username: str, **kwargs: Any) -> bool:
    """Remove user ``username`` from group ``name`` (True when it was not a member either).

    CLI Example: ``saline-call --local group.deluser deployers alice``
    """
    current = info(ctx, name)
    if not current or str(username) not in current["members"]:
        return True
    return _run(ctx, ["gpasswd", "-d", str(username), str(name)])


@mod.action
def members(ctx: Context, name: str, members_list: Any, **kwargs: Any) -> bool:
    """Replace the members of group ``name`` with ``members_list`` (comma-separated or a list).

    CLI Example: ``saline-call --local group.members deployers alice,bob``
    """
    names = members_list.split(",") if isinstance(members_list, str) else list(members_list or [])
    return _run(ctx, ["gpasswd", "-M", ",".join(n.strip() for n in names if str(n).strip()), str(name)])
