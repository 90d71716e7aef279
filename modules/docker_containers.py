"""``docker`` functions for containers: list, inspect, create, run, start/stop, remove, compare."""

from __future__ import annotations

import fnmatch
import re
import time
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context
from saline.modules import docker_compare, docker_translate
from saline.modules.docker_common import (
    CLIENT_TIMEOUT,
    SHUTDOWN_TIMEOUT,
    api,
    api_error_status,
    clean_kwargs,
    client,
    container_state,
    decode,
    invalid_kwargs,
    local_time,
    mod,
    split_input,
    to_int,
)

# ---- information --------------------------------------------------------------------------------


@mod.query
def inspect_container(ctx: Context, name: str) -> dict[str, Any]:
    """Return the engine's information about a container (``docker inspect``), by name or ID.

    CLI Example: ``saline-call --local docker.inspect_container web``
    """
    return api(ctx, "inspect_container", str(name))


@mod.query
def exists(ctx: Context, name: str) -> bool:
    """Return ``True`` when a container with this name or ID exists.

    CLI Example: ``saline-call --local docker.exists web``
    """
    try:
        inspect_container(ctx, name)
    except CommandExecutionError as exc:
        if api_error_status(exc) == 404:
            return False
        raise
    return True


@mod.query
def state(ctx: Context, name: str) -> str:
    """Return the state of a container: ``running``, ``paused`` or ``stopped``.

    CLI Example: ``saline-call --local docker.state web``
    """
    return container_state(inspect_container(ctx, name))


@mod.query
def pid(ctx: Context, name: str) -> int:
    """Return the host PID of the container's main process (0 when it is not running).

    CLI Example: ``saline-call --local docker.pid web``
    """
    return inspect_container(ctx, name)["State"]["Pid"]


def _interfaces() -> dict[str, Any]:
    import socket

    import psutil

    stats = psutil.net_if_stats()
    result: dict[str, Any] = {}
    for iface, addrs in psutil.net_if_addrs().items():
        entry: dict[str, Any] = {"hwaddr": "", "up": bool(stats.get(iface) and stats[iface].isup)}
        for addr in addrs:
            if addr.family == socket.AF_INET:
                entry.setdefault("inet", []).append(
                    {"address": addr.address, "netmask": addr.netmask, "broadcast": addr.broadcast,
                     "label": iface})
            elif addr.family == socket.AF_INET6:
                entry.setdefault("inet6", []).append(
                    {"address": addr.address.split("%")[0], "netmask": addr.netmask})
            elif addr.family == psutil.AF_LINK:
                entry["hwaddr"] = addr.address
        result[iface] = entry
    return result


@mod.query(name="ps")
def ps_(ctx: Context, filters: Any = None, **kwargs: Any) -> dict[str, Any]:
    """Return the containers keyed by ID (``docker ps``).

    ``all=True`` includes stopped containers; ``verbose=True`` adds each container's inspect data
    under ``Info``; ``host=True`` adds this host's network interfaces under ``host``; ``filters`` is a
    dict of engine filters (``{'label': 'role=web', 'status': 'exited'}``).

    CLI Example: ``saline-call --local docker.ps all=True``
    """
    kwargs = clean_kwargs(kwargs)
    show_all = bool(kwargs.pop("all", False))
    verbose = bool(kwargs.pop("verbose", False))
    host = bool(kwargs.pop("host", False))
    invalid_kwargs("ps", kwargs)
    if filters is not None and not isinstance(filters, dict):
        raise SaltInvocationError("filters must be a dictionary")
    ret: dict[str, Any] = {}
    for item in api(ctx, "containers", all=True, filters=filters):
        c_id = item.pop("Id", None)
        if c_id is None:
            continue
        running = str(item.get("Status", "")).lower().startswith("up ")
        if not running and not show_all:
            continue
        entry = {("Time_Created_Epoch" if k == "Created" else k): v for k, v in item.items()}
        if "Time_Created_Epoch" in entry:
            entry["Time_Created_Local"] = local_time(entry["Time_Created_Epoch"])
        ret[c_id] = entry
    if verbose:
        for c_id in ret:
            ret[c_id]["Info"] = inspect_container(ctx, c_id)
    if host:
        # Salt's shape comes from network.interfaces; without that module, a psutil equivalent.
        has_network = "network.interfaces" in ctx.salt
        ret.setdefault("host", {})["interfaces"] = ctx.salt["network.interfaces"]() if has_network else _interfaces()
    return ret


