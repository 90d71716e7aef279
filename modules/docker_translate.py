"""Translate Salt-style container arguments (CLI/SLS input) into Docker SDK arguments.

Salt users write ``port_bindings: 127.0.0.1:8080:80``, ``environment: [FOO=bar]``,
``restart_policy: on-failure:3`` or ``memory: 64m``; the SDK wants dictionaries and numbers. This
module does that conversion with Salt's aliases (``env``, ``cmd``, ``publish``, ``memory``, ...),
its implicit additions (bind targets become ``volumes``, bound ports become exposed ``ports``)
and its error wording. Pure functions: no engine access, no SDK import.

Arguments without a translation but known to the SDK (``init``, ``healthcheck``, ``runtime``, ...)
pass through unchanged; an argument neither Salt nor the SDK knows is an error (Salt only logs
a warning and drops it, which hides typos).
"""

from __future__ import annotations

import ipaddress
import os
import shlex
from collections.abc import Callable, Mapping
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError

ALIASES = {
    "cmd": "command", "cpuset": "cpuset_cpus", "dns_option": "dns_opt", "env": "environment",
    "expose": "ports", "interactive": "stdin_open", "ipc": "ipc_mode", "label": "labels",
    "memory": "mem_limit", "memory_swap": "memswap_limit", "publish": "port_bindings",
    "publish_all": "publish_all_ports", "restart": "restart_policy", "rm": "auto_remove",
    "sysctl": "sysctls", "security_opts": "security_opt", "ulimit": "ulimits",
    "user_ns_mode": "userns_mode", "volume": "volumes", "workdir": "working_dir",
}
ALIASES_REVMAP = {v: k for k, v in ALIASES.items()}

# Arguments of the SDK's APIClient.create_container and create_host_config (docker>=7).
CREATE_ARGS = frozenset({
    "command", "hostname", "user", "detach", "stdin_open", "tty", "ports", "environment", "volumes",
    "network_disabled", "entrypoint", "working_dir", "domainname", "mac_address", "labels",
    "stop_signal", "healthcheck", "stop_timeout", "runtime", "use_config_proxy", "platform",
})
HOST_CONFIG_ARGS = frozenset({
    "binds", "port_bindings", "lxc_conf", "publish_all_ports", "links", "privileged", "dns",
    "dns_search", "volumes_from", "network_mode", "restart_policy", "cap_add", "cap_drop", "devices",
    "extra_hosts", "read_only", "pid_mode", "ipc_mode", "security_opt", "ulimits", "log_config",
    "mem_limit", "memswap_limit", "mem_reservation", "kernel_memory", "mem_swappiness",
    "cgroup_parent", "group_add", "cpu_quota", "cpu_period", "blkio_weight", "blkio_weight_device",
    "device_read_bps", "device_write_bps", "device_read_iops", "device_write_iops",
    "oom_kill_disable", "shm_size", "sysctls", "tmpfs", "oom_score_adj", "dns_opt", "cpu_shares",
    "cpuset_cpus", "userns_mode", "uts_mode", "pids_limit", "isolation", "auto_remove",
    "storage_opt", "init", "init_path", "volume_driver", "cpu_count", "cpu_percent", "nano_cpus",
    "cpuset_mems", "mounts", "cpu_rt_period", "cpu_rt_runtime", "device_cgroup_rules",
    "device_requests", "cgroupns",
})
# Handled by the caller rather than the SDK (log_driver/log_opt are merged into log_config).
EXTRA_ARGS = frozenset({"log_driver", "log_opt", "networks"})


# ---- small translators ---------------------------------------------------------------------------

def split(item: str, sep: str = ",", maxsplit: int = -1) -> list[str]:
    return [x.strip() for x in item.split(sep, maxsplit)]


def to_str(val: Any) -> str:
    return val if isinstance(val, str) else str(val)


def to_int(val: Any) -> int:
    if isinstance(val, int) and not isinstance(val, bool):
        return val
    try:
        return int(val)
    except (TypeError, ValueError):
        raise SaltInvocationError(f"'{val}' is not an integer") from None


def to_bool(val: Any) -> bool:
    return bool(val)


