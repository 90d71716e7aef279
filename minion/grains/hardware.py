"""Hardware grains: CPU, memory, firmware (DMI), disks, EFI and virtualization.

Everything is read from files (``/proc``, ``/sys``) under a root: no ``dmidecode``, ``lspci`` or
``systemd-detect-virt`` subprocesses, which is most of why Salt's grains take half a second.
"""

from __future__ import annotations

import glob
import os
import re
from typing import Any

from saline.minion.grains import fsroot

# grain -> file under /sys/class/dmi/id
_DMI_FILES = {
    "biosversion": "bios_version",
    "biosvendor": "bios_vendor",
    "boardname": "board_name",
    "productname": "product_name",
    "manufacturer": "sys_vendor",
    "biosreleasedate": "bios_date",
    "uuid": "product_uuid",
    "serialnumber": "product_serial",
}

# DMI vendor/product substrings -> (virtual, virtual_subtype)
_DMI_HYPERVISORS = (
    ("Amazon EC2", ("Nitro", "Amazon EC2")),
    ("RHEV Hypervisor", ("kvm", "rhev")),
    ("oVirt", ("kvm", "ovirt")),
    ("KVM", ("kvm", None)),
    ("QEMU", ("kvm", None)),
    ("OpenStack", ("kvm", None)),
    ("Google", ("gce", None)),
    ("BHYVE", ("bhyve", None)),
    ("VMware", ("VMware", None)),
    ("VMW", ("VMware", None)),
    ("VirtualBox", ("VirtualBox", None)),
    ("innotek GmbH", ("VirtualBox", None)),
    ("Parallels", ("Parallels", None)),
    ("Xen", ("xen", None)),
    ("Bochs", ("bochs", None)),
)

# PCI vendor ids of virtual hardware -> virtual (what Salt learns from lspci)
_PCI_VENDORS = {"0x15ad": "VMware", "0x80ee": "VirtualBox", "0x1af4": "kvm", "0x1ab8": "Parallels"}

# container managers (systemd's names) -> (virtual, virtual_subtype) as Salt reports them
_CONTAINERS = {
    "docker": ("container", "Docker"),
    "podman": ("container", "Podman"),
    "lxc": ("container", "LXC"),
    "lxc-libvirt": ("container", "LXC"),
    "systemd-nspawn": ("systemd-nspawn", None),
}


def cpu_grains(root: str) -> dict[str, Any]:
    """num_cpus, cpu_model and cpu_flags from /proc/cpuinfo (x86, ARM, POWER and s390 layouts)."""
    grains: dict[str, Any] = {}
    text = fsroot.read_text(root, "/proc/cpuinfo")
    if text is not None:
        grains["num_cpus"] = 0
        for line in text.splitlines():
            key, sep, value = line.partition(":")
            if not sep:
                continue
            key, value = key.strip(), value.split(":")[0].strip()
            if key == "processor":
                grains["num_cpus"] += 1
            elif key == "# processors":
                grains["num_cpus"] = int(value)
            elif key in ("vendor_id", "model name", "cpu"):
                grains["cpu_model"] = value
            elif key in ("flags", "Features"):
                grains["cpu_flags"] = value.split()
            elif key == "Processor":
                grains["cpu_model"] = value.split("-")[0]
                grains["num_cpus"] = 1
    grains.setdefault("num_cpus", 0)
    grains.setdefault("cpu_model", "Unknown")
    grains.setdefault("cpu_flags", [])
    return grains


def mem_grains(root: str) -> dict[str, int]:
    """mem_total and swap_total in MiB (floor of /proc/meminfo's kB / 1024)."""
    grains = {"mem_total": 0, "swap_total": 0}
    for line in (fsroot.read_text(root, "/proc/meminfo") or "").splitlines():
        key, _, value = line.partition(":")
        fields = value.split()
        if not fields or not fields[0].isdigit():
            continue
        if key.strip() == "MemTotal":
            grains["mem_total"] = int(fields[0]) // 1024
        elif key.strip() == "SwapTotal":
            grains["swap_total"] = int(fields[0]) // 1024
    return grains


def dmi_grains(root: str) -> dict[str, str]:
    """Firmware and product identity from /sys/class/dmi/id (files root may not read are skipped)."""
    grains: dict[str, str] = {}
    if not fsroot.exists(root, "/sys/class/dmi/id"):
        return grains
    for grain, name in _DMI_FILES.items():
        raw = fsroot.read_bytes(root, f"/sys/class/dmi/id/{name}")
        if raw is None:
            continue
        value = raw.strip().decode("utf-8", errors="replace")
        grains[grain] = value.lower() if grain == "uuid" else value
    return grains


