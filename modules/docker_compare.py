"""Compare an existing container with the configuration a set of arguments would give it.

Salt's ``docker_container.running`` creates a throw-away container to learn the engine's idea of
the wanted configuration, even under ``test=True``. Saline computes it instead: the SDK's own
``ContainerConfig``/``HostConfig`` builders give the API form of the arguments, and the engine's
merging rules (image ``Env``/``Labels``/``ExposedPorts``/``Volumes`` kept, image ``Cmd`` dropped
when an entrypoint is given, swap defaulting to twice the memory limit) are applied here. So a dry
run never touches dockerd and still reports the same ``{Config: {Key: {old, new}}}`` changes.

Keys the arguments do not set are compared with their empty default when that default is certain
(booleans, lists, limits), and not at all when the engine picks it (``LogConfig``, ``ShmSize``,
``IpcMode``, ...). ``Hostname`` is never compared, like Salt.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

# Config keys taken from the image when the arguments do not set them.
IMAGE_DEFAULTS = ("User", "WorkingDir", "StopSignal")
# Config keys whose default (argument not given) is empty, with the value the engine shows then.
CONFIG_FALSY = {"Tty": False, "OpenStdin": False, "Domainname": "", "StopTimeout": None,
                "NetworkDisabled": None}
# HostConfig keys whose default is empty/zero/false (as Engine API 1.41 shows it); the others are
# only compared when given, because the engine picks their defaults.
HOST_FALSY: dict[str, Any] = {
    "Binds": None, "PortBindings": None, "RestartPolicy": {"Name": "", "MaximumRetryCount": 0}, "Memory": 0,
    "MemoryReservation": 0, "KernelMemory": 0, "CpuShares": 0, "CpuPeriod": 0, "CpuQuota": 0, "NanoCpus": 0,
    "CpusetCpus": "", "CpusetMems": "", "Privileged": False, "ReadonlyRootfs": False, "PublishAllPorts": False,
    "AutoRemove": False, "OomKillDisable": False, "Init": None, "CapAdd": None, "CapDrop": None, "Dns": None,
    "DnsSearch": None, "DnsOptions": None, "SecurityOpt": None, "VolumesFrom": None, "GroupAdd": None,
    "Devices": None, "DeviceCgroupRules": None, "ExtraHosts": None, "Links": None, "Ulimits": None,
    "Sysctls": None, "Tmpfs": None, "PidMode": "", "UsernsMode": "", "UTSMode": "", "PidsLimit": None,
    "BlkioWeight": 0, "BlkioWeightDevice": None, "BlkioDeviceReadBps": None, "BlkioDeviceWriteBps": None,
    "BlkioDeviceReadIOps": None, "BlkioDeviceWriteIOps": None, "OomScoreAdj": 0, "VolumeDriver": "",
    "CgroupParent": "", "Mounts": None, "StorageOpt": None, "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0,
}
# Lists whose order carries no meaning.
UNORDERED = ("Env", "CapAdd", "CapDrop", "SecurityOpt", "VolumesFrom", "GroupAdd", "ExtraHosts", "Links",
             "Binds", "DnsOptions", "DeviceCgroupRules")


def _merge_env(image_env: list[str] | None, given: list[str] | None) -> list[str] | None:
    merged: dict[str, str] = {}
    for item in (image_env or []) + (given or []):
        merged[item.split("=", 1)[0]] = item
    return sorted(merged.values()) or None


def expected_config(version: str, image: str, image_info: Mapping[str, Any], create: Mapping[str, Any],
                    host: Mapping[str, Any], name: str, swap_limit: bool,
                    inject_env: Callable[[Any], Any] | None = None) -> dict[str, dict[str, Any]]:
    """``{"Config": {...}, "HostConfig": {...}}``: the keys to compare, in ``inspect_container`` form."""
    from docker.types import ContainerConfig, HostConfig
    from docker.utils import format_environment

    create = dict(create)
    host = dict(host)
    if isinstance(create.get("environment"), dict):
        create["environment"] = format_environment(create["environment"])
    if inject_env is not None and create.pop("use_config_proxy", True):
        create["environment"] = inject_env(create.get("environment"))
    else:
        create.pop("use_config_proxy", None)
    create.pop("platform", None)
    create.pop("detach", None)
    overlay = create.pop("host_config", None) or {}
    base = ContainerConfig(version, image, None)
    built = ContainerConfig(version, image, create.pop("command", None), **create)
    given_cfg = {k for k, v in built.items() if v != base.get(k)}
    img = image_info.get("Config") or {}
    config: dict[str, Any] = {}
    if "Cmd" in given_cfg:
        config["Cmd"] = built["Cmd"]
    elif "Entrypoint" in given_cfg:
        config["Cmd"] = None  # the engine drops the image's command when the entrypoint changes
    else:
        config["Cmd"] = img.get("Cmd")
    config["Entrypoint"] = built["Entrypoint"] if "Entrypoint" in given_cfg else img.get("Entrypoint")
    config["Env"] = _merge_env(img.get("Env"), built.get("Env"))
    config["Labels"] = {**(img.get("Labels") or {}), **(built.get("Labels") or {})}
    for key in ("ExposedPorts", "Volumes"):
        config[key] = {**(img.get(key) or {}), **(built.get(key) or {})} or None
    for key in IMAGE_DEFAULTS:
        config[key] = built[key] if key in given_cfg else img.get(key)
    for key, default in CONFIG_FALSY.items():
        config[key] = built.get(key) if key in given_cfg else default
    for key in ("MacAddress", "Healthcheck", "Runtime"):
        if key in given_cfg:
            config[key] = built[key]

    hc = dict(HostConfig(version, **host))
    hc.update(overlay)
    if "network_mode" not in host and "NetworkMode" not in overlay:
        hc.pop("NetworkMode", None)
    hostcfg: dict[str, Any] = copy.deepcopy(HOST_FALSY)
    hostcfg.update(hc)
    if hostcfg.get("Links"):
        # The engine records links as "/<target>:/<this container>/<alias>".
        links = []
        for link in hostcfg["Links"]:
            target, _, alias = link.partition(":")
            links.append(f"/{target.lstrip('/')}:/{name}/{alias or target.lstrip('/')}")
        hostcfg["Links"] = links
    if "RestartPolicy" in hc:
        hostcfg["RestartPolicy"] = {"Name": hc["RestartPolicy"].get("Name", ""),
                                    "MaximumRetryCount": hc["RestartPolicy"].get("MaximumRetryCount", 0)}
    if "MemorySwap" not in hc:
        memory = hostcfg.get("Memory") or 0
        if not memory:
            hostcfg["MemorySwap"] = 0
        elif swap_limit:
            hostcfg["MemorySwap"] = 2 * memory  # the engine's default when only a limit is set
    return {"Config": config, "HostConfig": hostcfg}


def _normalize(key: str, value: Any) -> Any:
    if not value:
        return None
    if key in UNORDERED and isinstance(value, list):
        return sorted(value, key=repr)
    if key == "RestartPolicy" and isinstance(value, dict):
        name, count = value.get("Name") or "", value.get("MaximumRetryCount") or 0
        return None if not name and not count else {"Name": name, "MaximumRetryCount": count}
    if key == "Ulimits" and isinstance(value, list):
        return sorted(value, key=lambda u: (u.get("Name"), u.get("Hard", 0), u.get("Soft", 0)))
    return value


def _same(key: str, a: Any, b: Any) -> bool:
    na, nb = _normalize(key, a), _normalize(key, b)
    if na is None or nb is None:
        return na is nb
    return bool(na == nb)


def diff_config(current: Mapping[str, Any], expected: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``{section: {key: {old, new}}}`` where the container differs from ``expected``."""
    changes: dict[str, Any] = {}
    for section, wanted in expected.items():
        have = current.get(section) or {}
        for key, new in wanted.items():
            old = have.get(key)
            if not _same(key, old, new):
                if key == "Env":
                    old, new = (sorted(old) if old else old), (sorted(new) if new else None)
                changes.setdefault(section, {})[key] = {"old": copy.deepcopy(old), "new": copy.deepcopy(new)}
    return changes