def to_dict(val: Any) -> dict[Any, Any]:
    if not isinstance(val, dict):
        raise SaltInvocationError(f"'{val}' is not a dictionary")
    return val


def to_command(val: Any) -> str | list[str]:
    if isinstance(val, str):
        return val
    if isinstance(val, list):
        return [to_str(x) for x in val]
    return str(val)


def to_bytes(val: Any) -> int | str:
    """An integer number of bytes, or a size string like ``64m`` the SDK parses."""
    try:
        return int(val)
    except (TypeError, ValueError):
        return to_str(val)


def to_stringlist(val: Any) -> list[str]:
    if not isinstance(val, list):
        val = split(val if isinstance(val, str) else str(val))
    return [to_str(x) for x in val]


def to_key_val(val: Any, delimiter: str = "=") -> dict[str, Any]:
    if isinstance(val, dict):
        return val
    result: dict[str, Any] = {}
    for item in to_stringlist(val):
        parts = split(item, delimiter, 1)
        if len(parts) != 2:
            raise SaltInvocationError(f"'{item}' is not a key{delimiter}value pair")
        result[parts[0]] = parts[1]
    return result


def to_labels(val: Any) -> dict[str, str]:
    if isinstance(val, dict):
        return {to_str(k): to_str(v) for k, v in val.items()}
    items = val if isinstance(val, list) else split(to_str(val))
    labels: dict[str, str] = {}
    for item in items:
        if isinstance(item, dict):
            if len(item) != 1:
                raise SaltInvocationError("Invalid label(s)")
            key, value = next(iter(item.items()))
        else:
            parts = split(to_str(item), "=", 1)
            key, value = (parts[0], parts[1]) if len(parts) == 2 else (parts[0], "")
        labels[to_str(key)] = to_str(value)
    return labels


def validate_ip(val: Any) -> None:
    try:
        ipaddress.ip_address(str(val))
    except ValueError:
        raise SaltInvocationError(f"'{val}' is not a valid IP address") from None


def validate_subnet(val: Any) -> None:
    try:
        ipaddress.ip_network(str(val), strict=False)
    except ValueError:
        raise SaltInvocationError(f"'{val}' is not a valid subnet") from None


def map_vals(val: Any, *names: str, fill: Any = None) -> list[dict[str, Any]]:
    """``["a:b", ...]`` -> ``[{names[0]: a, names[1]: b}, ...]`` (dicts pass through)."""
    out = []
    for item in val if isinstance(val, list) else to_stringlist(val):
        if isinstance(item, dict):
            out.append(item)
            continue
        elements = [x.strip() for x in to_str(item).split(":")]
        if len(elements) < len(names) and fill is not None:
            elements.extend([fill] * (len(names) - len(elements)))
        if len(elements) != len(names):
            expected = len(names) if fill is None else f"up to {len(names)}"
            raise SaltInvocationError(f"'{item}' contains {len(elements)} value(s) (expected {expected})")
        out.append(dict(zip(names, elements, strict=True)))
    return out


def port_range(port_def: Any) -> tuple[int, int]:
    if isinstance(port_def, int) and not isinstance(port_def, bool):
        return port_def, port_def
    try:
        comps = [int(x) for x in split(to_str(port_def), "-")]
        if len(comps) not in (1, 2):
            raise ValueError
    except ValueError:
        raise SaltInvocationError(f"'{port_def}' is non-numeric or an invalid port range") from None
    start, end = comps[0], comps[-1]
    if start > end:
        raise SaltInvocationError(
            f"Start of port range ({start}) cannot be greater than end of port range ({end})")
    return start, end


def port_def(port: Any, proto: str = "tcp") -> int | tuple[int, str]:
    """The SDK's port notation: an int for TCP, ``(port, "udp")`` for UDP."""
    if isinstance(port, str) and "/" in port:
        port, _, proto = port.partition("/")
    return (int(port), "udp") if proto.lower() == "udp" else int(port)


# ---- argument translators (named after the SDK argument) ---------------------------------------

