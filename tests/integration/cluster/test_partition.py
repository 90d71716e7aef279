"""A minion on another "host" (a network namespace) behind a partition that heals: it answers again by
itself, without a restart (ENVIRONMENT.md §5: partitions are tested inside namespaces, never on the host)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import uuid

import pytest


def sh(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


@pytest.fixture
def netns():
    suffix = uuid.uuid4().hex[:6]
    ns, host_if, ns_if = f"sln{suffix}", f"vh{suffix}", f"vn{suffix}"
    net = f"10.{random.randint(100, 250)}.{random.randint(0, 255)}"
    sh("ip", "netns", "add", ns)
    try:
        sh("ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        sh("ip", "link", "set", ns_if, "netns", ns)
        sh("ip", "addr", "add", f"{net}.1/24", "dev", host_if)
        sh("ip", "link", "set", host_if, "up")
        sh("ip", "-n", ns, "addr", "add", f"{net}.2/24", "dev", ns_if)
        sh("ip", "-n", ns, "link", "set", ns_if, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        yield ns, f"{net}.1"
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)  # takes the veth pair with it
        subprocess.run(["ip", "link", "del", host_if], capture_output=True)


def ping(cluster) -> dict:
    _rc, out, _err = cluster.saline("*", "test.ping", "-t", "3", "--out=json", "--static")
    return json.loads(out) if out.strip() else {}


def test_partition_heals_without_restart(cluster, netns):
    ns, master_ip = netns
    conf = os.path.join(cluster.master_dir, "master")
    with open(conf, encoding="utf-8") as fh:
        text = fh.read().replace("interface: 127.0.0.1", f"interface: {master_ip}")
    with open(conf, "w", encoding="utf-8") as fh:
        fh.write(text)
    cluster.start_master()
    cluster.add_minion("far", None, prefix=("ip", "netns", "exec", ns), master=master_ip)
    cluster.wait_pending(["far"])
    rc, _out, err = cluster.key("-A", "-y")
    assert rc == 0, err
    cluster.wait_authenticated(["far"])
    assert ping(cluster) == {"far": True}

    rule = ["ip", "netns", "exec", ns, "iptables", "-A", "OUTPUT", "-d", master_ip, "-j", "DROP"]
    sh(*rule)  # partition: everything from the far host to the master is silently dropped
    during = ping(cluster)
    assert list(during) == ["far"] and during["far"].startswith("Minion did not return. [No response]")
    sh(*[("-D" if part == "-A" else part) for part in rule])  # heal
    healed = cluster.wait(lambda: ping(cluster) == {"far": True}, "the far minion answers again", timeout=60)
    assert healed
    assert cluster.minions["far"].poll() is None  # the same process: never restarted
