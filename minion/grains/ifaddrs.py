"""This host's network interfaces and addresses, from libc's getifaddrs(3) through ctypes.

Cheaper than running ``ip addr`` (what Salt does) or importing psutil, and it sees secondary
addresses and IPv6 scopes the same way the kernel reports them.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field


@dataclass
class Interface:
    name: str
    hwaddr: str | None = None
    inet: list[str] = field(default_factory=list)
    inet6: list[str] = field(default_factory=list)


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
    """Every interface in kernel (ifindex) order with its MAC, IPv4 and IPv6 addresses."""
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
    found: dict[str, Interface] = {}
    try:
        node = head
        while node:
            entry = node.contents
            node = entry.ifa_next
            name = entry.ifa_name.decode(errors="replace")
            iface = found.setdefault(name.split(":")[0], Interface(name.split(":")[0]))
            if not entry.ifa_addr:
                continue
            family = entry.ifa_addr.contents.sa_family
            if family == socket.AF_INET:
                raw = ctypes.cast(entry.ifa_addr, ctypes.POINTER(sin)).contents.sin_addr
                iface.inet.append(socket.inet_ntop(socket.AF_INET, bytes(raw)))
            elif family == socket.AF_INET6:
                raw6 = ctypes.cast(entry.ifa_addr, ctypes.POINTER(sin6)).contents.sin6_addr
                iface.inet6.append(socket.inet_ntop(socket.AF_INET6, bytes(raw6)))
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