def _port_bindings(val: Any, validate_ips: bool) -> dict[Any, Any]:
    if isinstance(val, dict):
        return val
    items = [to_str(x) for x in (val if isinstance(val, list) else split(to_str(val)))]
    bindings: dict[Any, Any] = {}

    def fmt(port: int, proto: str) -> Any:
        return f"{port}/udp" if proto.lower() == "udp" else port

    for binding in items:
        parts = split(binding, ":")
        if len(parts) == 1:
            if not parts[0]:
                raise SaltInvocationError("Empty port binding definition found")
            cport, _, proto = parts[0].partition("/")
            start, end = port_range(cport)
            values = [(fmt(p, proto), None) for p in range(start, end + 1)]
        elif len(parts) == 2:
            if not parts[0]:
                raise SaltInvocationError(f"Empty host port in port binding definition '{binding}'")
            if not parts[1]:
                raise SaltInvocationError(f"Empty container port in port binding definition '{binding}'")
            cport, _, proto = parts[1].partition("/")
            cstart, cend = port_range(cport)
            hstart, hend = port_range(parts[0])
            if hend - hstart != cend - cstart:
                raise SaltInvocationError(
                    f"Host port range ({parts[0]}) does not have the same number of ports as the "
                    f"container port range ({cport})")
            values = [(fmt(p, proto), hstart + i) for i, p in enumerate(range(cstart, cend + 1))]
        elif len(parts) == 3:
            host_ip, host_port = parts[0], parts[1]
            if validate_ips:
                validate_ip(host_ip)
            cport, _, proto = parts[2].partition("/")
            cstart, cend = port_range(cport)
            if host_port:
                hstart, hend = port_range(host_port)
                if hend - hstart != cend - cstart:
                    raise SaltInvocationError(
                        f"Host port range ({host_port}) does not have the same number of ports as the "
                        f"container port range ({cport})")
                values = [(fmt(p, proto), (host_ip, hstart + i))
                          for i, p in enumerate(range(cstart, cend + 1))]
            else:
                values = [(fmt(p, proto), (host_ip,)) for p in range(cstart, cend + 1)]
        else:
            raise SaltInvocationError(
                f"'{binding}' is an invalid port binding definition (at most 3 components are "
                f"allowed, found {len(parts)})")
        for cport_key, bind in values:
            if cport_key not in bindings:
                bindings[cport_key] = bind
                continue
            existing = bindings[cport_key]
            merged = existing if isinstance(existing, list) else [existing]
            merged.append(bind)
            # Several bindings of one port: "no host port" becomes the container port itself.
            plain = int(str(cport_key).split("/")[0])
            bindings[cport_key] = [plain if b is None else b for b in merged]
    return bindings


def _ports(val: Any) -> list[Any]:
    if isinstance(val, int) and not isinstance(val, bool):
        return [val]
    items = val if isinstance(val, list) else split(to_str(val))
    found: list[Any] = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            defs: list[Any] = [item]
        else:
            num, _, proto = to_str(item).partition("/")
            start, end = port_range(num)
            defs = [port_def(p, proto or "tcp") for p in range(start, end + 1)]
        found.extend(d for d in defs if d not in found)
    return found


def _restart_policy(val: Any) -> dict[str, Any]:
    if isinstance(val, dict):
        policy = dict(val)
    else:
        entries = map_vals(val, "Name", "MaximumRetryCount", fill="0")
        if len(entries) != 1:
            raise SaltInvocationError("Only one policy is permitted")
        policy = entries[0]
    try:
        policy["MaximumRetryCount"] = int(policy.get("MaximumRetryCount", 0))
    except (TypeError, ValueError):
        raise SaltInvocationError(f"Retry count '{policy['MaximumRetryCount']}' is non-numeric") from None
    return policy


def _ulimits(val: Any) -> list[dict[str, Any]]:
    out = []
    for item in val if isinstance(val, list) else to_stringlist(val):
        if isinstance(item, dict):
            out.append(item)
            continue
        name, sep, limits = to_str(item).partition("=")
        if not sep:
            raise SaltInvocationError(
                f"Ulimit definition '{item}' is not in the format type=soft_limit[:hard_limit]")
        comps = split(limits, ":", 1)
        soft, hard = (comps[0], comps[0]) if len(comps) == 1 else (comps[0], comps[1])
        try:
            out.append({"Name": name.strip(), "Soft": int(soft), "Hard": int(hard)})
        except ValueError:
            raise SaltInvocationError(f"Limit '{item}' contains non-numeric value(s)") from None
    return out


