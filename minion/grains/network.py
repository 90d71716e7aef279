"""Network grains: host names, addresses per interface, resolver configuration, default gateways.

Name resolution never blocks grains for long: the host name is looked up in ``/etc/hosts`` first;
only when it is not there is ``getaddrinfo`` asked, in a daemon thread, for at most
``DNS_TIMEOUT`` seconds (Salt can hang for the resolver's full timeout, per address family).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from saline.minion.grains import fsroot
from saline.minion.grains.ifaddrs import Interface

log = logging.getLogger(__name__)

DNS_TIMEOUT = 0.5  # seconds for the whole fqdn / fqdn_ip4 / fqdn_ip6 lookup

_RTF_UP, _RTF_GATEWAY, _RTF_REJECT = 0x1, 0x2, 0x200


# ---- host names -------------------------------------------------------------------------------

def parse_hosts(text: str) -> list[tuple[str, list[str]]]:
    """``/etc/hosts`` as (address, [canonical name, aliases...]) entries, comments dropped."""
    entries = []
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2:
            entries.append((fields[0], fields[1:]))
    return entries


def _family(address: str) -> int | None:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).version
    except ValueError:
        return None


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


Answer = tuple[str, list[str], list[str]]  # fqdn, its IPv4 addresses, its IPv6 addresses


def _from_hosts(hostname: str, entries: list[tuple[str, list[str]]]) -> Answer | None:
    lowered = hostname.lower()
    for _, names in entries:
        if lowered in (n.lower() for n in names):
            fqdn = names[0]
            matching = [addr for addr, others in entries if fqdn.lower() in (n.lower() for n in others)]
            return (fqdn, _unique(a for a in matching if _family(a) == 4),
                    _unique(a for a in matching if _family(a) == 6))
    return None


class _Background(threading.Thread):
    """Runs one resolver job off the caller's thread; the caller waits only as long as it wants."""

    def __init__(self, name: str, job: Callable[[], Any]) -> None:
        super().__init__(name=name, daemon=True)
        self.job = job
        self.result: Any = None
        self.done = False

    def run(self) -> None:
        try:
            self.result = self.job()
        finally:
            self.done = True


_jobs: dict[str, _Background] = {}
_jobs_lock = threading.Lock()


def _start(key: str, job: Callable[[], Any]) -> _Background:
    """Start ``job`` unless the same lookup is still running (a hung resolver is not asked again)."""
    with _jobs_lock:
        runner = _jobs.get(key)
        if runner is None or (runner.done or not runner.is_alive()):
            runner = _Background(f"grains-dns-{key}", job)
            _jobs[key] = runner
            runner.start()
    return runner


def _forward(hostname: str) -> Answer:
    """Canonical name of ``hostname`` and the IPv4 and IPv6 addresses of that name."""
    fqdn = hostname
    try:
        for info in socket.getaddrinfo(hostname, 0, socket.AF_UNSPEC, socket.SOCK_STREAM, socket.SOL_TCP,
                                       socket.AI_CANONNAME):
            if len(info) >= 4 and info[3]:
                fqdn = info[3]
    except (OSError, UnicodeError):
        pass
    found: dict[int, list[str]] = {4: [], 6: []}
    for family, version in ((socket.AF_INET, 4), (socket.AF_INET6, 6)):
        try:
            found[version] = _unique(str(i[4][0]) for i in socket.getaddrinfo(fqdn, None, family))
        except (OSError, UnicodeError):
            pass
    return fqdn, found[4], found[6]


def _reverse(addresses: list[str]) -> list[str]:
    names = set()
    for address in addresses:
        try:
            names.add(socket.getfqdn(socket.gethostbyaddr(address)[0]))
        except (OSError, UnicodeError):
            continue
    return sorted(names)


def _hosts_fqdn(name: str, entries: list[tuple[str, list[str]]]) -> str:
    """What getfqdn gives for ``name`` from /etc/hosts: the first of its names with a dot."""
    for _, names in entries:
        if name in names:
            return next((n for n in names if "." in n), name)
    return name


def hostname_grains(
    root: str, hostname: str, ipv4: list[str], ipv6: list[str], resolve: bool = True,
    timeout: float = DNS_TIMEOUT,
) -> dict[str, Any]:
    """localhost, fqdn, host, domain, fqdn_ip4, fqdn_ip6 and fqdns (names of this host's addresses).

    /etc/hosts answers first; the resolver is asked for the rest, all lookups sharing one deadline.
    """
    entries = parse_hosts(fsroot.read_text(root, "/etc/hosts") or "")
    deadline = time.monotonic() + timeout
    answer = _from_hosts(hostname, entries)
    forward = _start(f"fwd-{hostname}", lambda: _forward(hostname)) if (
        answer is None and resolve and hostname) else None
    own = [a for a in [*ipv4, *ipv6] if not ipaddress.ip_address(a.split("%", 1)[0]).is_loopback]
    by_address = {addr: names[0] for addr, names in reversed(entries)}
    fqdns = {_hosts_fqdn(by_address[a], entries) for a in own if a in by_address}
    unknown = [a for a in own if a not in by_address]
    reverse = _start("rev-" + ",".join(unknown), lambda: _reverse(unknown)) if (unknown and resolve) else None
    for job in (forward, reverse):
        if job is not None:
            job.join(max(0.0, deadline - time.monotonic()))
            if not job.done:
                log.warning("Name lookups for grains took over %.1fs; skipped (check DNS or /etc/hosts)",
                            timeout)
    if forward is not None and forward.done:
        answer = forward.result
    if reverse is not None and reverse.done:
        fqdns.update(reverse.result or [])
    fqdn, ip4, ip6 = answer or (hostname or "localhost.localdomain", [], [])
    host, _, domain = fqdn.partition(".")
    return {
        "localhost": hostname,
        "fqdn": fqdn,
        "host": host,
        "domain": domain,
        # Salt only looks up a family the host has addresses for
        "fqdn_ip4": ip4 if ipv4 else [],
        "fqdn_ip6": ip6 if ipv6 else [],
        "fqdns": sorted(fqdns),
    }


