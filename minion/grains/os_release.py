"""Distribution grains: os, os_family, osrelease, oscodename, osfinger, lsb_distrib_* ...

Values follow what Salt 3007 reports on Linux with its packaged Python (no ``lsb_release`` Python
bindings): ``/etc/lsb-release`` first, then ``/etc/os-release`` (or ``/usr/lib/os-release``), then
the distribution's own release file (``/etc/redhat-release``, ``/etc/alpine-release`` ...).
"""

from __future__ import annotations

import re
from typing import Any

from saline.minion.grains import fsroot

# os-release NAME -> the traditional short `os` name, keyed by the first ten characters of the
# name with "Linux"/"GNU/Linux" removed, spaces removed and lower-cased.
_SHORT_NAMES = {
    "almalinux": "AlmaLinux", "alibabaclo": "Alinux", "alt": "ALT", "amazonami": "Amazon",
    "antergos": "Antergos", "arch": "Arch", "archarm": "Arch ARM", "chapeau": "Chapeau",
    "cloudlinux": "CloudLinux", "cloudserve": "CloudLinux", "debian": "Debian", "enterprise": "OEL",
    "fedoraremi": "Fedora", "gentoobase": "Gentoo", "Junos": "Junos", "korora": "Korora",
    "linuxmint": "Mint", "manjaro": "Manjaro", "manjarolin": "Manjaro", "mendel": "Mendel",
    "neon": "KDE neon", "nilrt": "NILinuxRT", "oracleserv": "OEL", "pidora": "Fedora", "poky": "Poky",
    "pop": "Pop", "raspbian": "Raspbian", "redhatente": "RedHat", "rocky": "Rocky",
    "scientific": "ScientificLinux", "sles": "SUSE", "slesexpand": "RES", "synology": "Synology",
    "univention": "Univention", "void": "Void",
}

# (os-release ID, NAME) pairs whose historic `os` name is not derived from NAME
_ID_NAME_OS = {
    ("astra", "Astra Linux (Orel)"): "AstraLinuxCE",
    ("astra", "Astra Linux (Smolensk)"): "AstraLinuxSE",
    ("pop", "Pop!_OS"): "Pop",
}

# os_family -> the `os` names belonging to it (an os not listed is its own family)
_FAMILIES = {
    "RedHat": (
        "ALT", "AlmaLinux", "Alinux", "Amazon", "CentOS", "CentOS Stream", "Chapeau", "CloudLinux",
        "FedBerry", "Fedora", "GoOSe", "Korora", "OEL", "OVS", "RES", "Rocky", "Sangoma", "Scientific",
        "ScientificLinux", "VMware Photon OS", "XCP", "XCP-ng", "XenServer",
    ),
    "Debian": (
        "AstraLinuxCE", "AstraLinuxSE", "Cumulus", "Deepin", "GCEL", "IDMS", "KDE neon", "Kali", "Linaro",
        "Mendel", "Mint", "OSMC", "Parrot OS", "Pop", "Raspbian", "Trisquel", "TurnKey", "Ubuntu",
        "Univention", "antiX", "Devuan", "elementary", "elementary OS", "neon",
    ),
    "Suse": (
        "SLED", "SLES", "SLES_SAP", "SUSE", "SUSE Enterprise Server", "SUSE  Enterprise Server", "openSUSE",
        "openSUSE Leap", "openSUSE Tumbleweed",
    ),
    "Arch": ("Antergos", "Arch ARM", "EndeavourOS", "Manjaro", "Manjaro ARM"),
    "Gentoo": ("Funtoo",),
    "Mandriva": ("Mandrake",),
    "Slackware": ("Slamd64",),
    "Bluewhite": ("Bluewhite64",),
    "VMware": ("VMwareESX",),
    "NILinuxRT": ("NILinuxRT",),
    "Void": ("Void",),
}
_FAMILY_OF = {name: family for family, names in _FAMILIES.items() for name in names}

# `os` values whose osfinger uses the os name rather than osfullname
_FINGER_BY_OS = ("Debian", "FreeBSD", "OpenBSD", "NetBSD", "Mac", "Raspbian")