@mod.query
def list_containers(ctx: Context, **kwargs: Any) -> list[str]:
    """Return the sorted names of the running containers (all of them with ``all=True``).

    CLI Example: ``saline-call --local docker.list_containers all=True``
    """
    kwargs = clean_kwargs(kwargs)
    show_all = bool(kwargs.pop("all", False))
    invalid_kwargs("list_containers", kwargs)
    names = set()
    for item in ps_(ctx, all=show_all).values():
        names.update(n.lstrip("/") for n in item.get("Names") or [])
    return sorted(names)


@mod.query
def logs(ctx: Context, name: str, **kwargs: Any) -> str:
    """Return a container's logs.

    Arguments as the SDK's ``logs``: ``stdout`` (True), ``stderr`` (True), ``timestamps`` (False),
    ``tail`` (a number of lines or ``all``), ``since``/``until`` (UNIX time), ``follow`` (wait until the
    container exits). ``stream`` is refused.

    CLI Example: ``saline-call --local docker.logs web tail=100``
    """
    kwargs = clean_kwargs(kwargs)
    if "stream" in kwargs:
        raise SaltInvocationError("The 'stream' argument is not supported")
    allowed = {"stdout", "stderr", "timestamps", "tail", "since", "follow", "until"}
    invalid_kwargs("logs", {k: v for k, v in kwargs.items() if k not in allowed})
    for key in ("since", "until"):
        if key in kwargs:
            kwargs[key] = to_int(kwargs[key], key)
    return decode(api(ctx, "logs", str(name), **kwargs))


@mod.query
def port(ctx: Context, name: str, private_port: Any = None) -> dict[str, Any]:
    """Return a container's port mappings (``docker port``): ``{"80/tcp": [{HostIp, HostPort}]}``.

    ``private_port`` selects one port (``5000`` or ``5000/udp``). A glob ``name`` returns the mappings
    of every matching container keyed by name.

    CLI Example: ``saline-call --local docker.port web 80``
    """
    name = str(name)
    pattern_used = bool(re.search(r"[*?\[]", name))
    names = fnmatch.filter(list_containers(ctx, all=True), name) if pattern_used else [name]
    if private_port is None:
        pattern = "*"
    elif isinstance(private_port, int) and not isinstance(private_port, bool):
        pattern = f"{private_port}/*"
    else:
        num, _, proto = str(private_port).partition("/")
        if not num.isdigit() or proto.lower() not in ("tcp", "udp"):
            raise SaltInvocationError(
                f"Invalid private_port '{private_port}'. Must either be a port number, or be in "
                "port/protocol notation (e.g. 5000/tcp)")
        pattern = f"{num}/{proto.lower()}"
    ret = {}
    for c_name in names:
        mappings = (inspect_container(ctx, c_name).get("NetworkSettings") or {}).get("Ports") or {}
        ret[c_name] = {k: mappings[k] for k in fnmatch.filter(mappings, pattern)}
    return ret if pattern_used else ret.get(name, {})


@mod.query
def top(ctx: Context, name: str) -> list[dict[str, str]]:
    """Return the processes of a running container (``docker top``), one dict per process.

    CLI Example: ``saline-call --local docker.top web``
    """
    response = api(ctx, "top", str(name))
    titles = response.get("Titles") or []
    return [dict(zip(titles, proc, strict=False)) for proc in response.get("Processes") or []]


@mod.query
def diff(ctx: Context, name: str) -> dict[str, list[str]]:
    """Return the filesystem changes of a container (``docker diff``): ``Added``/``Changed``/``Deleted``.

    CLI Example: ``saline-call --local docker.diff web``
    """
    kinds = {0: "Changed", 1: "Added", 2: "Deleted"}
    ret: dict[str, list[str]] = {}
    for change in api(ctx, "diff", str(name)) or []:
        ret.setdefault(kinds.get(change["Kind"], "Unknown"), []).append(change["Path"])
    return ret


def _image_id(ctx: Context, image: str) -> str:
    return api(ctx, "inspect_image", image)["Id"]


