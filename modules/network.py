"""Module ``network``: this host's interfaces, addresses, subnets and routes, and address arithmetic.

Interfaces come from :mod:`saline.netif` (getifaddrs, the same data as the network grains) rather
than from parsing ``ip addr`` like Salt; routes come from ``/proc/net/route`` and
``/proc/net/ipv6_route``. Name lookups are bounded so a template never hangs on a dead resolver.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module
from saline.netif import Interface, live_interfaces

mod = Module("network", doc="Interfaces, addresses, subnets, routes and address arithmetic of this host.")
log = logging.getLogger(__name__)

LOOKUP_TIMEOUT = 2.0  # seconds get_fqdn waits for the resolver
ROUTE_FILES = {"inet": "/proc/net/route", "inet6": "/proc/net/ipv6_route"}
_RTF_UP, _RTF_GATEWAY, _RTF_REJECT, _RTF_LOCAL = 0x1, 0x2, 0x200, 0x80000000

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


# ---- helpers ------------------------------------------------------------------------------------

def _ip(value: Any, what: str = "address") -> Address:
    try:
        return ipaddress.ip_address(str(value).split("%", 1)[0])
    except ValueError:
        raise SaltInvocationError(f"'{value}' does not appear to be an IPv4 or IPv6 {what}") from None


def _net(value: Any) -> Network:
    try:
        return ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        raise SaltInvocationError(f"'{value}' does not appear to be an IPv4 or IPv6 network") from None


def _lenient_net(cidr: Any) -> Network | None:
    """Salt logs and matches nothing for a bad CIDR in ip_addrs/in_subnet instead of failing."""
    try:
        return ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        log.error("Invalid CIDR '%s'", cidr)
        return None


def _by_name(interfaces: list[Interface]) -> dict[str, Interface]:
    return {i.name: i for i in interfaces}


def _unknown(name: str, interfaces: list[Interface]) -> str:
    listed = ", ".join(f'"{i.name}"' for i in interfaces)
    message = f'Interface "{name}" not in available interfaces: {listed}'
    log.error("%s", message)
    return message


def _selected(interfaces: list[Interface], interface: Any) -> list[Interface]:
    """The interfaces named by ``interface`` (a name, an alias label like eth0:1, or a list); all if None."""
    if interface is None:
        return interfaces
    wanted = {str(n) for n in (interface if isinstance(interface, list | tuple) else [interface])}
    picked = []
    for iface in interfaces:
        if iface.name in wanted:
            picked.append(iface)
            continue
        labels = [d for d in iface.inet_details if d.get("label") in wanted]
        if labels:  # only the addresses carrying that alias label
            picked.append(Interface(iface.name, iface.hwaddr, [d["address"] for d in labels], [], iface.up,
                                    labels, []))
    return picked


def _sorted_unique(addresses: Iterable[Address]) -> list[str]:
    return [str(a) for a in sorted(set(addresses))]


def _filter(addresses: list[Address], include_loopback: bool, cidr: Any, type: Any) -> list[str]:
    if not include_loopback:
        addresses = [a for a in addresses if not a.is_loopback]
    if cidr is not None:
        network = _lenient_net(cidr)
        addresses = [a for a in addresses if network is not None and a.version == network.version
                     and a in network]
    if type == "private":
        addresses = [a for a in addresses if a.is_private]
    elif type == "public":
        addresses = [a for a in addresses if not a.is_private]
    return _sorted_unique(addresses)


def _bounded(job: Callable[[], Any], timeout: float, fallback: Any) -> Any:
    """Run a resolver call in a daemon thread and give up after ``timeout`` seconds."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = job()
        except (OSError, UnicodeError):
            pass

    worker = threading.Thread(target=run, name="saline-network-lookup", daemon=True)
    worker.start()
    worker.join(timeout)
    return box.get("value", fallback)


# ---- interfaces and addresses -------------------------------------------------------------------

def interface_data(interfaces: list[Interface]) -> dict[str, dict[str, Any]]:
    """Salt's ``network.interfaces`` shape: {name: {up, hwaddr, inet: [...], inet6: [...]}}."""
    result: dict[str, dict[str, Any]] = {}
    for iface in interfaces:
        entry: dict[str, Any] = {"up": iface.up}
        if iface.hwaddr:
            entry["hwaddr"] = iface.hwaddr
        if iface.inet_details:
            entry["inet"] = [dict(d) for d in iface.inet_details]
        if iface.inet6_details:
            entry["inet6"] = [dict(d) for d in iface.inet6_details]
        result[iface.name] = entry
    return result


