"""Grains collected on the machine running the tests: types, speed, DNS safety, static overrides."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from saline.minion.grains import collect, static_grains

# grain -> expected type on any Linux host (the contract docs/grains.md documents)
TYPES: dict[str, type | tuple[type, ...]] = {
    "id": str, "server_id": int, "master": (str, list), "host": str, "nodename": str, "localhost": str,
    "fqdn": str, "domain": str, "fqdns": list, "os": str, "os_family": str, "osarch": str, "kernel": str,
    "kernelrelease": str, "kernelversion": str, "cpuarch": str, "num_cpus": int, "cpu_model": str,
    "cpu_flags": list, "num_gpus": int, "gpus": list, "mem_total": int, "swap_total": int, "ipv4": list,
    "ipv6": list, "ip4_interfaces": dict, "ip6_interfaces": dict, "ip_interfaces": dict,
    "hwaddr_interfaces": dict, "fqdn_ip4": list, "fqdn_ip6": list, "dns": dict, "uid": int, "gid": int,
    "username": str, "groupname": str, "pid": int, "shell": str, "path": str, "systempath": list, "cwd": str,
    "pythonversion": list, "pythonexecutable": str, "pythonpath": list, "saltversion": str,
    "saltversioninfo": list, "saltpath": str, "init": str, "virtual": str, "locale_info": dict,
    "kernelparams": list, "ps": str, "transactional": bool, "efi": bool, "efi-secure-boot": bool,
    "disks": list, "ssds": list,
}
LINUX_DISTRO_TYPES = {"osfullname": str, "osrelease": str, "oscodename": str, "lsb_distrib_id": str}


@pytest.fixture(scope="module")
def grains() -> dict[str, Any]:
    return collect({"id": "live-test", "master": "salt", "config_dir": "/nonexistent"})


def test_types(grains: dict[str, Any]) -> None:
    wrong = {k: type(grains.get(k)).__name__ for k, t in TYPES.items() if not isinstance(grains.get(k), t)}
    assert not wrong
    if Path("/etc/os-release").exists():
        assert all(isinstance(grains[k], t) for k, t in LINUX_DISTRO_TYPES.items())
    if grains.get("osrelease"):
        assert isinstance(grains["osrelease_info"], list) and isinstance(grains["osfinger"], str)


def test_values_agree_with_the_system(grains: dict[str, Any]) -> None:
    import os
    import pwd

    from saline import __version__

    assert grains["id"] == "live-test"
    assert grains["localhost"] == socket.gethostname()
    assert grains["kernel"] == os.uname().sysname and grains["cpuarch"] == os.uname().machine
    assert grains["uid"] == os.geteuid() and grains["username"] == pwd.getpwuid(os.geteuid()).pw_name
    assert grains["pid"] == os.getpid()
    assert grains["saltversion"] == __version__
    assert grains["pythonversion"][:3] == list(sys.version_info[:3])
    assert "127.0.0.1" in grains["ipv4"]
    names = grains["ip_interfaces"].keys()
    assert names == grains["ip4_interfaces"].keys() == grains["ip6_interfaces"].keys()
    meminfo = Path("/proc/meminfo").read_text().split()
    assert grains["mem_total"] == int(meminfo[meminfo.index("MemTotal:") + 1]) // 1024
    assert 0 <= grains["server_id"] < 2**31


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2's ip command")
def test_addresses_match_ip_addr(grains: dict[str, Any]) -> None:
    """The interface grains equal what `ip -j addr` (what Salt parses) reports."""
    out = json.loads(subprocess.run(["ip", "-j", "addr", "show"], capture_output=True, text=True,
                                    check=True).stdout)
    v4 = {i["ifname"]: [a["local"] for a in i.get("addr_info", []) if a["family"] == "inet"] for i in out}
    v6 = {i["ifname"]: [a["local"] for a in i.get("addr_info", []) if a["family"] == "inet6"] for i in out}
    assert grains["ip4_interfaces"] == v4
    assert grains["ip6_interfaces"] == v6
    assert list(grains["ip4_interfaces"]) == [i["ifname"] for i in out]  # kernel (ifindex) order
    macs = {i["ifname"]: i["address"] for i in out if i.get("address") and i.get("link_type") != "none"}
    assert grains["hwaddr_interfaces"] == macs


def test_collection_is_fast() -> None:
    opts = {"id": "timing", "config_dir": "/nonexistent"}
    collect(opts)  # imports, first DNS answers
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        collect(opts)
        runs.append(time.perf_counter() - start)
    assert min(runs) < 0.1, runs


def test_unreachable_dns_does_not_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    """A resolver that never answers costs at most the DNS timeout, and fqdn falls back to the name."""
    def blackhole(*args: Any, **kwargs: Any) -> Any:
        time.sleep(5)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "gethostname", lambda: "no-such-host-in-etc-hosts")
    monkeypatch.setattr(socket, "getaddrinfo", blackhole)
    monkeypatch.setattr(socket, "gethostbyaddr", blackhole)
    start = time.perf_counter()
    grains = collect({"id": "dns-test", "config_dir": "/nonexistent"})
    elapsed = time.perf_counter() - start
    assert elapsed < 1.5, elapsed
    assert grains["fqdn"] == grains["host"] == grains["localhost"] == "no-such-host-in-etc-hosts"
    assert grains["domain"] == ""
    assert grains["fqdn_ip4"] == grains["fqdn_ip6"] == []
    # a second collection while the first lookup still hangs is just as quick
    start = time.perf_counter()
    collect({"id": "dns-test", "config_dir": "/nonexistent"})
    assert time.perf_counter() - start < 1.5


def test_static_grains_override_core_grains(tmp_path: Path) -> None:
    (tmp_path / "grains").write_text("os: FromGrainsFile\nroles: [web]\ndatacenter: ams1\n")
    opts = {"id": "static", "config_dir": str(tmp_path), "grains": {"datacenter": "fra2", "os_family": "Opt"}}
    grains = collect(opts)
    assert grains["os"] == "FromGrainsFile"
    assert grains["roles"] == ["web"]
    assert grains["datacenter"] == "fra2"  # the grains: option wins over the grains file
    assert grains["os_family"] == "Opt"
    assert static_grains(opts) == {"os": "FromGrainsFile", "roles": ["web"], "datacenter": "fra2",
                                   "os_family": "Opt"}


def test_grains_file_option_and_salt_yaml(tmp_path: Path) -> None:
    custom = tmp_path / "custom-grains"
    custom.write_text("mode: 0644\nowner: root\n")
    assert static_grains({"grains_file": str(custom)}) == {"mode": 644, "owner": "root"}


@pytest.mark.parametrize("content", ["a: [unclosed\n", "- just\n- a list\n", "a: 1\na: 2\n"])
def test_bad_grains_file_is_skipped_with_a_warning(tmp_path: Path, content: str,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "grains").write_text(content)
    assert static_grains({"config_dir": str(tmp_path), "grains": {"x": 1}}) == {"x": 1}
    assert "grains file" in caplog.text.lower()


def test_collector_and_module_agree_on_the_grains_file() -> None:
    from saline.minion.grains import grains_file_path as minion_path
    from saline.modules.grains import grains_file_path as module_path

    for opts in ({"config_dir": "/etc/x"}, {"conf_file": "/etc/y/minion"},
                 {"grains_file": "/g", "config_dir": "/c"}, {}):
        assert minion_path(opts) == module_path(opts)