@mod.query
def compare_containers(ctx: Context, first: str, second: str, ignore: Any = None) -> dict[str, Any]:
    """Compare two containers' ``Config`` and ``HostConfig``: ``{section: {key: {old, new}}}``.

    ``ignore`` is a list (or comma-separated string) of keys to skip, e.g. ``Hostname``.

    CLI Example: ``saline-call --local docker.compare_containers web web-new ignore=Hostname``
    """
    one, two = inspect_container(ctx, first), inspect_container(ctx, second)
    return docker_compare.compare_inspect(one, two, split_input(ignore), lambda img: _image_id(ctx, img),
                                          str(first), str(second))


@mod.query(name="compare_container")
def compare_container(ctx: Context, first: str, second: str, ignore: Any = None) -> dict[str, Any]:
    """Alias of ``docker.compare_containers``.

    CLI Example: ``saline-call --local docker.compare_container web web-new``
    """
    return compare_containers(ctx, first, second, ignore)


def translate(ctx: Context, image: str, name: str | None, skip_translate: Any, ignore_collisions: Any,
              validate_ip_addrs: Any, kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], Any]:
    translated = docker_translate.translate_container(clean_kwargs(kwargs), skip_translate, ignore_collisions,
                                                      validate_ip_addrs)
    create, host, networks = docker_translate.split_create_kwargs(translated)
    return create, host, docker_translate.parse_networks(networks)


@mod.query
def compare_container_config(ctx: Context, name: str, image: str, skip_translate: Any = None,
                             ignore_collisions: Any = False, validate_ip_addrs: Any = True,
                             **kwargs: Any) -> dict[str, Any]:
    """Differences between container ``name`` and the one ``docker.create image ...`` would make.

    A Saline addition used by ``docker_container.running``: the wanted configuration is computed, not
    created, so nothing changes on the engine. Returns ``{"Config": {...}, "HostConfig": {...},
    "Networks": {...}}`` with ``{key: {old, new}}`` entries (empty sections are left out); the image
    itself is not compared (see ``docker.resolve_image_id``).

    CLI Example: ``saline-call --local docker.compare_container_config web myimage:1 command='sleep 9'``
    """
    create, host, networks = translate(ctx, image, name, skip_translate, ignore_collisions,
                                       validate_ip_addrs, kwargs)
    current = inspect_container(ctx, name)
    image_info = api(ctx, "inspect_image", str(image))
    cli = client(ctx)
    swap = bool(api(ctx, "info").get("SwapLimit"))
    proxy = getattr(cli, "_proxy_configs", None)
    expected = docker_compare.expected_config(
        cli.api_version, str(image), image_info, create, host, current["Name"].lstrip("/"), swap,
        proxy.inject_proxy_environment if proxy is not None else None)
    changes = docker_compare.diff_config(current, expected)
    net_diff = docker_compare.diff_networks(
        current, docker_compare.expected_networks(networks, host.get("network_mode")))
    if net_diff:
        changes["Networks"] = net_diff
    return changes


# ---- creating and running -----------------------------------------------------------------------

def _ensure_image(ctx: Context, image: str, client_timeout: Any) -> None:
    from saline.modules import docker_images

    if not docker_images.resolve_image_id(ctx, image):
        docker_images.pull(ctx, image, client_timeout=client_timeout)


def _connect_networks(ctx: Context, c_id: str, networks: dict[str, dict[str, Any]]) -> None:
    """Attach to ``networks`` and leave the default one, as Salt's container states do."""
    for net, opts in networks.items():
        api(ctx, "connect_container_to_network", c_id, net, **opts)
    current = (inspect_container(ctx, c_id).get("NetworkSettings") or {}).get("Networks") or {}
    for net in current:
        if net not in networks:
            api(ctx, "disconnect_container_from_network", c_id, net)


def create_from_args(ctx: Context, image: str, name: str | None, create: dict[str, Any], host: dict[str, Any],
                     networks: dict[str, dict[str, Any]], client_timeout: Any) -> dict[str, Any]:
    overlay = create.pop("host_config", None) or {}
    host_config = api(ctx, "create_host_config", **host)
    host_config.update(overlay)
    started = time.time()
    response = api(ctx, "create_container", image, name=name, host_config=host_config,
                   client_timeout=client_timeout, **create)
    if networks:
        try:
            _connect_networks(ctx, response["Id"], networks)
        except CommandExecutionError:
            api(ctx, "remove_container", response["Id"], force=True)
            raise
    response["Time_Elapsed"] = time.time() - started
    response["Name"] = name or inspect_container(ctx, response["Id"])["Name"].lstrip("/")
    return response