@mod.query
def interfaces(ctx: Context) -> dict[str, dict[str, Any]]:
    """Return every interface with its state, MAC address and IPv4/IPv6 addresses.

    Shape: ``{name: {up, hwaddr, inet: [{address, netmask, broadcast, label}],
    inet6: [{address, prefixlen, scope}]}}`` (``inet``/``inet6`` only when the interface has some).

    CLI Example: ``saline-call --local network.interfaces``
    """
    return interface_data(live_interfaces())


@mod.query
def interface(ctx: Context, iface: str) -> list[dict[str, Any]] | str:
    """Return the IPv4 address entries of interface ``iface`` (``""`` when it has none).

    An unknown interface gives an error message string, as in Salt.

    CLI Example: ``saline-call --local network.interface eth0``
    """
    found = live_interfaces()
    known = _by_name(found)
    if str(iface) not in known:
        return _unknown(str(iface), found)
    return [dict(d) for d in known[str(iface)].inet_details] or ""


@mod.query
def interface_ip(ctx: Context, iface: str) -> str:
    """Return the first IPv4 address of interface ``iface`` (``""`` when it has none).

    CLI Example: ``saline-call --local network.interface_ip eth0``
    """
    found = live_interfaces()
    known = _by_name(found)
    if str(iface) not in known:
        return _unknown(str(iface), found)
    details = known[str(iface)].inet_details
    return details[0]["address"] if details else ""


@mod.query
def hw_addr(ctx: Context, iface: str) -> str:
    """Return the MAC address of interface ``iface``.

    CLI Example: ``saline-call --local network.hw_addr eth0``
    """
    found = live_interfaces()
    known = _by_name(found)
    if str(iface) not in known:
        return _unknown(str(iface), found)
    return known[str(iface)].hwaddr or ""


@mod.query
def ip_addrs(ctx: Context, interface: Any = None, include_loopback: bool = False, cidr: Any = None,
             type: Any = None) -> list[str]:
    """Return this host's IPv4 addresses, sorted, loopback excluded unless ``include_loopback``.

    ``interface`` limits to one interface (or alias label), ``cidr`` to one network, ``type`` to
    ``private`` or ``public`` addresses.

    CLI Example: ``saline-call --local network.ip_addrs cidr=10.0.0.0/8``
    """
    chosen = _selected(live_interfaces(), interface)
    return _filter([_ip(a) for i in chosen for a in i.inet], bool(include_loopback), cidr, type)


@mod.query
def ip_addrs6(ctx: Context, interface: Any = None, include_loopback: bool = False,
              cidr: Any = None) -> list[str]:
    """Return this host's IPv6 addresses, sorted, ``::1`` excluded unless ``include_loopback``.

    CLI Example: ``saline-call --local network.ip_addrs6 interface=eth0``
    """
    chosen = _selected(live_interfaces(), interface)
    return _filter([_ip(a) for i in chosen for a in i.inet6], bool(include_loopback), cidr, None)


mod.query(ip_addrs, name="ipaddrs")
mod.query(ip_addrs6, name="ipaddrs6")


@mod.query
def subnets(ctx: Context, interfaces: Any = None) -> list[str]:
    """Return the IPv4 networks this host is on (loopback excluded), as sorted CIDRs.

    CLI Example: ``saline-call --local network.subnets interfaces=eth0``
    """
    chosen = _selected(live_interfaces(), interfaces)
    nets = {ipaddress.ip_network(f"{d['address']}/{d['netmask']}", strict=False)
            for i in chosen for d in i.inet_details if d.get("netmask")}
    return [str(n) for n in sorted(n for n in nets if not n.network_address.is_loopback)]


@mod.query
def subnets6(ctx: Context) -> list[str]:
    """Return the IPv6 networks this host is on (``::1`` excluded), as sorted CIDRs.

    CLI Example: ``saline-call --local network.subnets6``
    """
    nets = {ipaddress.ip_network(f"{d['address']}/{d['prefixlen']}", strict=False)
            for i in live_interfaces() for d in i.inet6_details}
    return [str(n) for n in sorted(n for n in nets if not n.network_address.is_loopback)]