def compare_inspect(first: Mapping[str, Any], second: Mapping[str, Any], ignore: list[str],
                    image_id: Callable[[str], str], first_name: str, second_name: str) -> dict[str, Any]:
    """Salt's ``docker.compare_containers`` over two ``inspect_container`` results."""
    ret: dict[str, Any] = {}

    def scrub(links: Any, name: str) -> Any:
        if isinstance(links, list):
            return sorted(x.replace(f"/{name}/", "/", 1) for x in links)
        return links

    for section in ("Config", "HostConfig"):
        one, two = first.get(section) or {}, second.get(section) or {}
        for key in list(one) + [k for k in two if k not in one]:
            if key in ignore:
                continue
            val1, val2 = one.get(key), two.get(key)
            if key == "OomKillDisable" or val1 is None or val2 is None:
                if bool(val1) != bool(val2):
                    ret.setdefault(section, {})[key] = {"old": val1, "new": val2}
                continue
            if key == "Image":
                id1, id2 = image_id(val1), image_id(val2)
                if id1 != id2:
                    ret.setdefault(section, {})[key] = {"old": id1, "new": id2}
                continue
            if key == "Links":
                val1, val2 = scrub(val1, first_name), scrub(val2, second_name)
            elif key == "Ulimits" or key == "Env":
                val1, val2 = _normalize(key, val1), _normalize(key, val2)
            if val1 != val2:
                ret.setdefault(section, {})[key] = {"old": val1, "new": val2}
    return ret