@mod.action
def create(ctx: Context, image: str, name: str | None = None, start: bool = False, skip_translate: Any = None,
           ignore_collisions: bool = False, validate_ip_addrs: bool = True, client_timeout: Any = CLIENT_TIMEOUT,
           **kwargs: Any) -> dict[str, Any]:
    """Create a container from ``image`` (pulled first when missing, unless ``inspect=False``).

    Container options use Salt's names and formats: ``command`` (``cmd``), ``environment`` (``env``:
    list of ``K=V`` or a dict), ``port_bindings`` (``publish``: ``127.0.0.1:8080:80``, ``8080:80``,
    ``53/udp``), ``ports``, ``binds`` (``/src:/dst:ro``), ``volumes``, ``labels``, ``restart_policy``
    (``on-failure:3``), ``mem_limit`` (``memory``: ``64m``), ``memswap_limit``, ``stop_timeout``,
    ``stop_signal``, ``entrypoint``, ``user``, ``working_dir``, ``hostname``, ``tty``, ``stdin_open``,
    ``auto_remove``, ``privileged``, ``cap_add``/``cap_drop``, ``dns``, ``extra_hosts``, ``links``,
    ``network_mode``, ``log_driver``/``log_opt``, ``ulimits``, ``devices``, ``shm_size``, ``init``, ...
    (any argument of the SDK's ``create_container``/``create_host_config``). ``networks`` (names, or
    names mapped to ``aliases``/``ipv4_address``/``ipv6_address``/``links``) attaches the container to
    those networks only. ``skip_translate`` (list or ``True``) passes arguments to the SDK untouched.
    ``start=True`` also starts it. Returns the engine's ``{Id, Warnings}`` plus ``Name``,
    ``Time_Elapsed`` (and ``Started``).

    CLI Example: ``saline-call --local docker.create busybox:1 name=web command='sleep 600' memory=64m``
    """
    kwargs = clean_kwargs(kwargs)
    if kwargs.pop("inspect", True):
        _ensure_image(ctx, str(image), client_timeout)
    c_create, host, networks = translate(ctx, str(image), name, skip_translate, ignore_collisions,
                                         validate_ip_addrs, kwargs)
    response = create_from_args(ctx, str(image), name, c_create, host, networks, client_timeout)
    if start:
        try:
            start_(ctx, response["Name"])
        except CommandExecutionError as exc:
            raise CommandExecutionError(f"Failed to start container after creation: {exc}") from exc
        response["Started"] = True
    return response


@mod.action
def run_container(ctx: Context, image: str, name: str | None = None, skip_translate: Any = None,
                  ignore_collisions: bool = False, validate_ip_addrs: bool = True,
                  client_timeout: Any = CLIENT_TIMEOUT, bg: bool = False, replace: bool = False,
                  force: bool = False, networks: Any = None, **kwargs: Any) -> dict[str, Any]:
    """Create and start a container (``docker run``); without ``bg=True``, wait for it to exit.

    Takes the container options of ``docker.create``. An existing container ``name`` is an error
    unless ``replace=True`` (and ``force=True`` when it is running). In the foreground the return has
    the container's ``Logs`` and ``ExitCode``; ``bg=True`` returns once it has started.

    CLI Example: ``saline-call --local docker.run_container busybox:1 command='echo hi' auto_remove=True``
    """
    kwargs = clean_kwargs(kwargs)
    if kwargs.pop("inspect", True):
        _ensure_image(ctx, str(image), client_timeout)
    log_args = {k: kwargs.pop(k) for k in ("stdout", "stderr", "timestamps", "tail", "since", "until")
                if k in kwargs}
    kwargs.pop("stream", None)
    if networks:
        kwargs["networks"] = networks
    c_create, host, nets = translate(ctx, str(image), name, skip_translate, ignore_collisions,
                                     validate_ip_addrs, kwargs)
    removed = None
    if name is not None and exists(ctx, name):
        pre = state(ctx, name)
        if pre == "running" and not (replace and force):
            raise CommandExecutionError(
                f"Container '{name}' exists and is running. Run with replace=True and force=True to force "
                "removal of the existing container.")
        if not replace:
            raise CommandExecutionError(f"Container '{name}' exists. Run with replace=True to remove the "
                                        "existing container")
        removed = rm_(ctx, name, force=force)
    ret = create_from_args(ctx, str(image), name, c_create, host, nets, client_timeout)
    started = time.time() - ret.pop("Time_Elapsed")
    if removed:
        ret["Replaces"] = removed
    auto_remove = bool(host.get("auto_remove"))
    api(ctx, "start", ret["Id"])
    if not bg:
        output = []
        try:
            for chunk in api(ctx, "logs", ret["Id"], stream=True, follow=True, **log_args):
                output.append(decode(chunk))
        except CommandExecutionError:
            _warn(ret, "Failed to get logs from container. This may be because the container exited "
                       "before Saline was able to attach to it to retrieve the logs. Consider setting "
                       "auto_remove to False.")
        ret["Logs"] = "".join(output)
        if not auto_remove:
            try:
                info = inspect_container(ctx, ret["Id"])
            except CommandExecutionError:
                _warn(ret, "Failed to inspect container after running")
            else:
                c_state = info.get("State") or {}
                if c_state.get("Status") != "exited":
                    _warn(ret, "Container state is not 'exited'")
                ret["ExitCode"] = c_state.get("ExitCode")
                ctx.retcode = int(c_state.get("ExitCode") or 0)
    ret["Time_Elapsed"] = time.time() - started
    return ret


