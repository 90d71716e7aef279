"""Core grains: every collector run against one host, live or recorded.

:class:`HostFacts` carries what cannot be read from files under a root (the host name, uname,
interface addresses, the environment); left unset, each is taken from the running system.
Tests fill it, with ``root`` pointing at recorded ``/etc``, ``/proc`` and ``/sys`` files.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from saline.minion.grains import hardware, identity, network, os_release, platform_misc
from saline.minion.grains.ifaddrs import Interface, live_interfaces

log = logging.getLogger(__name__)


@dataclass
class HostFacts:
    root: str = "/"
    hostname: str | None = None
    uname: tuple[str, str, str, str, str] | None = None  # system, node, release, version, machine
    interfaces: list[Interface] | None = None
    environ: Mapping[str, str] | None = None
    resolve: bool = True  # may ask the resolver when /etc/hosts does not know the host name
    dns_timeout: float = network.DNS_TIMEOUT

    def live(self) -> HostFacts:
        """A copy with every unset fact taken from the running system."""
        uname = self.uname
        if uname is None:
            u = os.uname()
            uname = (u.sysname, u.nodename, u.release, u.version, u.machine)
        return HostFacts(
            root=self.root,
            hostname=self.hostname if self.hostname is not None else socket.gethostname(),
            uname=uname,
            interfaces=self.interfaces if self.interfaces is not None else live_interfaces(),
            environ=self.environ if self.environ is not None else dict(os.environ),
            resolve=self.resolve,
            dns_timeout=self.dns_timeout,
        )


def core_grains(opts: Mapping[str, Any], facts: HostFacts | None = None) -> dict[str, Any]:
    """Collect the core grains of the host described by ``facts`` (default: this host)."""
    facts = (facts or HostFacts()).live()
    root = facts.root
    assert facts.uname is not None and facts.interfaces is not None and facts.environ is not None
    path_env = facts.environ.get("PATH", "")
    grains: dict[str, Any] = {}
    grains.update(identity.minion_grains(opts))
    grains.update(platform_misc.uname_grains(facts.uname))
    kernel, cpuarch = grains["kernel"], grains["cpuarch"]
    if kernel == "Linux":
        grains.update(platform_misc.systemd_grains(root, path_env))
        grains.update(platform_misc.init_grains(root, path_env))
    grains.update(hardware.cpu_grains(root))
    grains.update(hardware.gpu_grains(root))
    osdata = os_release.os_grains(root, kernel, cpuarch)
    grains.update(osdata)
    grains.update(hardware.mem_grains(root))
    grains.update(hardware.dmi_grains(root))
    grains.update(hardware.virtual_grains(root, kernel))
    grains.update(platform_misc.misc_grains(root, osdata, path_env))
    grains.update(hardware.disk_grains(root))
    grains.update(hardware.efi_grains(root))
    interfaces = network.interface_grains(facts.interfaces)
    grains.update(interfaces)
    grains.update(network.hostname_grains(
        root, facts.hostname or "", interfaces["ipv4"], interfaces["ipv6"], facts.resolve, facts.dns_timeout
    ))
    grains.update(network.dns_grains(root))
    grains.update(network.gateway_grains(root))
    grains.update(identity.machine_id_grains(root))
    grains.update(platform_misc.kernelparams_grains(root))
    grains.update(platform_misc.locale_grains())
    grains.update(identity.environment_grains(facts.environ))
    grains.update(identity.process_grains())
    grains.update(platform_misc.software_grains())
    if opts.get("append_domain"):
        grains["append_domain"] = opts["append_domain"]
    return grains
