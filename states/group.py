"""State module ``group``: local groups present with a gid and members, or absent."""

from __future__ import annotations

from typing import Any

from saline.states.api import Plan, StateModule, ret

st = StateModule("group", doc="Manage local groups.")


def _names(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


@st.state
def present(ctx: Any, name: str, gid: Any = None, system: bool = False, addusers: Any = None,
            delusers: Any = None, members: Any = None, non_unique: bool = False,
            **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure group ``name`` exists with ``gid``; ``members`` sets the member list exactly, ``addusers``
    and ``delusers`` add or remove members."""
    members, addusers, delusers = _names(members), _names(addusers), _names(delusers)
    if members is not None and (addusers is not None or delusers is not None):
        return ret(name, False, {}, "Error. Only the members argument can be used, or one or both of "
                   "addusers and delusers.")
    if addusers and delusers and set(addusers) & set(delusers):
        return ret(name, False, {}, "Error. Same user(s) can not be added and deleted simultaneously")
    current = ctx.salt["group.info"](name)
    if not current:
        def create(actx: Any) -> dict[str, Any]:
            if not actx.salt["group.add"](name, gid=None if gid is None else int(gid), system=system,
                                          non_unique=non_unique):
                return ret(name, False, {}, f"Failed to create new group {name}")
            if members:
                actx.salt["group.members"](name, members)
            for user in addusers or []:
                actx.salt["group.adduser"](name, user)
            return ret(name, True, actx.salt["group.info"](name), f"New group {name} created")

        return Plan(name, {}, f"Group {name} set to be added", create)

    todo: dict[str, Any] = {}
    if gid is not None and int(gid) != current["gid"]:
        todo["gid"] = int(gid)
    have = set(current["members"])
    if members is not None and set(members) != have:
        todo["members"] = members
    if addusers and not set(addusers) <= have:
        todo["addusers"] = [u for u in addusers if u not in have]
    if delusers and set(delusers) & have:
        todo["delusers"] = [u for u in delusers if u in have]
    if not todo:
        return ret(name, True, {}, f"Group {name} is present and up to date")

    def update(actx: Any) -> dict[str, Any]:
        ok = True
        if "gid" in todo:
            ok &= actx.salt["group.chgid"](name, todo["gid"])
        if "members" in todo:
            ok &= actx.salt["group.members"](name, todo["members"])
        for user in todo.get("addusers", []):
            ok &= actx.salt["group.adduser"](name, user)
        for user in todo.get("delusers", []):
            ok &= actx.salt["group.deluser"](name, user)
        if not ok:
            return ret(name, False, {}, f"Failed to apply changes to group {name}")
        return ret(name, True, {"Final": "All changes applied successfully"}, "The following group attributes "
                   f"were changed:\n{''.join(f'{k}: {v}' + chr(10) for k, v in todo.items())}")

    lines = "".join(f"{k}: {v}\n" for k, v in todo.items())
    return Plan(name, {}, f"The following group attributes are set to be changed:\n{lines}", update)


@st.state
def absent(ctx: Any, name: str, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure group ``name`` does not exist."""
    if not ctx.salt["group.info"](name):
        return ret(name, True, {}, "Group not present")

    def remove(actx: Any) -> dict[str, Any]:
        if actx.salt["group.delete"](name):
            return ret(name, True, {name: ""}, f"Removed group {name}")
        return ret(name, False, {}, f"Failed to remove group {name}")

    return Plan(name, {}, f"Group {name} is set for removal", remove)