def _warn(ret: dict[str, Any], msg: str) -> None:
    warnings = ret.get("Warnings")
    ret["Warnings"] = [*(warnings if isinstance(warnings, list) else [warnings] if warnings else []), msg]


# ---- state changes ------------------------------------------------------------------------------

def _change_state(ctx: Context, name: str, action: str, expected: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    pre = state(ctx, name)
    if action != "restart" and pre == expected:
        return {"result": False, "state": {"old": expected, "new": expected},
                "comment": f"Container '{name}' already {expected}"}
    api(ctx, action, name, *args, **kwargs)
    try:
        post: str | None = state(ctx, name)
    except CommandExecutionError:
        post = None  # gone (auto_remove)
    return {"result": post == expected, "state": {"old": pre, "new": post}}


@mod.action(name="start")
def start_(ctx: Context, name: str) -> dict[str, Any]:
    """Start a stopped container: ``{result, state: {old, new}}`` (``comment`` when nothing was done).

    CLI Example: ``saline-call --local docker.start web``
    """
    if state(ctx, name) == "paused":
        return {"result": False, "state": {"old": "paused", "new": "paused"},
                "comment": f"Container '{name}' is paused, cannot start"}
    return _change_state(ctx, name, "start", "running")


@mod.action
def stop(ctx: Context, name: str, timeout: Any = None, **kwargs: Any) -> dict[str, Any]:
    """Stop a container: SIGTERM (or its stop signal), then SIGKILL after ``timeout`` seconds.

    ``timeout`` defaults to the container's ``StopTimeout`` or 10. A paused container is only stopped
    with ``unpause=True``.

    CLI Example: ``saline-call --local docker.stop web timeout=5``
    """
    kwargs = clean_kwargs(kwargs)
    unpause_first = bool(kwargs.pop("unpause", False))
    invalid_kwargs("stop", kwargs)
    info = inspect_container(ctx, name)
    if timeout is None:
        timeout = (info.get("Config") or {}).get("StopTimeout")
        timeout = SHUTDOWN_TIMEOUT if timeout is None else timeout
    timeout = to_int(timeout, "timeout")
    orig = container_state(info)
    if orig == "paused":
        if not unpause_first:
            return {"result": False, "state": {"old": orig, "new": orig},
                    "comment": f"Container '{name}' is paused, run with unpause=True to unpause before stopping"}
        result = _change_state(ctx, name, "unpause", "running")
        if result["result"] is False:
            result["comment"] = f"Failed to unpause container '{name}'"
            return result
    ret = _change_state(ctx, name, "stop", "stopped", timeout=timeout)
    ret["state"]["old"] = orig
    return ret


@mod.action
def restart(ctx: Context, name: str, timeout: Any = 10) -> dict[str, Any]:
    """Restart a container, giving it ``timeout`` seconds to stop; adds ``restarted: True`` on success.

    CLI Example: ``saline-call --local docker.restart web timeout=2``
    """
    ret = _change_state(ctx, name, "restart", "running", timeout=to_int(timeout, "timeout"))
    if ret["result"]:
        ret["restarted"] = True
    return ret


@mod.action
def kill(ctx: Context, name: str) -> dict[str, Any]:
    """Kill a container (SIGKILL): ``{result, state: {old, new}}``.

    CLI Example: ``saline-call --local docker.kill web``
    """
    return _change_state(ctx, name, "kill", "stopped")


@mod.action
def pause(ctx: Context, name: str) -> dict[str, Any]:
    """Pause (freeze) a running container.

    CLI Example: ``saline-call --local docker.pause web``
    """
    if state(ctx, name) == "stopped":
        return {"result": False, "state": {"old": "stopped", "new": "stopped"},
                "comment": f"Container '{name}' is stopped, cannot pause"}
    return _change_state(ctx, name, "pause", "paused")


@mod.action
def unpause(ctx: Context, name: str) -> dict[str, Any]:
    """Unpause a paused container.

    CLI Example: ``saline-call --local docker.unpause web``
    """
    if state(ctx, name) == "stopped":
        return {"result": False, "state": {"old": "stopped", "new": "stopped"},
                "comment": f"Container '{name}' is stopped, cannot unpause"}
    return _change_state(ctx, name, "unpause", "running")


@mod.action(name="signal")
def signal_(ctx: Context, name: str, signal: Any) -> bool:
    """Send a signal (``HUP``, ``SIGUSR1``, ``9``) to a container's main process; returns ``True``.

    CLI Example: ``saline-call --local docker.signal web HUP``
    """
    api(ctx, "kill", str(name), signal=signal)
    return True


@mod.action
def wait(ctx: Context, name: str, ignore_already_stopped: bool = False,
         fail_on_exit_status: bool = False) -> dict[str, Any]:
    """Wait for a container to exit: ``{result, state: {old, new}, exit_status}``.

    A container already stopped gives ``result: ignore_already_stopped``; with
    ``fail_on_exit_status=True`` a non-zero exit status makes ``result`` False.

    CLI Example: ``saline-call --local docker.wait job1 fail_on_exit_status=True``
    """
    try:
        pre = state(ctx, name)
    except CommandExecutionError:
        return {"result": bool(ignore_already_stopped), "comment": f"Container '{name}' absent"}
    already = pre == "stopped"
    response = api(ctx, "wait", str(name), timeout=None)
    try:
        post: str | None = state(ctx, name)
    except CommandExecutionError:
        post = None
    status = response.get("StatusCode") if isinstance(response, dict) else response
    ret: dict[str, Any] = {"result": bool(ignore_already_stopped) if already else post == "stopped",
                           "state": {"old": pre, "new": post}, "exit_status": status}
    if already:
        ret["comment"] = f"Container '{name}' already stopped"
    if fail_on_exit_status and ret["result"]:
        ret["result"] = status == 0
    return ret


@mod.action(name="rm")
def rm_(ctx: Context, name: str, force: bool = False, volumes: bool = False, **kwargs: Any) -> list[str]:
    """Remove a container; returns the IDs removed.

    A running container needs ``force=True`` (killed) or ``stop=True`` (stopped first, with
    ``timeout``); ``volumes=True`` also removes its anonymous volumes.

    CLI Example: ``saline-call --local docker.rm web stop=True timeout=2``
    """
    kwargs = clean_kwargs(kwargs)
    do_stop = bool(kwargs.pop("stop", False))
    timeout = kwargs.pop("timeout", None)
    invalid_kwargs("rm", kwargs)
    info = inspect_container(ctx, name)
    if container_state(info) == "running" and not (force or do_stop):
        raise CommandExecutionError(f"Container '{name}' is running, use force=True to forcibly remove this container")
    auto_remove = False
    if do_stop and not force:
        auto_remove = bool((info.get("HostConfig") or {}).get("AutoRemove"))
        stop(ctx, name, timeout=timeout)
    if auto_remove:
        # The engine removes it after the stop; wait briefly so the return lists it.
        for _ in range(50):
            if not exists(ctx, info["Id"]):
                break
            time.sleep(0.1)
    else:
        api(ctx, "remove_container", str(name), v=bool(volumes), force=bool(force))
    # Only this container's ID: a diff of the whole list would also catch other clients' removals.
    return [] if exists(ctx, info["Id"]) else [info["Id"]]


@mod.action
def rename(ctx: Context, name: str, new_name: str) -> bool:
    """Rename a container; ``True`` when the new name refers to the same container.

    CLI Example: ``saline-call --local docker.rename web web-old``
    """
    c_id = inspect_container(ctx, name)["Id"]
    api(ctx, "rename", c_id, str(new_name))
    return inspect_container(ctx, new_name)["Id"] == c_id