@mod.query
def in_subnet(ctx: Context, cidr: Any) -> bool:
    """Return True when one of this host's (non-loopback) addresses is inside ``cidr``.

    A malformed CIDR is logged and gives False, as in Salt.

    CLI Example: ``saline-call --local network.in_subnet 10.0.0.0/16``
    """
    network = _lenient_net(cidr)
    if network is None:
        return False
    own = [_ip(a) for i in live_interfaces() for a in (*i.inet, *i.inet6)]
    return any(a.version == network.version and a in network and not a.is_loopback for a in own)


@mod.query
def ip_in_subnet(ctx: Context, ip_addr: Any, cidr: Any) -> bool:
    """Return True when address ``ip_addr`` is inside network ``cidr``.

    CLI Example: ``saline-call --local network.ip_in_subnet 172.17.0.4 172.16.0.0/12``
    """
    address, network = _ip(ip_addr), _net(cidr)
    return address.version == network.version and address in network


@mod.query
def convert_cidr(ctx: Context, cidr: Any) -> dict[str, str]:
    """Return ``{network, netmask, broadcast}`` of a CIDR (host bits may be set).

    CLI Example: ``saline-call --local network.convert_cidr 172.31.0.0/16``
    """
    network = _net(cidr)
    return {"network": str(network.network_address), "netmask": str(network.netmask),
            "broadcast": str(network.broadcast_address)}


@mod.query
def calc_net(ctx: Context, ip_addr: Any, netmask: Any = None) -> str:
    """Return the network of an address as CIDR, from ``ip/prefix`` or an address and a netmask.

    CLI Example: ``saline-call --local network.calc_net 172.17.0.5 255.255.255.240``
    """
    text = str(ip_addr) if netmask is None else f"{ip_addr}/{netmask}"
    return str(_net(text))


@mod.query
def is_private(ctx: Context, ip_addr: Any) -> bool:
    """Return True when ``ip_addr`` is a private (RFC 1918, ULA, documentation, ...) address.

    CLI Example: ``saline-call --local network.is_private 10.0.0.3``
    """
    return _ip(ip_addr).is_private


@mod.query
def is_loopback(ctx: Context, ip_addr: Any) -> bool:
    """Return True when ``ip_addr`` is a loopback address (127.0.0.0/8, ::1).

    CLI Example: ``saline-call --local network.is_loopback 127.0.0.1``
    """
    return _ip(ip_addr).is_loopback


# ---- names --------------------------------------------------------------------------------------

@mod.query
def get_hostname(ctx: Context) -> str:
    """Return the host name of this machine (``gethostname``).

    CLI Example: ``saline-call --local network.get_hostname``
    """
    return socket.gethostname()


@mod.query
def get_fqdn(ctx: Context) -> str:
    """Return the fully qualified name of this host; falls back to the host name when the resolver
    does not answer within two seconds.

    CLI Example: ``saline-call --local network.get_fqdn``
    """
    hostname = socket.gethostname()
    return _bounded(socket.getfqdn, LOOKUP_TIMEOUT, hostname) or hostname


# ---- routes -------------------------------------------------------------------------------------

def parse_route_v4(text: str) -> list[dict[str, str]]:
    """``/proc/net/route`` as Salt's route entries."""
    routes = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        flags = int(fields[3], 16)

        def quad(hexed: str) -> str:
            return socket.inet_ntop(socket.AF_INET, bytes.fromhex(hexed)[::-1])

        routes.append({
            "addr_family": "inet", "destination": quad(fields[1]), "gateway": quad(fields[2]),
            "netmask": quad(fields[7]), "flags": _flags(flags), "interface": fields[0],
        })
    return routes


def parse_route_v6(text: str) -> list[dict[str, str]]:
    """``/proc/net/ipv6_route`` as Salt's route entries (``netmask`` is empty for IPv6)."""
    routes = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 10:
            continue
        destination = socket.inet_ntop(socket.AF_INET6, bytes.fromhex(fields[0]))
        gateway = socket.inet_ntop(socket.AF_INET6, bytes.fromhex(fields[4]))
        routes.append({
            "addr_family": "inet6", "destination": f"{destination}/{int(fields[1], 16)}", "gateway": gateway,
            "netmask": "", "flags": _flags(int(fields[8], 16)), "interface": fields[9],
        })
    return routes