def _user(val: Any) -> int | str:
    if not isinstance(val, int):
        try:
            val = int(val)
        except (TypeError, ValueError):
            pass
    if not isinstance(val, (int, str)) or isinstance(val, bool):
        raise SaltInvocationError("Value must be a username or uid")
    if isinstance(val, int) and val < 0:
        raise SaltInvocationError(f"'{val}' is an invalid uid")
    return val


def _abs_path(val: Any) -> str:
    if not isinstance(val, str) or not os.path.isabs(val):
        raise SaltInvocationError(f"'{val}' is not an absolute path")
    return val


def _volumes(val: Any) -> list[str]:
    return [_abs_path(x) for x in to_stringlist(val)]


def _binds(val: Any) -> dict[str, Any] | list[str]:
    if isinstance(val, dict):
        return val
    if isinstance(val, list):
        return [to_str(x) for x in val]
    if isinstance(val, str):
        return split(val)
    raise SaltInvocationError(f"'{val}' is not a dictionary or list of bind definitions")


def _dns(val: Any, validate_ips: bool) -> list[str]:
    items = to_stringlist(val)
    if validate_ips:
        for item in items:
            validate_ip(item)
    return items


def _extra_hosts(val: Any, validate_ips: bool) -> dict[str, Any]:
    hosts = to_key_val(val, delimiter=":")
    if validate_ips:
        for addr in hosts.values():
            validate_ip(addr)
    return hosts


def _device_rates(val: Any, numeric: bool) -> list[dict[str, Any]]:
    out = map_vals(val, "Path", "Rate")
    for item in out:
        if not isinstance(item.get("Path"), str) or not os.path.isabs(item["Path"]):
            raise SaltInvocationError(f"Path '{item.get('Path')}' is not absolute")
        try:
            item["Rate"] = int(item["Rate"])
        except (TypeError, ValueError):
            if numeric:
                raise SaltInvocationError(
                    f"Rate '{item['Rate']}' for path '{item['Path']}' is non-numeric") from None
    return out


def _blkio_weight_device(val: Any) -> list[dict[str, Any]]:
    out = map_vals(val, "Path", "Weight")
    for item in out:
        try:
            item["Weight"] = int(item["Weight"])
        except (TypeError, ValueError):
            raise SaltInvocationError(
                f"Weight '{item['Weight']}' for path '{item['Path']}' is not an integer") from None
    return out


Translator = Callable[[Any, bool], Any]


def _plain(fn: Callable[[Any], Any]) -> Translator:
    return lambda val, _validate: fn(val)