# ---- interfaces -------------------------------------------------------------------------------

def _sorted_ips(addresses: Iterable[str]) -> list[str]:
    unique = {ipaddress.ip_address(a.split("%", 1)[0]) for a in addresses}
    return [str(a) for a in sorted(unique)]


def interface_grains(interfaces: list[Interface]) -> dict[str, Any]:
    """ipv4, ipv6 (sorted, loopback included) and the per-interface address and MAC maps."""
    return {
        "ipv4": _sorted_ips(a for i in interfaces for a in i.inet),
        "ipv6": _sorted_ips(a for i in interfaces for a in i.inet6),
        "ip4_interfaces": {i.name: list(i.inet) for i in interfaces},
        "ip6_interfaces": {i.name: list(i.inet6) for i in interfaces},
        "ip_interfaces": {i.name: [*i.inet, *i.inet6] for i in interfaces},
        "hwaddr_interfaces": {i.name: i.hwaddr for i in interfaces if i.hwaddr},
    }


# ---- resolver configuration ------------------------------------------------------------------

def _natural_prefix(address: ipaddress.IPv4Address) -> int:
    first = int(address) >> 24
    return 24 if first >= 192 else 16 if first >= 128 else 8


def parse_resolv(text: str) -> dict[str, Any]:
    """resolv.conf(5) as Salt's ``dns`` grain: nameservers split by family, search, options ..."""
    nameservers: list[str] = []
    ip4: list[str] = []
    ip6: list[str] = []
    sortlist: list[Any] = []
    search: list[str] = []
    options: list[str] = []
    domain = ""
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        directive, args = fields[0].lower(), []
        for arg in fields[1:]:
            if arg[0] in "#;":
                break
            args.append(arg)
        if not args:
            continue
        if directive == "nameserver":
            try:
                address = ipaddress.ip_address(args[0])
            except ValueError:
                log.error("resolv.conf: invalid nameserver address %r", args[0])
                continue
            text_addr = str(address)
            if text_addr not in nameservers:
                nameservers.append(text_addr)
            bucket = ip4 if address.version == 4 else ip6
            if text_addr not in bucket:
                bucket.append(text_addr)
        elif directive == "domain":
            domain = args[0]
        elif directive == "search":
            search = args
        elif directive == "sortlist":
            for raw in args:
                try:
                    network = ipaddress.ip_network(raw, strict=False)
                except ValueError:
                    continue
                if "/" not in raw and network.version == 4:
                    network = ipaddress.ip_network(
                        f"{network.network_address}/{_natural_prefix(network.network_address)}", strict=False
                    )
                if network not in sortlist:
                    sortlist.append(network)
        elif directive == "options" and args[0] not in options:
            options.append(args[0])
    return {
        "nameservers": nameservers,
        "ip4_nameservers": ip4,
        "ip6_nameservers": ip6,
        "sortlist": [n.with_netmask for n in sortlist],
        "domain": domain,
        "search": search,
        "options": options,
    }


def dns_grains(root: str) -> dict[str, Any]:
    """The ``dns`` grain from systemd-resolved's upstream resolv.conf when present, else /etc's."""
    for path in ("/run/systemd/resolve/resolv.conf", "/etc/resolv.conf"):
        if fsroot.exists(root, path):
            text = fsroot.read_text(root, path)
            return {"dns": parse_resolv(text)} if text is not None else {}
    return {}


# ---- default gateways ---------------------------------------------------------------------

def gateway_grains(root: str) -> dict[str, Any]:
    """ip_gw, ip4_gw and ip6_gw: the default gateway address, True for a gatewayless default route,
    False when there is none; from /proc/net/route and /proc/net/ipv6_route."""
    v4 = fsroot.read_text(root, "/proc/net/route")
    v6 = fsroot.read_text(root, "/proc/net/ipv6_route")
    if v4 is None and v6 is None:
        return {}
    ip4_gw: str | bool = False
    for line in (v4 or "").splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8 or fields[1] != "00000000" or fields[7] != "00000000":
            continue
        flags = int(fields[3], 16)
        if flags & _RTF_UP and not flags & _RTF_REJECT:
            gateway = bytes.fromhex(fields[2])[::-1]
            ip4_gw = socket.inet_ntop(socket.AF_INET, gateway) if flags & _RTF_GATEWAY else True
            break
    ip6_gw: str | bool = False
    for line in (v6 or "").splitlines():
        fields = line.split()
        if len(fields) < 10 or fields[0] != "0" * 32 or fields[1] != "00":
            continue
        flags = int(fields[8], 16)
        if flags & _RTF_UP and not flags & _RTF_REJECT:
            nexthop = bytes.fromhex(fields[4])
            ip6_gw = socket.inet_ntop(socket.AF_INET6, nexthop) if any(nexthop) else True
            break
    return {"ip_gw": bool(ip4_gw or ip6_gw), "ip4_gw": ip4_gw, "ip6_gw": ip6_gw}
