"""Module ``status``: system status - time, uptime, load, CPU, memory, disks, processes."""

from __future__ import annotations

import datetime
import os
import re
import time
from typing import Any

from saline.errors import CommandExecutionError
from saline.loader import Context, Module

mod = Module("status", doc="Report system status (uses psutil and /proc).")


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError as exc:
        raise CommandExecutionError(f"cannot read {path}: {exc.strerror}") from None


@mod.query(name="time")
def time_(ctx: Context, format: str = "%A, %d. %B %Y %I:%M%p") -> str:  # Salt's argument name
    """Return the current local time formatted with ``format`` (strftime).

    CLI Example: ``saline-call --local status.time '%H:%M'``
    """
    return datetime.datetime.now().strftime(str(format))


@mod.query
def uptime(ctx: Context) -> dict[str, Any]:
    """Return ``{seconds, since_iso, since_t, days, time, users}`` about the time since boot.

    CLI Example: ``saline-call --local status.uptime``
    """
    import psutil

    boot = psutil.boot_time()
    seconds = int(time.time() - boot)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return {
        "seconds": seconds,
        "since_iso": datetime.datetime.fromtimestamp(boot).isoformat(),
        "since_t": int(boot),
        "days": days,
        "time": f"{hours}:{rest // 60:02d}",
        "users": len(psutil.users()),
    }


@mod.query
def loadavg(ctx: Context) -> dict[str, float]:
    """Return the load averages ``{1-min, 5-min, 15-min}``.

    CLI Example: ``saline-call --local status.loadavg``
    """
    one, five, fifteen = os.getloadavg()
    return {"1-min": one, "5-min": five, "15-min": fifteen}


@mod.query
def cpuinfo(ctx: Context) -> dict[str, Any]:
    """Return the fields of /proc/cpuinfo (the last processor's values; ``flags`` as a list).

    CLI Example: ``saline-call --local status.cpuinfo``
    """
    info: dict[str, Any] = {}
    for line in _read("/proc/cpuinfo").splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        info[key] = value.split() if key in ("flags", "bugs") else value
    return info


@mod.query
def meminfo(ctx: Context) -> dict[str, dict[str, str]]:
    """Return /proc/meminfo as ``{field: {value, unit}}``.

    CLI Example: ``saline-call --local status.meminfo``
    """
    info: dict[str, dict[str, str]] = {}
    for line in _read("/proc/meminfo").splitlines():
        key, sep, rest = line.partition(":")
        if not sep:
            continue
        parts = rest.split()
        entry = {"value": parts[0] if parts else ""}
        if len(parts) > 1:
            entry["unit"] = parts[1]
        info[key.strip()] = entry
    return info


@mod.query
def diskusage(ctx: Context, *args: str) -> dict[str, dict[str, int]]:
    """Return ``{mount: {available, total}}`` in bytes for all mounts, the given mount points, or
    file-system types given as ``^regex``.

    CLI Example: ``saline-call --local status.diskusage / /boot`` or ``status.diskusage '^ext[34]'``
    """
    import psutil

    partitions = psutil.disk_partitions(all=True)
    selected: list[str] = []
    if not args:
        selected = [p.mountpoint for p in partitions]
    for arg in map(str, args):
        if arg.startswith("^"):
            try:
                pattern = re.compile(arg)
            except re.error as exc:
                raise CommandExecutionError(f"invalid file-system type pattern {arg!r}: {exc}") from None
            selected.extend(p.mountpoint for p in partitions if pattern.match(p.fstype))
        else:
            selected.append(arg)
    result: dict[str, dict[str, int]] = {}
    for mount in selected:
        try:
            stats = os.statvfs(mount)
        except OSError:
            continue
        result[mount] = {
            "available": stats.f_bavail * stats.f_frsize, "total": stats.f_blocks * stats.f_frsize,
        }
    return result


@mod.query
def procs(ctx: Context) -> dict[str, dict[str, str]]:
    """Return ``{pid: {user, cmd}}`` for every process.

    CLI Example: ``saline-call --local status.procs``
    """
    import psutil

    found: dict[str, dict[str, str]] = {}
    for proc in psutil.process_iter(["pid", "username", "cmdline", "name"]):
        info = proc.info
        cmd = " ".join(info.get("cmdline") or []) or f"[{info.get('name') or ''}]"
        found[str(info["pid"])] = {"user": info.get("username") or "", "cmd": cmd}
    return found


@mod.query
def pid(ctx: Context, sig: str) -> str:
    """Return the PIDs (newline-separated) of processes whose command line matches regex ``sig``.

    CLI Example: ``saline-call --local status.pid nginx``
    """
    import psutil

    try:
        pattern = re.compile(str(sig))
    except re.error as exc:
        raise CommandExecutionError(f"invalid pattern {sig!r}: {exc}") from None
    own = os.getpid()
    pids = []
    for proc in psutil.process_iter(["pid", "cmdline", "name"]):
        if proc.info["pid"] == own:
            continue
        cmd = " ".join(proc.info.get("cmdline") or []) or (proc.info.get("name") or "")
        if pattern.search(cmd):
            pids.append(str(proc.info["pid"]))
    return "\n".join(pids)
