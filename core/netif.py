"""This host's network interfaces and addresses, from libc's getifaddrs(3) through ctypes.

Cheaper than running ``ip addr`` (what Salt does) or importing psutil, and it sees secondary
addresses and IPv6 scopes the same way the kernel reports them. Shared by the network grains and
the ``network`` execution module.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Any

IFF_UP = 0x1
IFF_BROADCAST = 0x2


@dataclass
class Interface:
    name: str
    hwaddr: str | None = None
    inet: list[str] = field(default_factory=list)
    inet6: list[str] = field(default_factory=list)
    up: bool = False
    # Per-address details in Salt's network.interfaces shape:
    # inet: {address, netmask, broadcast, label}; inet6: {address, prefixlen, scope}
    inet_details: list[dict[str, Any]] = field(default_factory=list)
    inet6_details: list[dict[str, Any]] = field(default_factory=list)


def ipv6_scope(address: str) -> str:
    """The scope ``ip addr`` prints for an IPv6 address: host, link, site or global."""
    addr = ipaddress.IPv6Address(address.split("%", 1)[0])
    if addr.is_loopback:
        return "host"
    if addr.is_link_local:
        return "link"
    if addr.is_site_local:
        return "site"
    return "global"


def _structs():  # type: ignore[no-untyped-def]
    import ctypes

    class SockAddr(ctypes.Structure):
        _fields_ = [("sa_family", ctypes.c_ushort), ("sa_data", ctypes.c_ubyte * 14)]

    class SockAddrIn(ctypes.Structure):
        _fields_ = [("sin_family", ctypes.c_ushort), ("sin_port", ctypes.c_uint16),
                    ("sin_addr", ctypes.c_ubyte * 4)]

    class SockAddrIn6(ctypes.Structure):
        _fields_ = [("sin6_family", ctypes.c_ushort), ("sin6_port", ctypes.c_uint16),
                    ("sin6_flowinfo", ctypes.c_uint32), ("sin6_addr", ctypes.c_ubyte * 16),
                    ("sin6_scope_id", ctypes.c_uint32)]

    class SockAddrLL(ctypes.Structure):
        _fields_ = [("sll_family", ctypes.c_ushort), ("sll_protocol", ctypes.c_uint16),
                    ("sll_ifindex", ctypes.c_int), ("sll_hatype", ctypes.c_ushort),
                    ("sll_pkttype", ctypes.c_ubyte), ("sll_halen", ctypes.c_ubyte),
                    ("sll_addr", ctypes.c_ubyte * 8)]

    class IfAddrs(ctypes.Structure):
        pass

    IfAddrs._fields_ = [
        ("ifa_next", ctypes.POINTER(IfAddrs)), ("ifa_name", ctypes.c_char_p),
        ("ifa_flags", ctypes.c_uint), ("ifa_addr", ctypes.POINTER(SockAddr)),
        ("ifa_netmask", ctypes.POINTER(SockAddr)), ("ifa_ifu", ctypes.POINTER(SockAddr)),
        ("ifa_data", ctypes.c_void_p),
    ]
    return ctypes, SockAddrIn, SockAddrIn6, SockAddrLL, IfAddrs


def live_interfaces() -> list[Interface]:
    """Every interface in kernel (ifindex) order with its MAC, state, IPv4 and IPv6 addresses."""
    try:
        ctypes, sin, sin6, sll, ifaddrs_t = _structs()
        libc = ctypes.CDLL(None, use_errno=True)
        getifaddrs, freeifaddrs = libc.getifaddrs, libc.freeifaddrs
    except (OSError, AttributeError):
        return _fallback_interfaces()
    getifaddrs.argtypes = [ctypes.POINTER(ctypes.POINTER(ifaddrs_t))]
    freeifaddrs.argtypes = [ctypes.POINTER(ifaddrs_t)]
    head = ctypes.POINTER(ifaddrs_t)()
    if getifaddrs(ctypes.byref(head)) != 0:
        return _fallback_interfaces()

    def v4(pointer: Any) -> str | None:
        if not pointer:
            return None
        raw = ctypes.cast(pointer, ctypes.POINTER(sin)).contents.sin_addr
        return socket.inet_ntop(socket.AF_INET, bytes(raw))

    def v6(pointer: Any) -> str | None:
        if not pointer:
            return None
        raw = ctypes.cast(pointer, ctypes.POINTER(sin6)).contents.sin6_addr
        return socket.inet_ntop(socket.AF_INET6, bytes(raw))

    found: dict[str, Interface] = {}
    try:
        node = head
        while node:
            entry = node.contents
            node = entry.ifa_next
            label = entry.ifa_name.decode(errors="replace")
            iface = found.setdefault(label.split(":")[0], Interface(label.split(":")[0]))
            iface.up = iface.up or bool(entry.ifa_flags & IFF_UP)
            if not entry.ifa_addr:
                continue
            family = entry.ifa_addr.contents.sa_family
            if family == socket.AF_INET:
                address = v4(entry.ifa_addr)
                iface.inet.append(address)
                broadcast = v4(entry.ifa_ifu) if entry.ifa_flags & IFF_BROADCAST else None
                iface.inet_details.append({"address": address, "netmask": v4(entry.ifa_netmask),
                                           "broadcast": broadcast, "label": label})
            elif family == socket.AF_INET6:
                address = v6(entry.ifa_addr)
                iface.inet6.append(address)
                mask = v6(entry.ifa_netmask)
                prefix = bin(int(ipaddress.IPv6Address(mask))).count("1") if mask else 128
                iface.inet6_details.append({"address": address, "prefixlen": str(prefix),
                                            "scope": ipv6_scope(address)})
            elif family == getattr(socket, "AF_PACKET", 17):
                link = ctypes.cast(entry.ifa_addr, ctypes.POINTER(sll)).contents
                if link.sll_halen:
                    iface.hwaddr = ":".join(f"{b:02x}" for b in bytes(link.sll_addr)[: link.sll_halen])
    finally:
        freeifaddrs(head)
    return list(found.values())


def _fallback_interfaces() -> list[Interface]:
    """Without getifaddrs: interface names only, in ifindex order."""
    try:
        return [Interface(name) for _, name in socket.if_nameindex()]
    except OSError:
        return []