def disk_grains(root: str) -> dict[str, list[str]]:
    """Block devices that are not virtual (loop, zram, dm ...), split by /sys rotational flag."""
    grains: dict[str, list[str]] = {"disks": [], "ssds": []}
    for name in fsroot.listdir(root, "/sys/block"):
        if fsroot.readlink(root, f"/sys/block/{name}").startswith("../devices/virtual/"):
            continue
        flag = (fsroot.read_text(root, f"/sys/block/{name}/queue/rotational", limit=1) or "")[:1]
        if flag == "0":
            grains["ssds"].append(name)
        elif flag == "1":
            grains["disks"].append(name)
    return grains


def efi_grains(root: str) -> dict[str, bool]:
    efivars = next((p for p in ("/sys/firmware/efi/efivars", "/sys/firmware/efi/vars")
                    if fsroot.exists(root, p)), None)
    secure = False
    if efivars:
        pattern = "SecureBoot-*" if efivars.endswith("efivars") else "SecureBoot-*/data"
        found = glob.glob(os.path.join(fsroot.host_path(root, efivars), pattern))
        if len(found) == 1:
            try:
                with open(found[0], "rb") as fh:
                    secure = fh.read()[-1:] == b"\x01"
            except OSError:
                pass
    return {"efi": bool(efivars), "efi-secure-boot": secure}


def _container(root: str) -> str | None:
    """The container manager, found the way systemd-detect-virt finds it (files only)."""
    for path in ("/run/host/container-manager", "/run/systemd/container"):
        text = fsroot.read_text(root, path)
        if text and text.strip():
            return text.strip()
    environ = fsroot.read_bytes(root, "/proc/1/environ")
    for entry in (environ or b"").split(b"\0"):
        if entry.startswith(b"container="):
            return entry[len(b"container="):].decode(errors="replace") or None
    if fsroot.exists(root, "/run/.containerenv"):
        return "podman"
    if fsroot.exists(root, "/.dockerenv"):
        return "docker"
    return None


def _hypervisor(root: str) -> tuple[str, str | None] | None:
    dmi = " ".join(
        (fsroot.read_text(root, f"/sys/class/dmi/id/{name}") or "").strip()
        for name in ("sys_vendor", "product_name", "board_vendor", "bios_vendor", "product_version")
    )
    if "Microsoft Corporation" in dmi and "Virtual Machine" in dmi:
        return "VirtualPC", None
    for needle, verdict in _DMI_HYPERVISORS:
        if needle in dmi:
            return verdict
    for device in fsroot.listdir(root, "/sys/bus/pci/devices"):
        vendor = (fsroot.read_text(root, f"/sys/bus/pci/devices/{device}/vendor") or "").strip()
        if vendor in _PCI_VENDORS:
            return _PCI_VENDORS[vendor], None
    return None


def virtual_grains(root: str, kernel: str = "Linux") -> dict[str, Any]:
    """virtual (physical, kvm, VMware, container ...) and virtual_subtype, as Salt names them."""
    grains: dict[str, Any] = {"virtual": "physical"}
    if kernel != "Linux":
        return grains
    manager = _container(root)
    if manager:
        virtual, subtype = _CONTAINERS.get(manager, ("container", manager.capitalize()))
        grains["virtual"] = virtual
        if subtype:
            grains["virtual_subtype"] = subtype
    else:
        found = _hypervisor(root)
        if found:
            grains["virtual"] = found[0]
            if found[1]:
                grains["virtual_subtype"] = found[1]
        if grains.get("virtual_subtype") == "Amazon EC2":
            product = (fsroot.read_text(root, "/sys/class/dmi/id/product_name") or "").strip()
            if product:
                grains["virtual_subtype"] = f"Amazon EC2 ({product})"
    _refine_virtual(root, grains)
    if grains.get("virtual_subtype") and grains["virtual"] == "physical":
        grains["virtual"] = "virtual"
    return grains


