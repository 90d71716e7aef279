"""Kernel, init system, locale, Python and Saline versions, and other small grains."""

from __future__ import annotations

import locale
import logging
import os
import shlex
import sys
from typing import Any

from saline.minion.grains import fsroot

log = logging.getLogger(__name__)

# strings whose presence in /sbin/init names the init system, in the order they are tried
_INIT_MARKERS = (b"upstart", b"sysvinit", b"systemd")
_INIT_SCAN_LIMIT = 4 * 1024 * 1024


def uname_grains(uname: tuple[str, str, str, str, str]) -> dict[str, str]:
    system, node, release, version, machine = uname
    return {"kernel": system, "nodename": node, "kernelrelease": release, "kernelversion": version,
            "cpuarch": machine}


def init_grains(root: str, path_env: str) -> dict[str, str]:
    """The init system: systemd when /run/systemd/system exists, else guessed from PID 1's command."""
    if fsroot.isdir(root, "/run/systemd/system"):
        return {"init": "systemd"}
    raw = fsroot.read_bytes(root, "/proc/1/cmdline")
    if raw is None:
        return {"init": "unknown"}
    argv = raw.decode(errors="ignore").replace("\0", " ").split()
    if not argv:
        return {"init": "unknown"}
    program = fsroot.which(root, argv[0], path_env)
    if program and program.endswith("bin/init"):
        return {"init": _scan_init_binary(root, program)}
    for name in ("supervisord", "dumb-init", "tini"):
        found = fsroot.which(root, name, path_env)
        if found and found in argv:
            return {"init": name}
    if argv == ["runit"] or "/sbin/my_init" in argv:
        return {"init": "runit"}
    return {"init": "unknown"}


def _scan_init_binary(root: str, program: str) -> str:
    data = (fsroot.read_bytes(root, program, _INIT_SCAN_LIMIT) or b"").lower()
    for marker in _INIT_MARKERS:
        if marker in data:
            return marker.decode()
    return "unknown"


def systemd_grains(root: str, path_env: str) -> dict[str, Any]:
    """``systemd: {version, features}`` from ``systemctl --version`` (live hosts with systemd tools)."""
    if root not in ("", "/"):
        return {}
    systemctl = fsroot.which(root, "systemctl", path_env)
    if not systemctl or not fsroot.which(root, "localectl", path_env):
        return {}
    import subprocess

    version, features = "UNDEFINED", ""
    try:
        out = subprocess.run([systemctl, "--version"], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        log.debug("systemctl --version failed: %s", exc)
    else:
        lines = out.stdout.splitlines()
        if out.returncode == 0 and lines and lines[0].startswith("systemd ") and len(lines) > 1:
            version, features = lines[0].split()[1], lines[1]
    return {"systemd": {"version": version, "features": features}}


def kernelparams_grains(root: str) -> dict[str, Any]:
    """The kernel command line as [name, value-or-null] pairs."""
    text = fsroot.read_text(root, "/proc/cmdline")
    if text is None:
        return {}
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    params = []
    for word in words:
        parts = word.split("=")
        params.append([parts[0], parts[1].strip('"') if len(parts) == 2 else None])
    return {"kernelparams": params}


def locale_grains() -> dict[str, Any]:
    import datetime

    try:
        language, encoding = locale.getlocale()
    except (ValueError, TypeError):
        language, encoding = "unknown", "unknown"
    try:
        timezone = datetime.datetime.now().astimezone().tzname() or "unknown"
    except (OSError, ValueError, OverflowError):
        timezone = "unknown"
    return {"locale_info": {
        "defaultlanguage": language,
        "defaultencoding": encoding,
        "detectedencoding": locale.getpreferredencoding(False).lower().replace("utf8", "utf-8"),
        "timezone": timezone,
    }}


def _version_info(version: str) -> list[int]:
    info = []
    for part in version.split("."):
        digits = "".join(ch for ch in part if ch.isdigit()) if part[:1].isdigit() else ""
        if not digits:
            break
        info.append(int(digits))
    return info


def software_grains() -> dict[str, Any]:
    """Python's and Saline's versions and paths (Saline's version is reported as saltversion)."""
    import saline
    from saline import __version__

    grains: dict[str, Any] = {
        "pythonversion": list(sys.version_info),
        "pythonexecutable": sys.executable,
        "pythonpath": list(sys.path),
        "saltversion": __version__,
        "saltversioninfo": _version_info(__version__),
        "saltpath": os.path.dirname(os.path.abspath(saline.__file__)),
    }
    version = zmq_version()
    if version:
        grains["zmqversion"] = version
    return grains


def zmq_version() -> str | None:
    """libzmq's version. Importing pyzmq costs ~15 ms, so unless it is already loaded, ask the
    libzmq that pyzmq bundles (or the system one) directly; import pyzmq only as a last resort."""
    loaded = sys.modules.get("zmq")
    if loaded is not None:
        return str(loaded.zmq_version())
    import importlib.util

    spec = importlib.util.find_spec("zmq")
    if spec is None or not spec.origin:
        return None
    import ctypes
    import glob

    site = os.path.dirname(os.path.dirname(spec.origin))
    for candidate in sorted(glob.glob(os.path.join(site, "pyzmq.libs", "libzmq*.so*"))) or ["libzmq.so.5"]:
        try:
            lib = ctypes.CDLL(candidate)
            parts = [ctypes.c_int(), ctypes.c_int(), ctypes.c_int()]
            lib.zmq_version(*(ctypes.byref(p) for p in parts))
            return ".".join(str(p.value) for p in parts)
        except (OSError, AttributeError):
            continue
    try:
        import zmq
    except ImportError:
        return None
    return str(zmq.zmq_version())


def misc_grains(root: str, osdata: dict[str, Any], path_env: str) -> dict[str, Any]:
    """ps (the process-listing command for this OS) and transactional."""
    if osdata.get("os") in ("FreeBSD", "NetBSD", "OpenBSD", "MacOS"):
        ps = "ps auxwww"
    elif osdata.get("os_family") == "Solaris":
        ps = "/usr/ucb/ps auxwww"
    elif osdata.get("os_family") == "NILinuxRT":
        ps = "ps -o user,pid,ppid,tty,time,comm"
    else:
        ps = "ps -efHww"
    return {"ps": ps, "transactional": bool(fsroot.which(root, "transactional-update", path_env))}