_LINUX_WORD = re.compile(r"\W(?:gnu/)?linux", re.IGNORECASE)
_LSB_LINE = re.compile(r"^(DISTRIB_(?:ID|RELEASE|CODENAME|DESCRIPTION))=['\"]?([\w\s.\-]+)['\"]?")
_OS_RELEASE_LINE = re.compile(r"^([A-Za-z0-9_]+)=([\"']?)(.*)\2$")
_OS_RELEASE_ESCAPE = re.compile(r"\\([\\$\"'`])")
_RELEASE_FILE = re.compile(r"(\w+)[-_](release|version)$")
_RELEASE_LINE = re.compile(
    r"^(?P<name>.+?)\s*(?:release\s*)?(?P<version>\d[\d.+\-a-z]*)?\s*(?:LTS\s*)?(?:\((?P<codename>[^)]*)\))?$"
)
_VERSION_CODENAME = re.compile(r"\d[\d.+\-a-z]* \((?P<codename>.+)\)")
# release files the distribution-release lookup skips (they have their own meaning)
_RELEASE_FILE_SKIP = frozenset({
    "debian_version", "lsb-release", "oem-release", "os-release", "system-release", "plesk-release",
    "iredmail-release", "board-release", "ec2_version",
})
# dpkg architecture names for uname machines (Debian's osarch; rpm and others use the machine)
_DPKG_ARCH = {
    "x86_64": "amd64", "aarch64": "arm64", "armv7l": "armhf", "armv6l": "armel", "i386": "i386",
    "i486": "i386", "i586": "i386", "i686": "i386", "ppc64le": "ppc64el", "ppc64": "ppc64",
    "s390x": "s390x", "riscv64": "riscv64", "mips64": "mips64el", "loongarch64": "loong64",
}


def parse_os_release(text: str) -> dict[str, str]:
    """Parse os-release(5) text: ``KEY=value`` lines, optionally quoted, shell escapes undone."""
    info = {"NAME": "Linux", "ID": "linux", "PRETTY_NAME": "Linux"}
    for line in text.splitlines():
        match = _OS_RELEASE_LINE.match(line.strip())
        if match:
            info[match.group(1)] = _OS_RELEASE_ESCAPE.sub(r"\1", match.group(3))
    return info


def parse_lsb_release(text: str) -> dict[str, str]:
    """``/etc/lsb-release`` as ``lsb_distrib_*`` grains (values stop at characters Salt ignores)."""
    grains = {}
    for line in text.splitlines():
        match = _LSB_LINE.match(line)
        if match:
            grains[f"lsb_{match.group(1).lower()}"] = match.group(2).rstrip()
    return grains


def parse_release_line(line: str) -> dict[str, str]:
    """``"Rocky Linux release 9.3 (Blue Onyx)"`` -> name, version_id and codename."""
    line = line.strip()
    if not line:
        return {}
    match = _RELEASE_LINE.match(line)
    if not match or not match.group("version"):
        return {"name": line}
    found = {"name": match.group("name"), "version_id": match.group("version")}
    if match.group("codename"):
        found["codename"] = match.group("codename")
    return found


def derive_os(fullname: str, os_id: str | None = None) -> str:
    """The `os` grain for a distribution's full name (and os-release ID)."""
    if (os_id, fullname) in _ID_NAME_OS:
        return _ID_NAME_OS[(os_id, fullname)]
    name = _LINUX_WORD.sub("", fullname).strip()
    return _SHORT_NAMES.get(name.replace(" ", "").lower()[:10], name)


def os_family(os_name: str) -> str:
    return _FAMILY_OF.get(os_name, os_name)


def _cpe_vendor_version(cpe: str) -> tuple[str, str | None] | None:
    """Vendor and version of an os-release CPE_NAME (URI ``cpe:/o:...`` or 2.3 string form)."""
    parts = cpe.split(":")
    if len(parts) <= 4 or parts[0] != "cpe":
        return None
    if parts[1].startswith("/"):
        return parts[2], parts[4]
    if parts[1] == "2.3" and (len(parts) == 6 or 7 < len(parts) <= 13):
        vendor, version = parts[3], parts[5]
        return ("" if vendor == "*" else vendor), (None if version == "*" else version)
    return None


