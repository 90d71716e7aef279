"""State module ``docker_network``: networks present with a configuration (and containers), or absent.

Planning compares the existing network with the arguments (``docker.compare_network_config``, which
creates nothing, unlike Salt's temporary comparison network), so ``test=True`` leaves the engine alone.
A network whose configuration differs is removed and created again; the containers that were attached
are reconnected unless ``reconnect=False`` or a ``containers`` list says otherwise.
"""

from __future__ import annotations

from typing import Any

from saline.errors import SalineError
from saline.states.api import Plan, StateModule, ret

st = StateModule("docker_network", doc="Manage Docker networks.")


def _inspect(ctx: Any, name: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        return ctx.salt["docker.inspect_network"](name), None
    except SalineError as exc:
        return (None, None) if "404" in str(exc) else (None, str(exc))


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [x.strip() for x in value.split(",") if x.strip()]
    return [str(x) for x in value]


@st.state
def present(ctx: Any, name: str, skip_translate: Any = None, ignore_collisions: bool = False,
            validate_ip_addrs: bool = True, containers: Any = None, reconnect: bool = True,
            **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure network ``name`` exists with the given options (those of ``docker.create_network``:
    ``driver``, ``driver_opts``, ``internal``, ``labels``, ``subnet``, ``gateway``, ``ipam_pools``, ...)
    and that the running ``containers`` listed are attached to it."""
    name = str(name)
    network, error = _inspect(ctx, name)
    if error:
        return ret(name, False, {}, error)
    warnings: list[str] = []
    to_connect: dict[str, str] = {}
    missing, not_running = [], []
    for cname in _split(containers):
        try:
            info = ctx.salt["docker.inspect_container"](cname)
        except SalineError:
            missing.append(cname)
            continue
        if not (info.get("State") or {}).get("Running"):
            not_running.append(cname)
        else:
            to_connect[info["Id"]] = cname
    if missing:
        warnings.append(f"The following containers do not exist: {', '.join(missing)}.")
    if not_running:
        warnings.append(f"The following containers are not running: {', '.join(not_running)}.")
    extra = {"warnings": warnings} if warnings else {}
    args = dict(kwargs, skip_translate=skip_translate, ignore_collisions=ignore_collisions,
                validate_ip_addrs=validate_ip_addrs)
    diff: dict[str, Any] = {}
    if network is not None:
        try:
            diff = ctx.salt["docker.compare_network_config"](name, **args)
        except SalineError as exc:
            return ret(name, False, {}, str(exc))
        attached = network.get("Containers") or {}
        pending = {cid: cname for cid, cname in to_connect.items() if cid not in attached}
        if not diff and not pending:
            return {**ret(name, True, {}, f"Network '{name}' already exists, and is configured as specified"),
                    **extra}
    else:
        try:
            ctx.salt["docker.networks"]()  # the engine is reachable; arguments are checked on apply
        except SalineError as exc:
            return ret(name, False, {}, str(exc))

    def apply(actx: Any) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        comment = ""
        disconnected: dict[str, dict[str, Any]] = {}
        connect = dict(to_connect)
        if network is None or diff:
            if network is not None:
                changes[name] = diff
                for cid, cinfo in (network.get("Containers") or {}).items():
                    disconnected[cid] = _endpoint(actx, cid, name, cinfo)
                removal = _remove(actx, network)
                if not removal["result"]:
                    return {**removal, **extra}
            try:
                actx.salt["docker.create_network"](name, **args)
            except SalineError as exc:
                return {**ret(name, False, changes, f"Failed to create network '{name}': {exc}"), **extra}
            changes["recreated" if network is not None else "created"] = True
            comment = f"Network '{name}' {'created' if network is None else 'was replaced with updated config'}"
            if containers is None and reconnect:
                connect.update({cid: d["Name"] for cid, d in disconnected.items()})
        else:
            attached = network.get("Containers") or {}
            connect = {cid: c for cid, c in connect.items() if cid not in attached}
        errors = []
        for cid, cname in connect.items():
            opts = disconnected.get(cid, {}).get("opts", {})
            try:
                actx.salt["docker.connect_container_to_network"](cid, name, **opts)
            except SalineError as exc:
                if not opts:
                    errors.append(str(exc))
                    continue
                try:  # the old static address may not fit the new subnet: let the engine choose
                    actx.salt["docker.connect_container_to_network"](cid, name)
                except SalineError as exc2:
                    errors.append(str(exc2))
                    continue
            changes.setdefault("reconnected" if cid in disconnected else "connected", []).append(cname)
        for cid, data in disconnected.items():
            if cid not in connect:
                changes.setdefault("disconnected", []).append(data["Name"])
        if errors:
            return {**ret(name, False, changes, (comment + ". " if comment else "") + ". ".join(errors) + "."),
                    **extra}
        return {**ret(name, True, changes, comment), **extra}

    if network is None:
        return Plan(name, {}, "Network will be created", apply, extra)
    if diff:
        return Plan(name, {name: diff}, "Network would be recreated with new config", apply, extra)
    return Plan(name, {"connected": sorted(pending.values())},
                f"The following containers would be connected to network '{name}': "
                f"{', '.join(sorted(pending.values()))}", apply, extra)


def _endpoint(ctx: Any, cid: str, net: str, cinfo: dict[str, Any]) -> dict[str, Any]:
    """Name and connect options (static addresses, aliases, links) of an attached container."""
    data: dict[str, Any] = {"Name": cinfo.get("Name", cid), "opts": {}}
    try:
        endpoint = ctx.salt["docker.inspect_container"](cid)["NetworkSettings"]["Networks"][net]
    except (SalineError, KeyError):
        return data
    ipam = endpoint.get("IPAMConfig") or {}
    for key, arg in (("IPv4Address", "ipv4_address"), ("IPv6Address", "ipv6_address")):
        if ipam.get(key):
            data["opts"][arg] = ipam[key]
    for key, arg in (("Links", "links"), ("Aliases", "aliases")):
        if endpoint.get(key):
            data["opts"][arg] = endpoint[key]
    return data


def _remove(ctx: Any, network: dict[str, Any]) -> dict[str, Any]:
    name = network["Name"]
    changes: dict[str, Any] = {}
    errors = []
    for cid, cinfo in (network.get("Containers") or {}).items():
        cname = cinfo.get("Name") or cid
        try:
            ctx.salt["docker.disconnect_container_from_network"](cid, name)
        except SalineError as exc:
            errors.append(f"Failed to disconnect container '{cname}' : {exc}")
        else:
            changes.setdefault("disconnected", []).append(cname)
    if errors:
        return ret(name, False, changes, "\n".join(errors))
    try:
        ctx.salt["docker.remove_network"](name)
    except SalineError as exc:
        return ret(name, False, changes, f"Failed to remove network: {exc}")
    changes["removed"] = True
    return ret(name, True, changes, f"Removed network '{name}'")


@st.state
def absent(ctx: Any, name: str) -> dict[str, Any] | Plan:
    """Ensure network ``name`` does not exist (attached containers are disconnected first)."""
    name = str(name)
    network, error = _inspect(ctx, name)
    if error:
        return ret(name, False, {}, error)
    if network is None:
        return ret(name, True, {}, f"Network '{name}' already absent")
    return Plan(name, {}, f"Network '{name}' will be removed", lambda actx: _remove(actx, network))
