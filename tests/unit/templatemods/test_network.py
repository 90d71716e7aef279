"""network module: shapes on this host, CIDR arithmetic properties, route parsing, errors."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context
from saline.modules import network

salt = Context({"id": "m1"}).salt

ROUTE_V4 = """Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
"""
ROUTE_V6 = (
    "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
    "fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n"
    "00000000000000000000000000000001 80 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo\n"
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"
)


def test_routes_parsed_like_salt() -> None:
    # the same table Salt 3007.8 reported on the recording host
    assert network.parse_route_v4(ROUTE_V4) == [
        {"addr_family": "inet", "destination": "0.0.0.0", "gateway": "192.0.2.1", "netmask": "0.0.0.0",
         "flags": "UG", "interface": "eth0"},
        {"addr_family": "inet", "destination": "192.0.2.0", "gateway": "0.0.0.0", "netmask": "255.255.255.0",
         "flags": "U", "interface": "eth0"},
    ]
    assert [(r["destination"], r["gateway"], r["flags"], r["interface"])
            for r in network.parse_route_v6(ROUTE_V6)] == [
        ("fd00::/64", "::", "U", "eth0"), ("::/0", "fd00::1", "UG", "eth0"),
        ("::1/128", "::", "Un", "lo"), ("::/0", "::", "!n", "lo")]


def test_route_functions_read_proc() -> None:
    table = salt["network.routes"]()
    assert all(set(r) == {"addr_family", "destination", "gateway", "netmask", "flags", "interface"} for r in table)
    assert all(r["destination"] in ("0.0.0.0", "::/0") for r in salt["network.default_route"]())
    assert all(r["addr_family"] == "inet" for r in salt["network.routes"]("inet"))
    with pytest.raises(CommandExecutionError, match="Invalid address family foo"):
        salt["network.default_route"]("foo")


def test_interfaces_shape_and_loopback() -> None:
    found = salt["network.interfaces"]()
    assert found["lo"]["up"] is True
    assert found["lo"]["inet"][0] == {"address": "127.0.0.1", "netmask": "255.0.0.0", "broadcast": None,
                                      "label": "lo"}
    for entry in found.values():
        assert set(entry) <= {"up", "hwaddr", "inet", "inet6"}
        for six in entry.get("inet6", []):
            assert set(six) == {"address", "prefixlen", "scope"} and six["prefixlen"].isdigit()
    assert salt["network.interface"]("lo") == found["lo"]["inet"]
    assert salt["network.interface_ip"]("lo") == "127.0.0.1"
    assert salt["network.hw_addr"]("lo") == found["lo"].get("hwaddr", "")
    message = salt["network.interface"]("no-such-if0")
    assert message.startswith('Interface "no-such-if0" not in available interfaces: "lo"')


def test_address_lists() -> None:
    v4 = salt["network.ip_addrs"]()
    assert "127.0.0.1" not in v4 and v4 == sorted(v4, key=ipaddress.ip_address)
    assert "127.0.0.1" in salt["network.ip_addrs"](include_loopback=True)
    assert salt["network.ip_addrs"](interface="lo", include_loopback=True) == ["127.0.0.1"]
    assert salt["network.ip_addrs"](interface="no-such-if0") == []
    assert salt["network.ip_addrs"](cidr="bad") == []
    assert salt["network.ip_addrs"](cidr="127.0.0.0/8", include_loopback=True) == ["127.0.0.1"]
    assert salt["network.ipaddrs"]() == v4
    assert "::1" not in salt["network.ip_addrs6"]()
    assert salt["network.in_subnet"]("127.0.0.0/8") is False  # loopback never counts, as in Salt
    assert salt["network.in_subnet"]("bad") is False
    for net in salt["network.subnets"]():
        assert salt["network.in_subnet"](net) is True


def test_names_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    assert salt["network.get_hostname"]() == socket.gethostname()
    release = threading.Event()
    monkeypatch.setattr(network, "LOOKUP_TIMEOUT", 0.2)
    monkeypatch.setattr(socket, "getfqdn", lambda *a: release.wait(5) or "late.example")
    started = time.monotonic()
    assert salt["network.get_fqdn"]() == socket.gethostname()
    assert time.monotonic() - started < 2
    release.set()


def test_connect_to_a_real_listener() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        ok = salt["network.connect"]("127.0.0.1", port, timeout=2)
    assert ok == {"result": True, "comment": f"Successfully connected to 127.0.0.1 (127.0.0.1) on tcp port {port}"}
    closed = salt["network.connect"]("127.0.0.1", port, timeout=2)
    assert closed["result"] is False and "Unable to connect to 127.0.0.1" in closed["comment"]
    with pytest.raises(SaltInvocationError):
        salt["network.connect"]("127.0.0.1", port, proto="sctp")


def test_bad_addresses_are_clear_errors() -> None:
    for fun, args in (("is_private", ["bad"]), ("ip_in_subnet", ["bad", "10.0.0.0/8"]),
                      ("convert_cidr", ["bad"]), ("calc_net", ["bad"])):
        with pytest.raises(SaltInvocationError, match="does not appear to be an IPv4 or IPv6"):
            salt[f"network.{fun}"](*args)


networks = st.one_of(
    st.builds(lambda a, p: ipaddress.IPv4Network((a, p), strict=False),
              st.integers(0, 2**32 - 1), st.integers(0, 32)),
    st.builds(lambda a, p: ipaddress.IPv6Network((a, p), strict=False),
              st.integers(0, 2**128 - 1), st.integers(0, 128)),
)


@given(networks, st.integers(min_value=0))
def test_cidr_properties(net: ipaddress.IPv4Network | ipaddress.IPv6Network, offset: int) -> None:
    host = net.network_address + (offset % net.num_addresses)
    info = salt["network.convert_cidr"](f"{host}/{net.prefixlen}")
    assert info == {"network": str(net.network_address), "netmask": str(net.netmask),
                    "broadcast": str(net.broadcast_address)}
    assert salt["network.calc_net"](f"{host}/{net.prefixlen}") == str(net)
    assert salt["network.ip_in_subnet"](str(host), str(net)) is True
    outside = int(net.broadcast_address) + 1
    if outside < 2 ** net.max_prefixlen:
        assert salt["network.ip_in_subnet"](str(ipaddress.ip_address(outside) if net.version == 4
                                                else ipaddress.IPv6Address(outside)), str(net)) is False
