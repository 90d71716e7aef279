"""State module ``docker_container``: containers running with a given configuration, stopped, absent.

``running`` plans with read-only queries: the existing container is compared with the configuration
the arguments describe (``docker.compare_container_config`` computes it, nothing is created), so
``test=True`` reports Salt's ``{container: {Config: {Key: {old, new}}}}`` changes without touching the
engine. Applying creates the new container first, then removes the old one and renames the new one
into place (Salt's order), and reports the differences between the two real containers.
"""

from __future__ import annotations

from typing import Any

from saline.errors import SalineError
from saline.states.api import Plan, StateModule, ret

st = StateModule("docker_container", doc="Manage Docker containers.")

_TRANSLATE_HINT = ("\n\nIf you feel this information is incorrect, the skip_translate argument can be used to "
                   "skip input translation for the argument(s) identified as invalid. See the documentation "
                   "for details.")


def _comment(comments: list[str]) -> str:
    text = ". ".join(comments)
    return text + "." if len(comments) > 1 else text


def _error_comment(exc: Exception) -> str:
    text = str(exc)
    return text + _TRANSLATE_HINT if text.startswith("Failed to translate input") else text


def _network_names(networks: Any) -> dict[str, dict[str, Any]]:
    """The ``networks`` argument as ``{name: connect options}`` (names, lists of dicts or a dict)."""
    if not networks:
        return {}
    if isinstance(networks, str):
        return {n.strip(): {} for n in networks.split(",") if n.strip()}
    items: list[tuple[Any, Any]] = []
    if isinstance(networks, dict):
        items = list(networks.items())
    else:
        for entry in networks:
            items.extend(entry.items() if isinstance(entry, dict) else [(entry, None)])
    parsed: dict[str, dict[str, Any]] = {}
    for net, conf in items:
        opts: dict[str, Any] = {}
        for part in conf if isinstance(conf, list) else [conf or {}]:
            opts.update(part if isinstance(part, dict) else {})
        for key in ("aliases", "links"):
            if isinstance(opts.get(key), str):
                opts[key] = [x.strip() for x in opts[key].split(",") if x.strip()]
        parsed[str(net)] = opts
    return parsed


def _inspect(ctx: Any, name: str) -> dict[str, Any] | None:
    try:
        return ctx.salt["docker.inspect_container"](name)
    except SalineError as exc:
        if "404" in str(exc):
            return None
        raise


def _state_of(info: dict[str, Any]) -> str:
    status = info.get("State") or {}
    return "paused" if status.get("Paused") else "running" if status.get("Running") else "stopped"