class _Distro:
    """Name, version and codename from every source, like the ``distro`` library Salt consults."""

    def __init__(self, root: str, os_release: dict[str, str], lsb: dict[str, str]) -> None:
        self.os_release = os_release
        self.lsb = lsb
        self.release_file = self._release_file(root)
        self.debian_version = (fsroot.read_text(root, "/etc/debian_version") or "").strip()

    @staticmethod
    def _release_file(root: str) -> dict[str, str]:
        for name in fsroot.listdir(root, "/etc"):
            if name in _RELEASE_FILE_SKIP or not _RELEASE_FILE.match(name):
                continue
            text = fsroot.read_text(root, f"/etc/{name}", limit=4096)
            if text is None:
                continue
            found = parse_release_line(text.splitlines()[0] if text.strip() else "")
            if "name" in found:
                return found
        return {}

    def name(self) -> str:
        return (
            self.os_release.get("NAME", "") if self.os_release else ""
        ) or self.lsb.get("lsb_distrib_id", "") or self.release_file.get("name", "")

    def version(self) -> str:
        """The most precise version any source gives (the one with the most dots)."""
        candidates = [
            self.os_release.get("VERSION_ID", ""),
            self.release_file.get("version_id", ""),
            parse_release_line(self.os_release.get("PRETTY_NAME", "")).get("version_id", ""),
        ]
        os_id = self.os_release.get("ID", "")
        if os_id == "debian" or "debian" in self.os_release.get("ID_LIKE", "").split():
            candidates.append(self.debian_version)
        best = ""
        for candidate in candidates:
            if best == "" or candidate.count(".") > best.count("."):
                best = candidate
        return best

    def codename(self) -> str:
        if self.os_release:
            for key in ("VERSION_CODENAME", "UBUNTU_CODENAME"):
                if key in self.os_release:
                    return self.os_release[key]
            match = re.search(r"(\(\D+\))|,\s*(\D+)", self.os_release.get("VERSION", ""))
            if match:
                return (match.group(1) or match.group(2)).strip("()").strip(",").strip()
        return self.lsb.get("lsb_distrib_codename", "") or self.release_file.get("codename", "")


def _read_os_release(root: str) -> dict[str, str]:
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        text = fsroot.read_text(root, path)
        if text is not None:
            return parse_os_release(text)
    return {}


def distribution_grains(root: str) -> dict[str, Any]:
    """os, os_family, osfullname, osrelease, oscodename and lsb_distrib_* for a Linux root."""
    lsb_text = fsroot.read_text(root, "/etc/lsb-release")
    grains: dict[str, Any] = parse_lsb_release(lsb_text) if lsb_text is not None else {}
    os_release = _read_os_release(root)
    if os_release:
        grains["os"] = derive_os(os_release["NAME"], os_release["ID"])
        grains["osfullname"] = os_release["NAME"].strip()
        if "lsb_distrib_id" not in grains:
            _lsb_from_os_release(grains, os_release)
    elif "lsb_distrib_id" not in grains:
        _lsb_from_release_files(root, grains)
    distro = _Distro(root, os_release, grains)
    if "osfullname" not in grains:
        lsb_id = grains.get("lsb_distrib_id", "")
        nilrt = lsb_id.lower().startswith("nilrt")
        grains["osfullname"] = "nilrt" if nilrt else (lsb_id or distro.name()).strip()
    if any(tag in grains.get("lsb_distrib_codename", "") for tag in ("CentOS Linux 7", "CentOS Linux 8")):
        # their os-release lacks the minor version: take it from /etc/centos-release
        grains.pop("lsb_distrib_release", None)
    grains["osrelease"] = grains.get("lsb_distrib_release", distro.version()).strip()
    codename = grains.get("lsb_distrib_codename", "")
    if codename and any(tag in grains.get("os", "") for tag in ("Rocky", "AlmaLinux", "AstraLinuxSE")):
        # "Rocky Linux 9.3 (Blue Onyx)" -> "Blue Onyx"
        _, paren, rest = codename.partition("(")
        if paren:
            inner = rest.split(")", 1)[0]
            codename = inner.split()[0].lower() if grains["os"] == "AstraLinuxSE" else inner
            grains["lsb_distrib_codename"] = codename
    grains["oscodename"] = codename.strip() or distro.codename()
    if "Red Hat" in grains["oscodename"]:
        grains["oscodename"] = distro.codename()
    if "os" not in grains:
        grains["os"] = derive_os(grains["osfullname"])
    grains["os_family"] = os_family(grains["os"])
    return grains