# ---- networks -----------------------------------------------------------------------------------

def expected_networks(networks: Mapping[str, Mapping[str, Any]] | None, network_mode: Any) -> dict[str, Any]:
    """``{network: connect options}`` the container should end up attached to."""
    if networks:
        return {k: dict(v) for k, v in networks.items()}
    mode = str(network_mode or "default")
    if mode.startswith("container:"):
        return {}
    return {"bridge" if mode == "default" else mode: {}}


AUTO_KEYS = ("IPAddress", "Gateway", "GlobalIPv6Address", "IPv6Gateway")


def _static(opts: Mapping[str, Any]) -> dict[str, str] | None:
    cfg = {}
    if opts.get("ipv4_address"):
        cfg["IPv4Address"] = str(opts["ipv4_address"])
    if opts.get("ipv6_address"):
        cfg["IPv6Address"] = str(opts["ipv6_address"])
    return cfg or None


def _current_static(endpoint: Mapping[str, Any]) -> dict[str, str] | None:
    cfg = endpoint.get("IPAMConfig") or {}
    found = {k: v for k, v in cfg.items() if k in ("IPv4Address", "IPv6Address") and v}
    return found or None


def _aliases(endpoint: Mapping[str, Any], container: Mapping[str, Any]) -> list[str] | None:
    auto = {(container.get("Config") or {}).get("Hostname"), str(container.get("Id", ""))[:12]}
    found = sorted(a for a in endpoint.get("Aliases") or [] if a not in auto)
    return found or None


def diff_networks(container: Mapping[str, Any], wanted: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Per-network differences in the shape Salt reports under ``changes.container.Networks``."""
    current = (container.get("NetworkSettings") or {}).get("Networks") or {}
    ret: dict[str, Any] = {}
    for net in sorted(set(current) | set(wanted)):
        if net in wanted and net not in current:
            opts = wanted[net]
            static = _static(opts)
            entry: dict[str, Any] = {}
            for key, opt in (("Aliases", "aliases"), ("Links", "links")):
                if opts.get(opt):
                    entry[key] = {"old": None, "new": sorted(opts[opt])}
            if static:
                entry["IPAMConfig"] = {"old": None, "new": static}
            else:
                entry["IPConfiguration"] = {"old": "not connected", "new": "automatic"}
            ret[net] = entry
        elif net in current and net not in wanted:
            endpoint = current[net]
            static = _current_static(endpoint)
            entry = {}
            aliases = _aliases(endpoint, container)
            if aliases:
                entry["Aliases"] = {"old": aliases, "new": None}
            if endpoint.get("Links"):
                entry["Links"] = {"old": sorted(endpoint["Links"]), "new": None}
            if static:
                entry["IPAMConfig"] = {"old": static, "new": None}
            else:
                # A running container shows the addresses it loses; a stopped one only "automatic".
                auto = {k: endpoint.get(k) for k in AUTO_KEYS if endpoint.get(k)}
                entry.update({k: {"old": v, "new": None} for k, v in auto.items()} or
                             {"IPConfiguration": {"old": "automatic", "new": "not connected"}})
            ret[net] = entry
        else:
            endpoint, opts = current[net], wanted[net]
            entry = {}
            old_static, new_static = _current_static(endpoint), _static(opts)
            if old_static != new_static:
                entry["IPAMConfig"] = {"old": old_static, "new": new_static}
            old_aliases, new_aliases = _aliases(endpoint, container), sorted(opts.get("aliases") or []) or None
            if old_aliases != new_aliases:
                entry["Aliases"] = {"old": old_aliases, "new": new_aliases}
            old_links = sorted(endpoint.get("Links") or []) or None
            new_links = sorted(opts.get("links") or []) or None
            if old_links != new_links:
                entry["Links"] = {"old": old_links, "new": new_links}
            if entry:
                ret[net] = entry
    return ret