@st.state
def running(ctx: Any, name: str, image: Any = None, skip_translate: Any = None, ignore_collisions: bool = False,
            validate_ip_addrs: bool = True, force: bool = False, watch_action: str = "force", start: bool = True,
            shutdown_timeout: Any = None, client_timeout: Any = 60, networks: Any = None,
            **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure container ``name`` exists from ``image`` with the given configuration (and runs, unless
    ``start=False``). A container whose image or configuration differs is replaced; ``force`` replaces it
    anyway. Container options are those of ``docker.create`` (``command``, ``environment``,
    ``port_bindings``, ``binds``, ``labels``, ``restart_policy``, ``mem_limit``, ``stop_timeout``, ...);
    ``networks`` lists the networks to attach (others are left). ``shutdown_timeout`` is the stop
    timeout used when the old container is removed."""
    name = str(name)
    if image is None:
        return ret(name, False, {}, "The 'image' argument is required")
    image = str(image)
    send_signal = bool(kwargs.pop("send_signal", False))
    wanted_nets = _network_names(networks)
    try:
        if wanted_nets:
            present = {n.get("Name") for n in ctx.salt["docker.networks"]()}
            missing = [n for n in sorted(wanted_nets) if n not in present]
            if missing:
                return ret(name, False, {}, f"The following networks are not present: {', '.join(missing)}")
        image_id = ctx.salt["docker.resolve_image_id"](image)
        current = _inspect(ctx, name)
    except SalineError as exc:
        return ret(name, False, {}, str(exc))
    exists = current is not None
    current_image_id = current.get("Image") if current else None
    pre_state = _state_of(current) if current else None
    create_args = dict(kwargs, skip_translate=skip_translate, ignore_collisions=ignore_collisions,
                       validate_ip_addrs=validate_ip_addrs)
    if networks is not None:
        create_args["networks"] = networks

    if force or not exists or current_image_id != image_id:
        planned: dict[str, Any] = {}
        if force:
            planned["forced_update"] = True
        elif current_image_id != image_id:
            planned["image"] = {"old": current_image_id, "new": image_id}

        def apply_replace(actx: Any) -> dict[str, Any]:
            return _create_or_replace(actx, name, image, image_id, current, create_args, client_timeout,
                                      shutdown_timeout, start, compare=False)

        return Plan(name, planned, f"Container '{name}' would be {'replaced' if exists else 'created'}",
                    apply_replace)

    try:
        diff = ctx.salt["docker.compare_container_config"](name, image, **create_args)
    except SalineError as exc:
        return ret(name, False, {}, _error_comment(exc))
    net_diff = diff.pop("Networks", None)
    will_start = start and pre_state != "running"

    if diff:
        planned = {"container": {**diff, **({"Networks": net_diff} if net_diff else {})}}
        comments = [f"Container '{name}' would be replaced"] + (["Container would be started"] if will_start else [])

        def apply_config(actx: Any) -> dict[str, Any]:
            return _create_or_replace(actx, name, image, image_id, current, create_args, client_timeout,
                                      shutdown_timeout, start, compare=True, net_diff=net_diff)

        return Plan(name, planned, _comment(comments), apply_config)

    if send_signal:
        def apply_signal(actx: Any) -> dict[str, Any]:
            try:
                actx.salt["docker.signal"](name, signal=watch_action)
            except SalineError as exc:
                return ret(name, False, {}, f"Failed to signal container: {exc}")
            return ret(name, True, {"signal": watch_action}, f"Sent signal {watch_action} to container")

        return Plan(name, {}, f"Signal {watch_action} would be sent to container", apply_signal)

    done = f"Container '{name}' is already configured as specified"
    if net_diff:
        comments = [done, "Network configuration would be updated"] + (
            ["Container would be started"] if will_start else [])

        def apply_networks(actx: Any) -> dict[str, Any]:
            return _update_networks(actx, name, wanted_nets, net_diff, pre_state, start, done)

        return Plan(name, {"container": {"Networks": net_diff}}, _comment(comments), apply_networks)

    if will_start:
        def apply_start(actx: Any) -> dict[str, Any]:
            return _finish(actx, name, {}, [done], pre_state, start, do_start=True)

        return Plan(name, {}, _comment([done, "Container would be started"]), apply_start)
    if start and pre_state != "running":
        return ret(name, False, {}, _comment([done, "Container is not running"]))
    return ret(name, True, {}, done)


def _create_or_replace(ctx: Any, name: str, image: str, image_id: Any, current: dict[str, Any] | None,
                       create_args: dict[str, Any], client_timeout: Any, shutdown_timeout: Any, start: bool,
                       compare: bool, net_diff: dict[str, Any] | None = None) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    comments: list[str] = []
    exists = current is not None
    pre_state = _state_of(current) if current else None
    try:
        if image_id is False:
            pulled = ctx.salt["docker.pull"](image, client_timeout=client_timeout)
            if pulled.get("retcode"):
                raise SalineError("; ".join(pulled.get("Errors") or ["pull failed"]))
            changes["image"] = pulled
            image_id = ctx.salt["docker.resolve_image_id"](image)
            if image_id is False:
                return ret(name, False, changes, f"Image '{image}' not present despite a docker pull raising "
                                                 "no errors")
    except SalineError as exc:
        return ret(name, False, {}, f"Failed to pull {image}: {exc}")
    try:
        new = ctx.salt["docker.create"](image, name=None if exists else name, client_timeout=client_timeout,
                                        **create_args)
    except SalineError as exc:
        return ret(name, False, changes, _error_comment(exc))
    if exists:
        if compare:
            container_changes = ctx.salt["docker.compare_containers"](name, new["Name"], ignore="Hostname")
            if net_diff:
                container_changes["Networks"] = net_diff
            if container_changes:
                changes["container"] = container_changes
        rm_args: dict[str, Any] = {"stop": True}
        if shutdown_timeout is not None:
            rm_args["timeout"] = shutdown_timeout
        try:
            changes.setdefault("container_id", {})["removed"] = ctx.salt["docker.rm"](name, **rm_args)
            renamed = ctx.salt["docker.rename"](new["Name"], name)
        except SalineError as exc:
            comments.append(f"Failed to replace container '{name}': {exc}")
            return ret(name, False, changes, _comment(comments))
        if not renamed:
            return ret(name, False, changes, f"Failed to replace container '{name}'")
        comments.append(f"Replaced container '{name}'")
    else:
        comments.append(f"Created container '{name}'")
        if "networks" in create_args:
            nets = _new_container_networks(_network_names(create_args["networks"]), create_args.get("network_mode"))
            if nets:
                changes["container"] = {"Networks": nets}
    changes.setdefault("container_id", {})["added"] = new["Id"]
    # A new container is always started; a replacement only when start=True (Salt's rule).
    result = _finish(ctx, name, changes, comments, pre_state, start, do_start=start or not exists)
    if exists and current and current.get("Image") != image_id:
        result["changes"]["image"] = {"old": current.get("Image"), "new": image_id}
        result["comment"] = _comment([*comments, "Container has a new image"]) if result["result"] else \
            result["comment"]
    return result


def _finish(ctx: Any, name: str, changes: dict[str, Any], comments: list[str], pre_state: str | None,
            start: bool, do_start: bool) -> dict[str, Any]:
    """Start the container when ``do_start``, record the state change, check it runs if ``start``."""
    post_state: str | None
    if do_start:
        try:
            post_state = ctx.salt["docker.start"](name)["state"]["new"]
        except SalineError as exc:
            comments.append(f"Failed to start container '{name}': '{exc}'")
            return ret(name, False, changes, _comment(comments))
    else:
        post_state = ctx.salt["docker.state"](name)
    if post_state == "running":
        _automatic_addresses(ctx, name, changes)
    if pre_state != post_state:
        changes["state"] = {"old": pre_state, "new": post_state}
        if pre_state is not None:
            comments.append(f"State changed from '{pre_state}' to '{post_state}'")
    if post_state != "running" and start:
        comments.append("Container is not running")
        return ret(name, False, changes, _comment(comments))
    return ret(name, True, changes, _comment(comments))


_AUTO_KEYS = ("IPAddress", "Gateway", "GlobalIPv6Address", "IPv6Gateway")


def _new_container_networks(wanted: dict[str, dict[str, Any]], network_mode: Any) -> dict[str, Any]:
    """Salt's network changes for a new container: from the default network to the listed ones."""
    mode = str(network_mode or "default")
    default = "bridge" if mode == "default" else mode
    changes: dict[str, Any] = {}
    if wanted and default not in wanted and not mode.startswith("container:"):
        changes[default] = {"IPConfiguration": {"old": "automatic", "new": "not connected"}}
    for net, opts in wanted.items():
        entry: dict[str, Any] = {}
        for key, opt in (("Aliases", "aliases"), ("Links", "links")):
            if opts.get(opt):
                entry[key] = {"old": None, "new": sorted(opts[opt])}
        static = {k: str(opts[o]) for k, o in (("IPv4Address", "ipv4_address"), ("IPv6Address", "ipv6_address"))
                  if opts.get(o)}
        if static:
            entry["IPAMConfig"] = {"old": None, "new": static}
        else:
            entry["IPConfiguration"] = {"old": "not connected", "new": "automatic"}
        changes[net] = entry
    return changes


def _automatic_addresses(ctx: Any, name: str, changes: dict[str, Any]) -> None:
    """Once running, report the addresses the engine chose instead of "automatic" (as Salt does)."""
    nets = (changes.get("container") or {}).get("Networks") or {}
    pending = [n for n, c in nets.items() if (c.get("IPConfiguration") or {}).get("new") == "automatic"]
    if not pending:
        return
    endpoints = (ctx.salt["docker.inspect_container"](name).get("NetworkSettings") or {}).get("Networks") or {}
    for net in pending:
        found = {k: endpoints.get(net, {}).get(k) for k in _AUTO_KEYS if endpoints.get(net, {}).get(k)}
        for key, val in found.items():
            nets[net][key] = {"old": None, "new": val}
        if found:
            nets[net].pop("IPConfiguration", None)


def _update_networks(ctx: Any, name: str, wanted: dict[str, dict[str, Any]], net_diff: dict[str, Any],
                     pre_state: str | None, start: bool, done_comment: str) -> dict[str, Any]:
    comments: list[str] = [done_comment]
    errors: list[str] = []
    done: dict[str, Any] = {}
    for net in sorted(net_diff):
        disconnected = connected = False
        try:
            if name in ctx.salt["docker.connected"](net):
                ctx.salt["docker.disconnect_container_from_network"](name, net)
                disconnected = True
            if net in wanted or (not wanted and net == "bridge"):
                ctx.salt["docker.connect_container_to_network"](name, net, **wanted.get(net, {}))
                connected = True
        except SalineError as exc:
            errors.append(str(exc))
        done[net] = net_diff[net]
        if disconnected and connected:
            comments.append(f"Reconnected to network '{net}' with updated configuration")
        elif disconnected:
            comments.append(f"Disconnected from network '{net}'")
        elif connected:
            comments.append(f"Connected to network '{net}'")
    changes: dict[str, Any] = {"container": {"Networks": done}}
    if errors:
        return ret(name, False, changes, _comment(comments + errors))
    return _finish(ctx, name, changes, comments, pre_state, start, do_start=start and pre_state != "running")


@st.state
def stopped(ctx: Any, name: str | None = None, containers: Any = None, shutdown_timeout: Any = None,
            unpause: bool = False, error_on_absent: bool = True, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure containers (``name``, or the list ``containers``) are not running; ``shutdown_timeout``
    bounds each stop, ``unpause`` lets paused ones be stopped, ``error_on_absent=False`` accepts
    missing containers."""
    label = name or ""
    if not name and not containers:
        return ret(label, False, {}, "One of 'name' and 'containers' must be provided")
    if containers is not None:
        if not isinstance(containers, list):
            return ret(label, False, {}, "containers must be a list")
        targets = [str(x) for x in containers]
    else:
        targets = [str(name)]
    by_state: dict[str, list[str]] = {}
    try:
        for target in targets:
            info = _inspect(ctx, target)
            by_state.setdefault(_state_of(info) if info else "absent", []).append(target)
    except SalineError as exc:
        return ret(label, False, {}, str(exc))
    errors = []
    if error_on_absent and "absent" in by_state:
        errors.append(f"The following container(s) are absent: {', '.join(by_state['absent'])}")
    if not unpause and "paused" in by_state:
        errors.append(f"The following container(s) are paused: {', '.join(by_state['paused'])}")
    if errors:
        return ret(label, False, {}, ". ".join(errors))
    to_stop = by_state.get("running", []) + by_state.get("paused", [])
    if not to_stop:
        prefix = f"Container '{targets[0]}' is " if len(targets) == 1 else "All specified containers are "
        return ret(label, True, {}, prefix + ("absent or " if "absent" in by_state else "") + "not running")

    def apply(actx: Any) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        stop_errors = []
        for target in to_stop:
            stop_args: dict[str, Any] = {"unpause": unpause}
            if shutdown_timeout:
                stop_args["timeout"] = shutdown_timeout
            try:
                result = actx.salt["docker.stop"](target, **stop_args)
            except SalineError as exc:
                stop_errors.append(str(exc))
                continue
            if result["result"] is True:
                changes[target] = result
            else:
                stop_errors.append(result.get("comment") or f"Failed to stop container '{target}'")
        if stop_errors:
            return ret(label, False, changes, "; ".join(stop_errors))
        return ret(label, True, changes, f"The following container(s) were stopped: {', '.join(to_stop)}")

    return Plan(label, {}, f"The following container(s) will be stopped: {', '.join(to_stop)}", apply)


@st.state
def absent(ctx: Any, name: str, force: bool = False) -> dict[str, Any] | Plan:
    """Ensure container ``name`` does not exist; a running one is only removed with ``force``."""
    name = str(name)
    try:
        names = ctx.salt["docker.list_containers"](all=True)
        if name not in names:
            return ret(name, True, {}, f"Container '{name}' does not exist")
        pre_state = ctx.salt["docker.state"](name)
    except SalineError as exc:
        return ret(name, False, {}, str(exc))
    if pre_state != "stopped" and not force:
        return ret(name, False, {}, "Container is running, set force to True to forcibly remove it")

    def apply(actx: Any) -> dict[str, Any]:
        try:
            removed = actx.salt["docker.rm"](name, force=force)
        except SalineError as exc:
            return ret(name, False, {}, f"Failed to remove container '{name}': {exc}")
        changes = {"removed": removed}
        if name in actx.salt["docker.list_containers"](all=True):
            return ret(name, False, changes, f"Failed to remove container '{name}'")
        method = "Forcibly" if force and pre_state != "stopped" else "Successfully"
        return ret(name, True, changes, f"{method} removed container '{name}'")

    return Plan(name, {}, f"Container '{name}' will be removed", apply)


@st.watch
def mod_watch(ctx: Any, name: str, sfun: str | None = None, **kwargs: Any) -> dict[str, Any] | Plan:
    """A watched change replaces a ``running`` container (``watch_action: force``, the default) or sends
    it the signal named by ``watch_action``; for ``stopped`` it re-checks the stop."""
    if sfun == "running":
        if kwargs.get("watch_action", "force") == "force":
            kwargs["force"] = True
        else:
            kwargs["send_signal"] = True
            kwargs["force"] = False
        return running(ctx, name, **kwargs)
    if sfun == "stopped":
        return stopped(ctx, name, **kwargs)
    return ret(name, False, {}, f"watch requisite is not implemented for {sfun}")