TRANSLATORS: dict[str, Translator] = {
    "auto_remove": _plain(to_bool), "binds": _plain(_binds), "blkio_weight": _plain(to_int),
    "blkio_weight_device": _plain(_blkio_weight_device), "cap_add": _plain(to_stringlist),
    "cap_drop": _plain(to_stringlist), "command": _plain(to_command), "cpuset_cpus": _plain(to_str),
    "cpuset_mems": _plain(to_str), "cpu_period": _plain(to_int), "cpu_quota": _plain(to_int),
    "cpu_shares": _plain(to_int), "detach": _plain(to_bool),
    "device_read_bps": _plain(lambda v: _device_rates(v, False)),
    "device_read_iops": _plain(lambda v: _device_rates(v, True)),
    "device_write_bps": _plain(lambda v: _device_rates(v, False)),
    "device_write_iops": _plain(lambda v: _device_rates(v, True)),
    "devices": _plain(to_stringlist), "dns_opt": _plain(to_stringlist), "dns_search": _plain(to_stringlist),
    "dns": _dns, "domainname": _plain(to_str), "entrypoint": _plain(to_command),
    "environment": _plain(to_key_val), "extra_hosts": _extra_hosts, "group_add": _plain(to_stringlist),
    "host_config": _plain(to_dict), "hostname": _plain(to_str), "ipc_mode": _plain(to_str),
    "isolation": _plain(to_str), "labels": _plain(to_labels), "links": _plain(lambda v: to_key_val(v, ":")),
    "log_driver": _plain(to_str), "log_opt": _plain(to_key_val), "lxc_conf": _plain(lambda v: to_key_val(v)),
    "mac_address": _plain(to_str), "mem_limit": _plain(to_bytes), "mem_swappiness": _plain(to_int),
    "memswap_limit": _plain(to_bytes), "mem_reservation": _plain(to_bytes), "network_disabled": _plain(to_bool),
    "network_mode": _plain(to_str), "oom_kill_disable": _plain(to_bool), "oom_score_adj": _plain(to_int),
    "pid_mode": _plain(to_str), "pids_limit": _plain(to_int), "port_bindings": _port_bindings,
    "ports": _plain(_ports), "privileged": _plain(to_bool), "publish_all_ports": _plain(to_bool),
    "read_only": _plain(to_bool), "restart_policy": _plain(_restart_policy),
    "security_opt": _plain(to_stringlist), "shm_size": _plain(to_bytes), "stdin_open": _plain(to_bool),
    "stop_signal": _plain(to_str), "stop_timeout": _plain(to_int),
    "storage_opt": _plain(to_key_val), "sysctls": _plain(to_key_val), "tmpfs": _plain(to_dict),
    "tty": _plain(to_bool), "ulimits": _plain(_ulimits), "user": _plain(_user), "userns_mode": _plain(to_str),
    "uts_mode": _plain(to_str), "init": _plain(to_bool), "volume_driver": _plain(to_str),
    "volumes": _plain(_volumes), "volumes_from": _plain(to_stringlist), "working_dir": _plain(_abs_path),
    "nano_cpus": _plain(to_int), "cgroup_parent": _plain(to_str), "runtime": _plain(to_str),
}


def _is_dictlist(val: Any) -> bool:
    return isinstance(val, list) and bool(val) and all(isinstance(x, dict) and len(x) == 1 for x in val)


def _repack(val: list[dict[Any, Any]]) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for item in val:
        out.update(item)
    return out


def translate_container(kwargs: Mapping[str, Any], skip_translate: Any = None, ignore_collisions: Any = False,
                        validate_ip_addrs: Any = True) -> dict[str, Any]:
    """Salt-style container arguments -> SDK arguments (``create_container`` + host config).

    Raises CommandExecutionError("Failed to translate input: ...") listing every invalid argument,
    alias collision (``'env' is an alias for 'environment', they cannot both be used``) and unknown
    argument, like Salt's translate_input (which reports them in the exception's info).
    """
    if skip_translate is True:
        skip: set[str] = set(kwargs)
    elif not skip_translate:
        skip = set()
    else:
        skip = set(skip_translate if isinstance(skip_translate, (list, tuple, set)) else split(str(skip_translate)))
    out: dict[str, Any] = {}
    invalid: dict[str, str] = {}
    collisions: list[str] = []
    for key, val in kwargs.items():
        real = ALIASES.get(key, key)
        if real not in TRANSLATORS and real not in CREATE_ARGS | HOST_CONFIG_ARGS | EXTRA_ARGS:
            invalid[key] = "not a container option Salt or the Docker SDK knows"
            continue
        if real in out:
            collisions.append(real)
            if not ignore_collisions or key != real:
                continue
        if real not in skip and key not in skip and real in TRANSLATORS:
            if _is_dictlist(val) and real not in ("ulimits", "blkio_weight_device"):
                val = _repack(val)
            try:
                val = TRANSLATORS[real](val, bool(validate_ip_addrs))
            except SaltInvocationError as exc:
                invalid[key] = str(exc)
                continue
        out[real] = val
    if "log_driver" in out or "log_opt" in out:
        driver, opts = out.pop("log_driver", None), out.pop("log_opt", None)
        out.setdefault("log_config", {"Type": driver or "none", "Config": opts or {}})
    _post_process(out, skip, invalid)
    errors = [f"{k}: {v}" for k, v in invalid.items()]
    if collisions and not ignore_collisions:
        errors.extend(f"'{ALIASES_REVMAP[c]}' is an alias for '{c}', they cannot both be used" for c in collisions)
    if errors:
        raise CommandExecutionError("Failed to translate input: " + "; ".join(errors))
    return out