def _lsb_from_os_release(grains: dict[str, Any], os_release: dict[str, str]) -> None:
    grains["lsb_distrib_id"] = os_release["NAME"].strip()
    if "VERSION_ID" in os_release:
        grains["lsb_distrib_release"] = os_release["VERSION_ID"]
    if "VERSION_CODENAME" in os_release:
        grains["lsb_distrib_codename"] = os_release["VERSION_CODENAME"]
    elif "PRETTY_NAME" in os_release:
        grains["lsb_distrib_codename"] = os_release["PRETTY_NAME"]
    cpe = _cpe_vendor_version(os_release.get("CPE_NAME", ""))
    if cpe and cpe[0].lower() in ("suse", "opensuse"):
        grains["os"] = "SUSE"
        if os_release.get("NAME") == "openSUSE Leap":
            grains["osfullname"] = "Leap"
        elif os_release.get("VERSION") == "Tumbleweed":
            grains["osfullname"] = "Tumbleweed"
        if cpe[1] and cpe[0] == "opensuse":  # SLES keeps VERSION_ID ("15.5", not "15")
            grains["lsb_distrib_release"] = cpe[1]
    if os_release.get("ID", "").strip() == "mendel":
        words = os_release.get("PRETTY_NAME", "").split()
        if len(words) >= 3:
            grains["lsb_distrib_release"] = words[2]


def _lsb_from_release_files(root: str, grains: dict[str, Any]) -> None:
    """Old systems without os-release: CentOS 6/7, ALT Linux and old SUSE release files."""
    centos = fsroot.read_text(root, "/etc/centos-release")
    if centos is not None:
        grains["lsb_distrib_id"] = "CentOS"
        for line in centos.splitlines():
            release = re.search(r"\d+\.\d+", line)
            codename = re.search(r"\((.*?)\)", line)
            if release:
                grains["lsb_distrib_release"] = release.group()
            if codename:
                grains["lsb_distrib_codename"] = codename.group(1)
        return
    alt = fsroot.read_text(root, "/etc/altlinux-release")
    if alt is not None:
        grains["lsb_distrib_id"] = "altlinux"
        for line in alt.splitlines():
            words = line.split()
            if len(words) >= 4 and words[0] == "ALT":
                grains["lsb_distrib_release"] = words[2]
                grains["lsb_distrib_codename"] = words[3].strip("()")


def osrelease_grains(os_name: str, osfullname: str, osrelease: str) -> dict[str, Any]:
    """osrelease_info, osmajorrelease and osfinger, derived from osrelease as Salt does."""
    info: list[Any] = [int(part) if part.isdigit() else part for part in osrelease.split(".")]
    grains: dict[str, Any] = {"osrelease_info": info}
    try:
        grains["osmajorrelease"] = int(info[0])
    except (IndexError, TypeError, ValueError):
        pass
    name = os_name if os_name in _FINGER_BY_OS else osfullname
    version = osrelease if os_name in ("Ubuntu", "Pop") else info[0]
    grains["osfinger"] = f"{name}-{version}"
    return grains


def osarch(os_family_name: str, cpuarch: str) -> str:
    """The package architecture: dpkg's name on Debian-family systems, else the machine type."""
    if os_family_name == "Debian":
        if cpuarch.startswith("armv7"):
            return "armhf"
        return _DPKG_ARCH.get(cpuarch, cpuarch)
    return cpuarch


def os_grains(root: str, kernel: str, cpuarch: str) -> dict[str, Any]:
    """All distribution grains for ``root``; non-Linux kernels get Salt's generic values."""
    if kernel != "Linux":
        grains: dict[str, Any] = {"os": kernel, "os_family": "Unknown"}
    else:
        grains = distribution_grains(root)
    grains["osarch"] = osarch(grains.get("os_family", ""), cpuarch)
    if grains.get("osrelease"):
        grains.update(osrelease_grains(grains["os"], grains["osfullname"], grains["osrelease"]))
    return grains