def _flags(flags: int) -> str:
    if flags & _RTF_REJECT:
        return "!n"
    text = "U" if flags & _RTF_UP else ""
    text += "G" if flags & _RTF_GATEWAY else ""
    text += "n" if flags & _RTF_LOCAL else ""
    return text


def _check_family(family: Any) -> None:
    if family is not None and family not in ROUTE_FILES:
        raise CommandExecutionError(f"Invalid address family {family}")


def _read_routes(family: str) -> list[dict[str, str]]:
    try:
        with open(ROUTE_FILES[family], encoding="ascii", errors="replace") as fh:
            text = fh.read()
    except FileNotFoundError:
        return []  # no IPv6 in this kernel
    except OSError as exc:
        raise CommandExecutionError(f"cannot read {ROUTE_FILES[family]}: {exc.strerror}") from None
    return parse_route_v4(text) if family == "inet" else parse_route_v6(text)


@mod.query
def routes(ctx: Context, family: str | None = None) -> list[dict[str, str]]:
    """Return the routing table: ``[{addr_family, destination, gateway, netmask, flags, interface}]``.

    ``family`` is ``inet`` or ``inet6`` (default both).

    CLI Example: ``saline-call --local network.routes inet``
    """
    _check_family(family)
    return [r for fam in ROUTE_FILES if family in (None, fam) for r in _read_routes(fam)]


@mod.query
def default_route(ctx: Context, family: str | None = None) -> list[dict[str, str]]:
    """Return the default routes (``0.0.0.0`` and ``::/0``), optionally of one ``family``.

    CLI Example: ``saline-call --local network.default_route inet``
    """
    _check_family(family)
    return [r for r in routes(ctx, family) if r["destination"] in ("0.0.0.0", "::/0")]


# ---- reachability -------------------------------------------------------------------------------

@mod.query
def ping(ctx: Context, host: str, timeout: Any = False, return_boolean: bool = False) -> str | bool:
    """Send four ICMP echo requests to ``host`` with the system ``ping``; return its output, or
    whether the host answered when ``return_boolean`` is true. ``timeout`` is ping's ``-W`` seconds.

    CLI Example: ``saline-call --local network.ping example.org return_boolean=True timeout=2``
    """
    import shutil
    import subprocess

    binary = shutil.which("ping")
    if binary is None:
        raise CommandExecutionError("network.ping needs the 'ping' command, which is not installed")
    command = [binary]
    if timeout:
        command += ["-W", str(int(timeout))]
    command += ["-c", "4", str(host)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    if return_boolean:
        return done.returncode == 0
    return (done.stdout or done.stderr).strip()


@mod.query
def connect(ctx: Context, host: str, port: Any = None, **kwargs: Any) -> dict[str, Any]:
    """Check that a TCP (or UDP) port can be reached: ``{result, comment}``.

    Options: ``proto`` (tcp, udp), ``timeout`` (seconds, default 5), ``family`` (ipv4, ipv6).

    CLI Example: ``saline-call --local network.connect archlinux.org 80 timeout=3``
    """
    if not host or port is None:
        return {"result": False, "comment": "Required argument, host, is missing." if not host
                else "Required argument, port, is missing."}
    proto = str(kwargs.get("proto") or "tcp").lower()
    if proto not in ("tcp", "udp"):
        raise SaltInvocationError(f"proto must be tcp or udp, not {proto!r}")
    try:
        port_number = int(port)
        seconds = float(kwargs.get("timeout") or 5)
    except (TypeError, ValueError):
        raise SaltInvocationError("port and timeout must be numbers") from None
    family = {"ipv4": socket.AF_INET, "ipv6": socket.AF_INET6}.get(str(kwargs.get("family")), socket.AF_UNSPEC)
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    infos = _bounded(lambda: socket.getaddrinfo(host, port_number, family, kind), seconds, None)
    if not infos:
        return {"result": False, "comment": f"Unable to resolve host {host} on {proto} port {port}"}
    fam, socktype, protocol, _, sockaddr = infos[0]
    address = sockaddr[0]
    try:
        with socket.socket(fam, socktype, protocol) as sock:
            sock.settimeout(seconds)
            sock.connect(sockaddr)
            if proto == "udp":
                sock.send(b"")
    except OSError:
        return {"result": False, "comment": f"Unable to connect to {host} ({address}) on {proto} port {port}"}
    return {"result": True, "comment": f"Successfully connected to {host} ({address}) on {proto} port {port}"}
