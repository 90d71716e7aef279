"""Salt's network filters: ``is_ip``, ``ipaddr``/``ipv4``/``ipv6``, ``ip_host``, ``ipwrap``, ...

Values may be addresses (``1.2.3.4``), interfaces (``10.0.0.1/8``) or networks; a list is filtered
(IPv4 results first, then IPv6, as Salt does). ``options`` restrict to address kinds: ``private``,
``public``, ``loopback``, ``multicast``, ``link-local``, ``reserved``, ``unspecified``, ``global``,
``site-local``.
"""

from __future__ import annotations

import ipaddress
import random
from typing import Any

from saline.renderers.serialize import FilterError

_OPTION_ATTRS = {
    "private": "is_private",
    "loopback": "is_loopback",
    "multicast": "is_multicast",
    "link-local": "is_link_local",
    "reserved": "is_reserved",
    "unspecified": "is_unspecified",
    "global": "is_global",
    "site-local": "is_site_local",
}


def _parse(value: Any) -> Any:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        return None
    text = str(value).strip()
    try:
        return ipaddress.ip_interface(text)
    except ValueError:
        return None


def _options_ok(obj: Any, options: Any) -> bool:
    if not options:
        return True
    names = [o.strip() for o in str(options).split(",")] if not isinstance(options, (list, tuple)) \
        else list(options)
    address = obj.ip
    for name in names:
        if name == "public":
            if address.is_private:
                return False
            continue
        attr = _OPTION_ATTRS.get(name)
        if attr is None:
            # Salt treats other words (e.g. "network") as no restriction
            continue
        if not getattr(address, attr, False):
            return False
    return True


def _one(value: Any, options: Any, version: int | None) -> str | None:
    obj = _parse(value)
    if obj is None or (version and obj.version != version) or not _options_ok(obj, options):
        return None
    return str(value).strip()


def _filter(value: Any, options: Any, version: int | None) -> Any:
    if isinstance(value, (list, tuple, set)):
        out = [v for v in value if _one(v, options, version) is not None]
        return [str(v).strip() for v in out]
    return _one(value, options, version)


def ipv4(value: Any, options: Any = None) -> Any:
    return _filter(value, options, 4)


def ipv6(value: Any, options: Any = None) -> Any:
    return _filter(value, options, 6)


def ipaddr(value: Any, options: Any = None) -> Any:
    """Valid addresses of ``value`` (a string, or a list: IPv4 ones first, then IPv6)."""
    if isinstance(value, (list, tuple, set)):
        return ipv4(value, options) + ipv6(value, options)
    return _filter(value, options, None)


def is_ip(ip: Any, options: Any = None) -> bool:
    return _one(ip, options, None) is not None


def is_ipv4(ip: Any, options: Any = None) -> bool:
    return _one(ip, options, 4) is not None


def is_ipv6(ip: Any, options: Any = None) -> bool:
    return _one(ip, options, 6) is not None


def _map(value: Any, fn: Any) -> Any:
    if isinstance(value, (list, tuple, set)):
        return [r for r in (fn(v) for v in value) if r is not None]
    return fn(value)


def ip_host(value: Any, options: Any = None, version: int | None = None) -> Any:
    """Interfaces with their prefix: ``1.2.3.4`` -> ``1.2.3.4/32``."""
    def one(v: Any) -> str | None:
        obj = _parse(v)
        if obj is None or (version and obj.version != version) or not _options_ok(obj, options):
            return None
        return str(obj)

    return _map(value, one)


def ipwrap(value: Any) -> Any:
    """IPv6 addresses in brackets (for URLs); everything else unchanged."""
    def one(v: Any) -> Any:
        obj = _parse(v)
        if obj is not None and obj.version == 6 and "/" not in str(v):
            return f"[{str(v).strip()}]"
        return v

    return _map(value, one)


_MAX_HOSTS = 65536


def _network(value: Any) -> Any:
    try:
        return ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        return None


def network_hosts(value: Any, options: Any = None, version: int | None = None) -> Any:
    """The usable host addresses of a network (``10.0.0.0/30`` -> two hosts); None when invalid."""
    def one(v: Any) -> list[str] | None:
        net = _network(v)
        if net is None or (version and net.version != version):
            return None
        if net.num_addresses > _MAX_HOSTS * 4:
            raise FilterError(f"network_hosts: {v} has {net.num_addresses} addresses; refusing to list them")
        return [str(h) for h in net.hosts()]

    if isinstance(value, (list, tuple, set)):
        return [h for v in value for h in (one(v) or [])]
    return one(value)


def network_size(value: Any, options: Any = None, version: int | None = None) -> Any:
    def one(v: Any) -> int | None:
        net = _network(v)
        if net is None or (version and net.version != version):
            return None
        return net.num_addresses

    return _map(value, one)


def filter_by_networks(values: Any, networks: Any) -> Any:
    """The addresses of ``values`` inside any of ``networks`` (a list or a single network)."""
    if not networks:
        return values
    nets = [networks] if isinstance(networks, str) else list(networks)
    try:
        parsed = [ipaddress.ip_network(n, strict=False) for n in nets]
    except ValueError as exc:
        raise FilterError(f"filter_by_networks: {exc}") from None

    def inside(v: Any) -> bool:
        try:
            address = ipaddress.ip_address(str(v))
        except ValueError as exc:
            raise FilterError(f"filter_by_networks: {exc}") from None
        return any(address in net for net in parsed if net.version == address.version)

    if isinstance(values, (list, tuple, set)):
        return [v for v in values if inside(v)]
    return values if inside(values) else None


def gen_mac(prefix: str = "AC:DE:48") -> str:
    """A random MAC address with the given vendor prefix."""
    rng = random.SystemRandom()
    return f"{prefix}:{rng.randint(0, 255):02X}:{rng.randint(0, 255):02X}:{rng.randint(0, 255):02X}"


def mac_str_to_bytes(mac_str: Any) -> bytes:
    text = str(mac_str).replace(":", "").replace("-", "").replace(".", "")
    if len(text) != 12:
        raise FilterError(f"mac_str_to_bytes: invalid MAC address {mac_str!r}")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise FilterError(f"mac_str_to_bytes: invalid MAC address {mac_str!r}") from None


def dns_check(addr: Any, port: Any = 80, safe: bool = False, ipv6: bool | None = None) -> Any:
    """The first address ``addr`` resolves to (False when ``safe`` and resolution fails)."""
    import socket

    family = socket.AF_INET6 if ipv6 else socket.AF_INET if ipv6 is False else socket.AF_UNSPEC
    try:
        infos = socket.getaddrinfo(str(addr), int(port), family, socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:
        if safe:
            return False
        raise FilterError(f"dns_check: cannot resolve {addr!r}: {exc}") from None
    if not infos:
        if safe:
            return False
        raise FilterError(f"dns_check: {addr!r} has no address")
    return infos[0][4][0]
