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


# ---- changes (useradd/usermod/userdel) ---------------------------------------------------------------


def _run(ctx: Context, cmd: list[str]) -> bool:
    """Run a shadow-utils command; False (with the error logged) when it fails, as Salt returns."""
    from saline.process import run_ok

    return run_ok(cmd, ctx.log)


def _gecos_field(fullname: str = "", roomnumber: str = "", workphone: str = "", homephone: str = "",
                 other: str = "") -> str:
    fields = [str(fullname or ""), str(roomnumber or ""), str(workphone or ""), str(homephone or "")]
    if other:
        fields.append(str(other))
    return ",".join(fields).rstrip(",")


def _group_list(groups: Any) -> list[str]:
    if groups in (None, "", []):
        return []
    if isinstance(groups, str):
        return [g.strip() for g in groups.split(",") if g.strip()]
    return [str(g) for g in groups]


@mod.action
def add(ctx: Context, name: str, uid: int | None = None, gid: Any = None, groups: Any = None,
        home: str | None = None, shell: str | None = None, unique: bool = True, system: bool = False,
        fullname: str = "", roomnumber: str = "", workphone: str = "", homephone: str = "", other: str = "",
        createhome: bool = True, nologinit: bool = False, usergroup: bool | None = None,
        **kwargs: Any) -> bool:
    """Create user ``name`` with useradd; return True on success.

    CLI Example: ``saline-call --local user.add deploy uid=2001 shell=/bin/bash groups=adm``
    """
    cmd = ["useradd"]
    if uid is not None:
        cmd += ["-u", str(uid)]
        if not unique:
            cmd.append("-o")
    if gid not in (None, ""):
        cmd += ["-g", str(gid)]
    elif usergroup is False:
        cmd.append("-N")
    elif usergroup or _group_exists(str(name)):
        cmd += ["-g", str(name)] if _group_exists(str(name)) else ["-U"]
    if _group_list(groups):
        cmd += ["-G", ",".join(_group_list(groups))]
    if home:
        cmd += ["-d", str(home)]
    if shell:
        cmd += ["-s", str(shell)]
    if system:
        cmd.append("-r")
    cmd.append("-m" if createhome else "-M")
    if nologinit:
        cmd.append("-l")
    gecos = _gecos_field(fullname, roomnumber, workphone, homephone, other)
    if gecos:
        cmd += ["-c", gecos]
    return _run(ctx, [*cmd, str(name)])


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


@mod.action
def delete(ctx: Context, name: str, remove: bool = False, force: bool = False, **kwargs: Any) -> bool:
    """Delete user ``name`` (``remove=True`` also deletes the home directory and mail spool).

    CLI Example: ``saline-call --local user.delete deploy remove=True``
    """
    cmd = ["userdel"]
    if remove:
        cmd.append("-r")
    if force:
        cmd.append("-f")
    return _run(ctx, [*cmd, str(name)])


def _usermod(ctx: Context, name: str, *args: str) -> bool:
    if not info(ctx, name):
        ctx.log.error("User '%s' does not exist", name)
        return False
    return _run(ctx, ["usermod", *args, str(name)])


@mod.action
def chshell(ctx: Context, name: str, shell: str) -> bool:
    """Set the login shell of ``name``.

    CLI Example: ``saline-call --local user.chshell deploy /bin/zsh``
    """
    return _usermod(ctx, name, "-s", str(shell))


@mod.action
def chhome(ctx: Context, name: str, home: str, persist: bool = False) -> bool:
    """Set the home directory of ``name`` (``persist=True`` moves the old one's contents there).

    CLI Example: ``saline-call --local user.chhome deploy /srv/deploy persist=True``
    """
    return _usermod(ctx, name, "-d", str(home), *(["-m"] if persist else []))


@mod.action
def chuid(ctx: Context, name: str, uid: int) -> bool:
    """Change the uid of ``name`` (file ownership is not changed).

    CLI Example: ``saline-call --local user.chuid deploy 2002``
    """
    return _usermod(ctx, name, "-u", str(uid))


@mod.action
def chgid(ctx: Context, name: str, gid: Any) -> bool:
    """Change the primary group of ``name`` (a gid or group name).

    CLI Example: ``saline-call --local user.chgid deploy 2002``
    """
    return _usermod(ctx, name, "-g", str(gid))


@mod.action
def chgroups(ctx: Context, name: str, groups: Any, append: bool = False) -> bool:
    """Set the supplementary groups of ``name`` (``append=True`` adds to the current ones).

    CLI Example: ``saline-call --local user.chgroups deploy adm,www-data``
    """
    wanted = _group_list(groups)
    return _usermod(ctx, name, *(["-a"] if append else []), "-G", ",".join(wanted))


@mod.action
def chfullname(ctx: Context, name: str, fullname: str) -> bool:
    """Set the full name (first GECOS field) of ``name``.

    CLI Example: ``saline-call --local user.chfullname deploy 'Deploy Bot'``
    """
    current = info(ctx, name)
    if not current:
        return False
    return _usermod(ctx, name, "-c", _gecos_field(fullname, current["roomnumber"], current["workphone"],
                                                  current["homephone"], current["other"]))


@mod.action
def chgecos(ctx: Context, name: str, fullname: str | None = None, roomnumber: str | None = None,
            workphone: str | None = None, homephone: str | None = None, other: str | None = None) -> bool:
    """Set any GECOS fields of ``name`` (fields not given keep their value).

    CLI Example: ``saline-call --local user.chgecos deploy roomnumber=12``
    """
    current = info(ctx, name)
    if not current:
        return False
    merged = {k: current[k] if v is None else v for k, v in {
        "fullname": fullname, "roomnumber": roomnumber, "workphone": workphone, "homephone": homephone,
        "other": other}.items()}
    return _usermod(ctx, name, "-c", _gecos_field(**merged))


@mod.action
def set_password(ctx: Context, name: str, password: str) -> bool:
    """Set the password hash of ``name`` (a crypt(3) hash such as ``$6$salt$...``).

    CLI Example: ``saline-call --local user.set_password deploy '$6$abc$...'``
    """
    return _usermod(ctx, name, "-p", str(password))


@mod.query
def password_hash(ctx: Context, name: str) -> str | None:
    """The password hash of ``name`` from the shadow database (None when the user does not exist).

    CLI Example: ``saline-call --local user.password_hash deploy``
    """
    try:
        with open("/etc/shadow", encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split(":")
                if parts and parts[0] == str(name):
                    return parts[1] if len(parts) > 1 else ""
    except OSError:
        return None
    return None
