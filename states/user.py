"""State module ``user``: local accounts present with the given attributes, or absent."""

from __future__ import annotations

from typing import Any

from saline.states.api import Plan, StateModule, ret

st = StateModule("user", doc="Manage local user accounts.")

REDACTED = "XXX-REDACTED-XXX"
_GECOS = ("fullname", "roomnumber", "workphone", "homephone", "other")


def _groups(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [g.strip() for g in value.split(",") if g.strip()]
    return [str(g) for g in value]


def _gid(ctx: Any, gid: Any) -> int | str | None:
    """A gid from a number or a group name; the name itself when that group does not exist."""
    if gid in (None, ""):
        return None
    if isinstance(gid, int) or str(gid).isdigit():
        return int(gid)
    found = ctx.salt["group.info"](str(gid))
    return found["gid"] if found else str(gid)


@st.state
def present(ctx: Any, name: str, uid: Any = None, gid: Any = None, usergroup: bool | None = None,
            groups: Any = None, optional_groups: Any = None, remove_groups: bool = True, home: str | None = None,
            createhome: bool = True, password: str | None = None, enforce_password: bool = True,
            empty_password: bool = False, shell: str | None = None, unique: bool = True, system: bool = False,
            fullname: str | None = None, roomnumber: str | None = None, workphone: str | None = None,
            homephone: str | None = None, other: str | None = None, allow_uid_change: bool = False,
            allow_gid_change: bool = False, nologinit: bool = False, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure user ``name`` exists with the given uid, gid, groups, home, shell, password hash, GECOS."""
    wanted_groups = _groups(groups)
    optional = [g for g in (_groups(optional_groups) or []) if ctx.salt["group.info"](g)]
    if wanted_groups is not None:
        missing = [g for g in wanted_groups if not ctx.salt["group.info"](g)]
        if missing:
            return ret(name, False, {}, f"The following group(s) are not present: {','.join(missing)}")
    gecos = {k: v for k, v in zip(_GECOS, (fullname, roomnumber, workphone, homephone, other), strict=True)
             if v is not None}
    if empty_password:
        password = ""
    current = ctx.salt["user.info"](name)
    if not current:
        def create(actx: Any) -> dict[str, Any]:
            gid_value = _gid(actx, gid)
            ok = actx.salt["user.add"](
                name, uid=uid, gid=gid_value, groups=(wanted_groups or []) + optional, home=home, shell=shell,
                unique=unique, system=system, createhome=createhome, nologinit=nologinit, usergroup=usergroup,
                **{k: str(v) for k, v in gecos.items()})
            if not ok:
                return ret(name, False, {}, f"Failed to create new user {name}")
            if password is not None:
                actx.salt["user.set_password"](name, password)
            changes = actx.salt["user.info"](name)
            if password is not None:
                changes["passwd"] = REDACTED
            return ret(name, True, changes, f"New user {name} created")

        return Plan(name, {}, f"User {name} set to be added", create)

    wanted: dict[str, Any] = {}
    if uid is not None and int(uid) != current["uid"]:
        if not allow_uid_change:
            return ret(name, False, {}, f"Changing uid ({current['uid']} -> {uid}) not permitted, set "
                       "allow_uid_change to True to force this change. Note that this will not change file "
                       "ownership.")
        wanted["uid"] = int(uid)
    gid_value = _gid(ctx, gid)
    if isinstance(gid_value, str):
        return ret(name, False, {}, f"The following group(s) are not present: {gid_value}")
    if gid_value is not None and gid_value != current["gid"]:
        if not allow_gid_change:
            return ret(name, False, {}, f"Changing gid ({current['gid']} -> {gid_value}) not permitted, set "
                       "allow_gid_change to True to force this change. Note that this will not change "
                       "file ownership.")
        wanted["gid"] = gid_value
    if home is not None and home != current["home"]:
        wanted["home"] = home
    if shell is not None and shell != current["shell"]:
        wanted["shell"] = shell
    if password is not None and enforce_password and ctx.salt["user.password_hash"](name) != password:
        wanted["passwd"] = password
    for key, value in gecos.items():
        if str(value) != current[key]:
            wanted[key] = str(value)
    if wanted_groups is not None:
        primary = ctx.salt["group.info"](current["gid"])
        primary_name = {primary["name"]} if primary else set()
        have = set(current["groups"])  # includes the primary group, which always counts as a membership
        target = set(wanted_groups) | set(optional)
        extra = (have - primary_name - target) if remove_groups else set()
        if target - have or extra:
            wanted["groups"] = sorted((target if remove_groups else have | target) - primary_name)
    if not wanted:
        return ret(name, True, {}, f"User {name} is present and up to date")

    shown = {k: (REDACTED if k == "passwd" else v) for k, v in wanted.items()}

    def update(actx: Any) -> dict[str, Any]:
        calls = {
            "uid": lambda v: actx.salt["user.chuid"](name, v),
            "gid": lambda v: actx.salt["user.chgid"](name, v),
            "home": lambda v: actx.salt["user.chhome"](name, v),
            "shell": lambda v: actx.salt["user.chshell"](name, v),
            "passwd": lambda v: actx.salt["user.set_password"](name, v),
            "groups": lambda v: actx.salt["user.chgroups"](name, v, append=not remove_groups),
        }
        failed = []
        for key, value in wanted.items():
            if key in calls and not calls[key](value):
                failed.append(key)
        if any(k in wanted for k in _GECOS) and not actx.salt["user.chgecos"](
                name, **{k: wanted[k] for k in _GECOS if k in wanted}):
            failed.extend(k for k in _GECOS if k in wanted)
        if failed:
            return ret(name, False, {k: v for k, v in shown.items() if k not in failed},
                       f"These values could not be changed: {', '.join(failed)}")
        return ret(name, True, shown, f"Updated user {name}")

    lines = "".join(f"{k}: {v}\n" for k, v in shown.items())
    return Plan(name, {}, f"The following user attributes are set to be changed:\n{lines}", update)


@st.state
def absent(ctx: Any, name: str, purge: bool = False, force: bool = False, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure user ``name`` does not exist (``purge`` also removes the home directory)."""
    if not ctx.salt["user.info"](name):
        return ret(name, True, {}, f"User {name} is not present")

    def remove(actx: Any) -> dict[str, Any]:
        if actx.salt["user.delete"](name, remove=purge, force=force):
            return ret(name, True, {name: "removed"}, f"Removed user {name}")
        return ret(name, False, {}, f"Failed to remove user {name}")

    return Plan(name, {}, f"User {name} set for removal", remove)
