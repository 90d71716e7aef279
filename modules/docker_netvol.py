"""``docker`` functions for networks and volumes."""

from __future__ import annotations

from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context
from saline.modules import docker_translate
from saline.modules.docker_common import CLIENT_TIMEOUT, api, api_error_status, clean_kwargs, mod, split_input

# ---- networks -----------------------------------------------------------------------------------


@mod.query
def networks(ctx: Context, names: Any = None, ids: Any = None) -> list[dict[str, Any]]:
    """Return the networks (all, or those with the given ``names``/``ids``), with their ``Containers``.

    CLI Example: ``saline-call --local docker.networks names=bridge,mynet``
    """
    found = api(ctx, "networks", names=split_input(names) or None, ids=split_input(ids) or None)
    for net in found:
        try:
            containers = api(ctx, "inspect_network", net["Id"]).get("Containers")
        except CommandExecutionError:
            continue
        if containers:
            net["Containers"] = containers
    return found


@mod.query
def inspect_network(ctx: Context, network_id: str) -> dict[str, Any]:
    """Return the engine's information about a network (by name or ID).

    CLI Example: ``saline-call --local docker.inspect_network mynet``
    """
    return api(ctx, "inspect_network", str(network_id))


@mod.query
def connected(ctx: Context, name: str, verbose: bool = False) -> Any:
    """Return the names of the containers attached to a network (with their endpoint data if ``verbose``).

    CLI Example: ``saline-call --local docker.connected mynet verbose=True``
    """
    ret: dict[str, Any] = {}
    for cid, cinfo in (inspect_network(ctx, name).get("Containers") or {}).items():
        cinfo = dict(cinfo)
        cname = cinfo.pop("Name", None)
        if cname is None:
            continue
        cinfo["Id"] = cid
        ret[cname] = cinfo
    return ret if verbose else list(ret)


@mod.action
def create_network(ctx: Context, name: str, skip_translate: Any = None, ignore_collisions: bool = False,
                   validate_ip_addrs: bool = True, client_timeout: Any = CLIENT_TIMEOUT,
                   **kwargs: Any) -> dict[str, Any]:
    """Create a network; returns the engine's ``{Id, Warning}``.

    Options: ``driver`` (``bridge``, ``macvlan``, ...), ``driver_opts`` (``options``; dict or
    ``key=value`` list), ``internal``, ``labels``, ``enable_ipv6`` (``ipv6``), ``attachable``,
    ``scope``, ``ingress``, ``check_duplicate`` (True). IP address management: ``subnet``, ``gateway``,
    ``iprange`` (``ip_range``), ``aux_addresses`` for one pool, or ``ipam_pools`` (a list of dicts with
    those keys), plus ``ipam_driver`` and ``ipam_opts``; or a complete ``ipam`` dict.

    CLI Example: ``saline-call --local docker.create_network mynet subnet=10.42.0.0/24 gateway=10.42.0.1``
    """
    args = docker_translate.translate_network(clean_kwargs(kwargs), skip_translate, ignore_collisions,
                                              validate_ip_addrs)
    return api(ctx, "create_network", str(name), client_timeout=client_timeout, **args)


@mod.query
def compare_network_config(ctx: Context, name: str, skip_translate: Any = None, ignore_collisions: bool = False,
                           validate_ip_addrs: bool = True, **kwargs: Any) -> dict[str, Any]:
    """Differences between network ``name`` and the one ``docker.create_network`` would make with
    these arguments: ``{Key: {old, new}}`` (``Options`` and ``IPAM`` per sub-key).

    A Saline addition used by ``docker_network.present``; it creates nothing. An auto-assigned subnet is
    not a difference when no IPAM arguments are given.

    CLI Example: ``saline-call --local docker.compare_network_config mynet internal=True``
    """
    args = docker_translate.translate_network(clean_kwargs(kwargs), skip_translate, ignore_collisions,
                                              validate_ip_addrs)
    current = inspect_network(ctx, name)
    changes: dict[str, Any] = {}
    simple = {"Driver": args.get("driver") or "bridge", "Internal": bool(args.get("internal")),
              "Attachable": bool(args.get("attachable")), "Ingress": bool(args.get("ingress")),
              "EnableIPv6": bool(args.get("enable_ipv6")), "Labels": args.get("labels") or {}}
    if "scope" in args:
        simple["Scope"] = args["scope"]
    for key, new in simple.items():
        old = current.get(key)
        if (old or None) != (new or None):
            changes[key] = {"old": old, "new": new}
    old_opts, new_opts = current.get("Options") or {}, args.get("options") or {}
    for key in sorted(set(old_opts) | set(new_opts)):
        if key == "com.docker.network.bridge.name":
            continue
        if old_opts.get(key) != new_opts.get(key):
            changes.setdefault("Options", {})[key] = {"old": old_opts.get(key), "new": new_opts.get(key)}
    old_ipam = current.get("IPAM") or {}
    old_pools = old_ipam.get("Config") or []
    if "ipam" in args:
        new_ipam = args["ipam"]

        def key(pool: dict[str, Any]) -> str:
            return repr(sorted(pool.items()))

        new_pools = sorted(new_ipam.get("Config") or [], key=key)
        cmp_old = sorted(old_pools, key=key)
        if cmp_old != new_pools:
            changes.setdefault("IPAM", {})["Config"] = {"old": cmp_old, "new": new_pools}
        if (old_ipam.get("Driver") or "default") != (new_ipam.get("Driver") or "default"):
            changes.setdefault("IPAM", {})["Driver"] = {"old": old_ipam.get("Driver"), "new": new_ipam.get("Driver")}
        if (old_ipam.get("Options") or {}) != (new_ipam.get("Options") or {}):
            changes.setdefault("IPAM", {})["Options"] = {"old": old_ipam.get("Options"),
                                                         "new": new_ipam.get("Options")}
    elif any(set(p) - {"Subnet", "Gateway"} for p in old_pools) or len(old_pools) > 1:
        changes.setdefault("IPAM", {})["Config"] = {"old": old_pools, "new": []}
    return changes