def _post_process(kw: dict[str, Any], skip: set[str], invalid: dict[str, str]) -> None:
    if kw.get("port_bindings") is not None and kw.get("publish_all_ports"):
        kw.pop("port_bindings")
        invalid["port_bindings"] = "Cannot be used when publish_all_ports=True"
    if kw.get("hostname") is not None and kw.get("network_mode") == "host":
        kw.pop("hostname")
        invalid["hostname"] = "Cannot be used when network_mode=True"
    # Bind targets are declared as volumes and bound ports are exposed, as the docker CLI does.
    if kw.get("binds") is not None and not skip & {"binds", "volume", "volumes"}:
        binds = kw["binds"]
        targets = []
        if isinstance(binds, dict):
            targets = [v["bind"] for v in binds.values() if isinstance(v, dict) and "bind" in v]
        else:
            for item in binds:
                parts = split(item, ":")
                if len(parts) > 1:
                    targets.append(parts[1])
        if targets:
            volumes = list(kw.get("volumes") or [])
            volumes.extend(t for t in targets if t not in volumes)
            kw["volumes"] = sorted(volumes)
    if kw.get("port_bindings") is not None and not skip & {"port_bindings", "expose", "ports"}:
        ports = list(kw.get("ports") or [])
        for key in kw["port_bindings"]:
            pdef = port_def(key) if isinstance(key, str) else key
            if pdef not in ports:
                ports.append(pdef)
        kw["ports"] = ports