def _refine_virtual(root: str, grains: dict[str, Any]) -> None:
    """The file checks Salt applies after its detection commands (chroot, OpenVZ, Xen, cgroups)."""
    if root in ("", "/"):
        try:
            if os.stat("/") != os.stat("/proc/1/root/."):
                grains["virtual_subtype"] = "chroot"
        except OSError:
            pass
    if fsroot.isdir(root, "/proc/vz"):
        if fsroot.isfile(root, "/proc/vz/version"):
            grains["virtual"] = "openvzhn"
        elif fsroot.isfile(root, "/proc/vz/veinfo"):
            grains["virtual"] = "openvzve"
    for line in (fsroot.read_text(root, "/proc/self/status") or "").splitlines():
        if line.startswith("envID:") and line.split()[1:2]:
            grains["virtual"] = "openvzhn" if line.split()[1] == "0" else "openvzve"
    if any(fsroot.isdir(root, p) for p in ("/proc/sys/xen", "/sys/bus/xen", "/proc/xen")):
        caps = fsroot.read_text(root, "/proc/xen/capabilities")
        if fsroot.isfile(root, "/proc/xen/xsd_kva"):
            grains["virtual_subtype"] = "Xen Dom0"
        elif (fsroot.read_text(root, "/sys/class/dmi/id/product_name") or "").strip() == "HVM domU":
            grains["virtual_subtype"] = "Xen HVM DomU"
        elif caps is not None:
            grains["virtual_subtype"] = "Xen Dom0" if "control_d" in caps else "Xen PV DomU"
        elif fsroot.isdir(root, "/sys/bus/xen/drivers/xenconsole"):
            grains["virtual_subtype"] = "Xen PV DomU"
        if "dom" in str(grains.get("virtual_subtype", "")).lower():
            grains["virtual"] = "xen"
    if "QEMU Virtual CPU" in (fsroot.read_text(root, "/proc/cpuinfo") or ""):
        grains["virtual"] = "kvm"
    cgroup = fsroot.read_text(root, "/proc/1/cgroup") or ""
    if ":/lxc/" in cgroup:
        grains["virtual"], grains["virtual_subtype"] = "container", "LXC"
    elif ":/kubepods/" in cgroup:
        grains["virtual_subtype"] = "kubernetes"
    elif ":/libpod_parent/" in cgroup:
        grains["virtual_subtype"] = "libpod"
    elif any(tag in cgroup for tag in (":/system.slice/docker", ":/docker/", ":/docker-ce/")):
        grains["virtual"], grains["virtual_subtype"] = "container", "Docker"


# PCI classes lspci calls VGA compatible, 3D and display controllers, and processing accelerators
_GPU_CLASSES = ("0x0300", "0x0302", "0x0380", "0x1200")
_GPU_VENDORS = ("nvidia", "amd", "ati", "intel", "cirrus logic", "vmware", "matrox", "aspeed")
# vendor names as lspci prints them, for hosts without a pci.ids database
_PCI_VENDOR_NAMES = {
    "10de": "NVIDIA Corporation", "1002": "Advanced Micro Devices, Inc. [AMD/ATI]",
    "8086": "Intel Corporation", "1013": "Cirrus Logic", "15ad": "VMware",
    "102b": "Matrox Electronics Systems Ltd.",
    "1a03": "ASPEED Technology, Inc.",
}


def _pci_names(root: str, wanted: set[tuple[str, str]]) -> dict[tuple[str, str | None], str]:
    """Vendor and device names from the pci.ids database, for the (vendor, device) ids wanted."""
    text = None
    for path in ("/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"):
        text = fsroot.read_text(root, path)
        if text is not None:
            break
    names: dict[tuple[str, str | None], str] = {}
    vendors = {v for v, _ in wanted}
    vendor = None
    for line in (text or "").splitlines():
        if not line or line.startswith("#"):
            continue
        if line[0] != "\t":
            if line.startswith("C "):  # device classes follow: no more vendors
                break
            vendor = line[:4]
            if vendor in vendors:
                names[(vendor, None)] = line[4:].strip()
        elif vendor in vendors and not line.startswith("\t\t") and (vendor, line[1:5]) in wanted:
            names[(vendor, line[1:5])] = line[5:].strip()
    return names


def gpu_grains(root: str) -> dict[str, Any]:
    """num_gpus and gpus ([{vendor, model}]) from the PCI devices in sysfs."""
    found = []
    for device in fsroot.listdir(root, "/sys/bus/pci/devices"):
        base = f"/sys/bus/pci/devices/{device}"
        pci_class = (fsroot.read_text(root, f"{base}/class") or "")[:6]
        if pci_class in _GPU_CLASSES:
            vendor = (fsroot.read_text(root, f"{base}/vendor") or "").strip().removeprefix("0x")
            product = (fsroot.read_text(root, f"{base}/device") or "").strip().removeprefix("0x")
            found.append((vendor, product))
    names = _pci_names(root, set(found)) if found else {}
    gpus = []
    for vendor, product in found:
        vendor_name = names.get((vendor, None)) or _PCI_VENDOR_NAMES.get(vendor, f"Device {vendor}")
        words = re.split("[^A-Za-z0-9]", vendor_name.lower())
        gpus.append({
            "vendor": next((v for v in _GPU_VENDORS if v in words), "unknown"),
            "model": names.get((vendor, product)) or f"Device {product}",
        })
    return {"num_gpus": len(gpus), "gpus": gpus}