@mod.action
def remove_network(ctx: Context, network_id: str) -> bool:
    """Remove a network (it must have no containers attached); returns ``True``.

    CLI Example: ``saline-call --local docker.remove_network mynet``
    """
    api(ctx, "remove_network", str(network_id))
    return True


@mod.action
def connect_container_to_network(ctx: Context, container: str, net_id: str, **kwargs: Any) -> bool:
    """Attach a container to a network; returns ``True``.

    Options: ``ipv4_address``, ``ipv6_address``, ``aliases`` (list), ``links`` (list),
    ``link_local_ips``, ``driver_opt``, ``mac_address``.

    CLI Example: ``saline-call --local docker.connect_container_to_network web mynet aliases=[www]``
    """
    kwargs = clean_kwargs(kwargs)
    allowed = {"ipv4_address", "ipv6_address", "aliases", "links", "link_local_ips", "driver_opt", "mac_address"}
    bad = sorted(set(kwargs) - allowed)
    if bad:
        raise SaltInvocationError(f"Invalid network connection option(s): {', '.join(bad)}")
    for key in ("aliases", "links", "link_local_ips"):
        if key in kwargs:
            kwargs[key] = split_input(kwargs[key])
    api(ctx, "connect_container_to_network", str(container), str(net_id), **kwargs)
    return True


@mod.action
def disconnect_container_from_network(ctx: Context, container: str, network_id: str) -> bool:
    """Detach a container from a network; returns ``True``.

    CLI Example: ``saline-call --local docker.disconnect_container_from_network web mynet``
    """
    api(ctx, "disconnect_container_from_network", str(container), str(network_id))
    return True


@mod.action
def disconnect_all_containers_from_network(ctx: Context, network_id: str) -> list[str]:
    """Detach every container from a network; returns their names.

    CLI Example: ``saline-call --local docker.disconnect_all_containers_from_network mynet``
    """
    done, failed = [], []
    for cname in connected(ctx, network_id):
        try:
            disconnect_container_from_network(ctx, cname, network_id)
            done.append(cname)
        except CommandExecutionError as exc:
            if api_error_status(exc) != 404:  # gone meanwhile: not a failure
                failed.append(str(exc))
    if failed:
        raise CommandExecutionError(f"One or more containers failed to be removed (removed: {done}): "
                                    + "; ".join(failed))
    return done


# ---- volumes ------------------------------------------------------------------------------------


@mod.query
def volumes(ctx: Context, filters: Any = None) -> dict[str, Any]:
    """Return the engine's volume list: ``{Volumes: [...], Warnings: ...}``; ``filters`` as the engine's
    (``{'dangling': True}``, ``{'name': 'data'}``, ``{'driver': 'local'}``).

    CLI Example: ``saline-call --local docker.volumes filters="{'dangling': True}"``
    """
    if filters is not None and not isinstance(filters, dict):
        raise SaltInvocationError("filters must be a dictionary")
    return api(ctx, "volumes", filters=filters)


@mod.action
def create_volume(ctx: Context, name: str, driver: str | None = None, driver_opts: Any = None) -> dict[str, Any]:
    """Create a volume; returns its inspect data.

    CLI Example: ``saline-call --local docker.create_volume data driver=local``
    """
    if isinstance(driver_opts, list):
        driver_opts = docker_translate.to_key_val(
            docker_translate._repack(driver_opts) if docker_translate._is_dictlist(driver_opts) else driver_opts)
    return api(ctx, "create_volume", str(name), driver=driver, driver_opts=driver_opts)


@mod.action
def remove_volume(ctx: Context, name: str) -> bool:
    """Remove a volume (not in use by any container); returns ``True``.

    CLI Example: ``saline-call --local docker.remove_volume data``
    """
    api(ctx, "remove_volume", str(name))
    return True


@mod.query
def inspect_volume(ctx: Context, name: str) -> dict[str, Any]:
    """Return the engine's information about a volume.

    CLI Example: ``saline-call --local docker.inspect_volume data``
    """
    return api(ctx, "inspect_volume", str(name))


@mod.action
def prune(ctx: Context, containers: bool = False, networks: bool = False, images: bool = False,
          build: bool = False, volumes: bool = False, system: Any = None, **filters: Any) -> dict[str, Any]:
    """Remove unused objects: stopped containers, unused networks, dangling images, build cache, and
    (only when asked) unused volumes. With none selected, ``system`` pruning does the first four.
    Other keyword arguments are engine filters (``until=24h``, ``label=env=test``).

    CLI Example: ``saline-call --local docker.prune containers=True until=1h``
    """
    filters = {k: (v if isinstance(v, bool) else split_input(v)) for k, v in clean_kwargs(filters).items()}
    if system is None and not any((containers, images, networks, build)):
        system = True
    ret: dict[str, Any] = {}
    if system or containers:
        ret["containers"] = api(ctx, "prune_containers", filters=filters)
    if system or images:
        ret["images"] = api(ctx, "prune_images", filters=filters)
    if system or networks:
        ret["networks"] = api(ctx, "prune_networks", filters=filters)
    if system or build:
        ret["build"] = api(ctx, "prune_builds", filters=filters)
    if volumes:
        ret["volumes"] = api(ctx, "prune_volumes", filters=filters)
    return ret