def split_create_kwargs(translated: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """``(create_container kwargs, host_config kwargs, networks)`` from translated arguments."""
    create: dict[str, Any] = {}
    host: dict[str, Any] = {}
    networks = None
    for key, val in translated.items():
        if key == "networks":
            networks = val
        elif key in HOST_CONFIG_ARGS:
            host[key] = val
        else:
            create[key] = val
    return create, host, networks


def command_list(val: Any) -> list[str] | None:
    """How the engine stores a command/entrypoint: a string is split like a shell would."""
    if val is None:
        return None
    if isinstance(val, str):
        return shlex.split(val)
    return [to_str(x) for x in val]


def parse_networks(networks: Any) -> dict[str, dict[str, Any]]:
    """Salt's ``networks`` argument (names, or names mapped to connect options) -> ``{net: opts}``."""
    if not networks:
        return {}
    if isinstance(networks, str):
        return {n: {} for n in split(networks)}
    if isinstance(networks, dict):
        items = list(networks.items())
    elif isinstance(networks, list):
        items = []
        for entry in networks:
            if isinstance(entry, dict):
                items.extend(entry.items())
            else:
                items.append((to_str(entry), None))
    else:
        raise CommandExecutionError("Invalid network configuration (see documentation)")
    parsed: dict[str, dict[str, Any]] = {}
    errors = []
    for net, conf in items:
        if conf is None:
            parsed[str(net)] = {}
            continue
        if _is_dictlist(conf):
            conf = _repack(conf)
        if not isinstance(conf, dict) or not conf:
            raise CommandExecutionError(f"Invalid configuration for network '{net}' (see documentation)")
        opts = dict(conf)
        missing = [key for key, val in opts.items() if val is None]
        errors.extend(f"Config option '{key}' for network '{net}' is missing a value" for key in missing)
        for key in ("links", "aliases"):
            if opts.get(key) is not None:
                opts[key] = [x.strip() for x in opts[key].split(",")] if isinstance(opts[key], str) \
                    else list(opts[key])
        parsed[str(net)] = opts
    if errors:
        raise CommandExecutionError("Invalid network configuration: " + "; ".join(errors))
    return parsed


# ---- networks ------------------------------------------------------------------------------------

NETWORK_ALIASES = {"driver_opt": "options", "driver_opts": "options", "ipv6": "enable_ipv6",
                   "ip_range": "iprange", "aux_address": "aux_addresses"}
NETWORK_ARGS = frozenset({"driver", "options", "ipam", "check_duplicate", "internal", "labels", "enable_ipv6",
                          "attachable", "scope", "ingress"})
IPAM_ARGS = frozenset({"ipam_driver", "ipam_opts", "ipam_pools", "subnet", "iprange", "gateway",
                       "aux_addresses"})


def _ipam_pool(pool: Mapping[str, Any], validate_ips: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, val in pool.items():
        key = NETWORK_ALIASES.get(key, key)
        if key in ("subnet", "iprange"):
            if validate_ips:
                validate_subnet(val)
            out[key] = to_str(val)
        elif key == "gateway":
            if validate_ips:
                validate_ip(val)
            out[key] = to_str(val)
        elif key == "aux_addresses":
            addrs = to_key_val(val)
            if validate_ips:
                for addr in addrs.values():
                    validate_ip(addr)
            out[key] = addrs
        else:
            raise SaltInvocationError(f"'{key}' is not a valid IPAM pool option")
    return out


def translate_network(kwargs: Mapping[str, Any], skip_translate: Any = None, ignore_collisions: Any = False,
                      validate_ip_addrs: Any = True) -> dict[str, Any]:
    """Salt-style network arguments -> ``create_network`` arguments, the IPAM ones folded into ``ipam``
    (``{"Driver": ..., "Config": [pools], "Options": ...}``, in the engine's inspect form)."""
    skip: set[str] = set(kwargs) if skip_translate is True else set(split_input_any(skip_translate))
    out: dict[str, Any] = {}
    errors: list[str] = []
    for key, val in kwargs.items():
        real = NETWORK_ALIASES.get(key, key)
        if real not in NETWORK_ARGS | IPAM_ARGS:
            errors.append(f"{key}: not a network option Salt or the Docker SDK knows")
            continue
        if real in out:
            if not ignore_collisions:
                errors.append(f"'{key if key != real else NETWORK_ALIASES_REV.get(real, real)}' is an alias for "
                              f"'{real}', they cannot both be used")
            if key != real:
                continue
        if real not in skip and key not in skip:
            try:
                if real in ("driver", "scope", "ipam_driver"):
                    val = to_str(val)
                elif real in ("options", "ipam_opts"):
                    val = to_key_val(_repack(val) if _is_dictlist(val) else val)
                elif real == "labels":
                    val = to_labels(val)
                elif real in ("check_duplicate", "internal", "enable_ipv6", "attachable", "ingress"):
                    val = to_bool(val)
                elif real == "ipam":
                    val = to_dict(val)
                elif real == "ipam_pools":
                    if not isinstance(val, list) or not all(isinstance(p, dict) for p in val):
                        raise SaltInvocationError("ipam_pools must be a list of dictionaries")
                    val = [_ipam_pool(p, bool(validate_ip_addrs)) for p in val]
                elif real in ("subnet", "iprange", "gateway", "aux_addresses"):
                    val = _ipam_pool({real: val}, bool(validate_ip_addrs))[real]
            except SaltInvocationError as exc:
                errors.append(f"{key}: {exc}")
                continue
        out[real] = val
    if errors:
        raise CommandExecutionError("Failed to translate input: " + "; ".join(errors))
    ipam_keys = [k for k in out if k in IPAM_ARGS]
    if "ipam" in out and ipam_keys:
        raise CommandExecutionError("Cannot mix the 'ipam' argument with any of the IPAM config arguments")
    if ipam_keys:
        pools = list(out.pop("ipam_pools", []))
        single = {k: out.pop(k) for k in ("subnet", "iprange", "gateway", "aux_addresses") if k in out}
        if single:
            pools.insert(0, single)
        if any("subnet" not in p for p in pools):
            raise SaltInvocationError("A subnet is required in each IPAM pool")
        names = {"subnet": "Subnet", "iprange": "IPRange", "gateway": "Gateway", "aux_addresses": "AuxiliaryAddresses"}
        ipam: dict[str, Any] = {"Driver": out.pop("ipam_driver", "default"),
                                "Config": [{names[k]: v for k, v in p.items()} for p in pools]}
        opts = out.pop("ipam_opts", None)
        if opts:
            ipam["Options"] = opts
        out["ipam"] = ipam
    out.setdefault("check_duplicate", True)
    return out


NETWORK_ALIASES_REV = {"options": "driver_opts", "enable_ipv6": "ipv6", "iprange": "ip_range",
                       "aux_addresses": "aux_address"}


def split_input_any(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, (list, tuple, set)):
        return [str(x) for x in value]
    return split(str(value))
