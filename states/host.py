"""State module ``host``: names and addresses in the hosts file (through the ``hosts`` module).

The file is ``/etc/hosts`` or the minion option ``hosts.file``, as in Salt.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from saline.states.api import Plan, StateModule, ret

st = StateModule("host", doc="Manage entries of the hosts file.")


def _ips(ip: Any) -> list[str]:
    values = ip if isinstance(ip, list) else [ip]
    return [str(v) for v in values]


def _valid(addr: str) -> bool:
    try:
        ipaddress.ip_address(addr.split("%", 1)[0])
    except ValueError:
        return False
    return True


@st.state
def present(ctx: Any, name: str, ip: Any, comment: str = "", clean: bool = False,
            **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure host name ``name`` is listed for address ``ip`` (one address or a list). ``comment`` sets
    the line's trailing comment; ``clean`` removes ``name`` from addresses not in ``ip``."""
    name, ips = str(name), _ips(ip)
    bad = [addr for addr in ips if not _valid(addr)]
    if bad:
        return ret(name, False, {}, "\n".join(f"Invalid IP Address for {name} ({addr})" for addr in bad))
    comment = str(comment) if comment else ""
    listed = {k: v for k, v in ctx.salt["hosts.list_hosts"]().items() if not k.startswith("comment-")}
    notes: list[str] = []
    warnings: list[str] = []
    to_add: list[str] = []
    to_comment: list[str] = []
    to_remove: list[str] = []
    for addr in ips:
        entry = listed.get(addr)
        if entry is None or name not in entry["aliases"]:
            to_add.append(addr)
            if comment:
                to_comment.append(addr)
        elif comment and entry.get("comment") != comment:
            to_comment.append(addr)
        else:
            notes.append(f"Host {name} ({addr}) already present")
    for addr, entry in listed.items():
        if addr in ips or name not in entry["aliases"]:
            continue
        if clean:
            to_remove.append(addr)
        else:
            warnings.append(f"Host {name} present for IP address {addr}. To get rid of this warning, either "
                            f"run this state with 'clean' set to True to remove {name} from {addr}, or add "
                            f"{addr} to the 'ip' argument.")
    extra = {"warnings": warnings} if warnings else {}
    if not (to_add or to_comment or to_remove):
        return {**ret(name, True, {}, "\n".join(notes)), **extra}

    changes: dict[str, Any] = {}
    for key, addrs, value in (("added", to_add, name), ("comment_added", to_comment, comment),
                              ("removed", to_remove, name)):
        for addr in addrs:
            changes.setdefault(key, {}).setdefault(addr, []).append(value)
    planned = notes + [f"Host {name} ({a}) would be added" for a in to_add]
    planned += [f"Comment for {a} ({comment}) would be added" for a in to_comment]
    planned += [f"Host {name} ({a}) would be removed" for a in to_remove]

    def apply(actx: Any) -> dict[str, Any]:
        done: list[str] = list(notes)
        for addr in to_add:
            actx.salt["hosts.add_host"](addr, name)
            done.append(f"Added host {name} ({addr})")
        ok = True
        for addr in to_comment:
            if actx.salt["hosts.set_comment"](addr, comment):
                done.append(f"Set comment for host {addr} ({comment})")
            else:
                ok = False
                done.append(f"Failed to add comment for host {addr} ({comment})")
        for addr in to_remove:
            actx.salt["hosts.rm_host"](addr, name)
            done.append(f"Removed host {name} ({addr})")
        return {**ret(name, ok, changes, "\n".join(done)), **extra}

    return Plan(name, changes, "\n".join(planned), apply, extra=extra)


@st.state
def absent(ctx: Any, name: str, ip: Any, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure host name ``name`` is not listed for address ``ip`` (one address or a list)."""
    name, ips = str(name), _ips(ip)
    present_for = [addr for addr in ips if ctx.salt["hosts.has_pair"](addr, name)]
    gone = [f"Host {name} ({addr}) already absent" for addr in ips if addr not in present_for]
    if not present_for:
        return ret(name, True, {}, "\n".join(gone))

    def apply(actx: Any) -> dict[str, Any]:
        done = []
        for addr in ips:
            if addr in present_for:
                actx.salt["hosts.rm_host"](addr, name)
                done.append(f"Removed host {name} ({addr})")
            else:
                done.append(f"Host {name} ({addr}) already absent")
        return ret(name, True, {"host": name}, "\n".join(done))

    planned = [f"Host {name} ({addr}) needs to be removed" if addr in present_for
               else f"Host {name} ({addr}) already absent" for addr in ips]
    return Plan(name, {}, "\n".join(planned), apply)


@st.state
def only(ctx: Any, name: str, hostnames: Any, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure address ``name`` carries exactly ``hostnames`` (one name or a list, in order); an empty
    list removes the address."""
    name = str(name)
    if not _valid(name):
        return ret(name, False, {}, f"'{name}' is not an IPv4 or IPv6 address")
    names = [hostnames] if isinstance(hostnames, str) else list(hostnames or [])
    old = " ".join(ctx.salt["hosts.get_alias"](name))
    new = " ".join(str(x).strip() for x in names)
    if old == new:
        return ret(name, True, {}, f'IP address {name} already set to "{new}"')

    def apply(actx: Any) -> dict[str, Any]:
        actx.salt["hosts.set_host"](name, new)
        return ret(name, True, {name: {"old": old, "new": new}}, f'successfully changed {name} from "{old}" '
                   f'to "{new}"')

    return Plan(name, {}, f'Would change {name} from "{old}" to "{new}"', apply)
