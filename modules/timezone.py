"""Module ``timezone``: the system time zone and hardware clock mode, read and set.

Setting goes through ``timedatectl`` when systemd runs; otherwise the files are edited directly:
the ``/etc/localtime`` link, ``/etc/timezone`` (Debian family) and ``/etc/adjtime`` for the clock mode.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import time

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module

mod = Module("timezone", doc="Read and set the system time zone and hardware clock mode.")

LOCALTIME = "/etc/localtime"
ADJTIME = "/etc/adjtime"

ZONEINFO_DIRS = ("/usr/share/zoneinfo/", "/usr/lib/zoneinfo/", "/usr/share/lib/zoneinfo/")


@mod.query
def get_zone(ctx: Context) -> str:
    """Return the system time zone name (``Europe/Paris``), from /etc/timezone or the /etc/localtime link.

    CLI Example: ``saline-call --local timezone.get_zone``
    """
    try:
        with open("/etc/timezone", encoding="utf-8") as fh:
            name = fh.read().split("#", 1)[0].strip()
        if name:
            return name
    except OSError:
        pass
    if os.path.islink("/etc/localtime"):
        target = os.path.realpath("/etc/localtime")
        for base in ZONEINFO_DIRS:
            if target.startswith(base):
                return target[len(base):].removeprefix("posix/").removeprefix("right/")
    if not os.path.exists("/etc/localtime"):
        return "UTC"  # glibc's default without /etc/localtime
    raise CommandExecutionError("Cannot tell the time zone: /etc/localtime is not a link into zoneinfo "
                                "and /etc/timezone is missing")


@mod.query
def get_offset(ctx: Context) -> str:
    """Return the current UTC offset of local time, ``+HHMM``.

    CLI Example: ``saline-call --local timezone.get_offset``
    """
    return time.strftime("%z")


@mod.query
def get_zonecode(ctx: Context) -> str:
    """Return the current time zone abbreviation (``CET``, ``UTC``).

    CLI Example: ``saline-call --local timezone.get_zonecode``
    """
    return time.strftime("%Z")


@mod.query
def get_hwclock(ctx: Context) -> str:
    """Return whether the hardware clock keeps ``UTC`` or ``localtime`` (from /etc/adjtime; UTC without it).

    CLI Example: ``saline-call --local timezone.get_hwclock``
    """
    try:
        with open("/etc/adjtime", encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        return "UTC"
    except OSError as exc:
        raise CommandExecutionError(f"Cannot read /etc/adjtime: {exc.strerror}") from None
    return "localtime" if len(lines) >= 3 and lines[2].strip() == "LOCAL" else "UTC"


def _zone_file(timezone: str) -> str:
    name = str(timezone).strip()
    if not name or name.startswith("/") or ".." in name.split("/"):
        raise SaltInvocationError(f"Invalid time zone name '{timezone}'")
    return os.path.join(ZONEINFO_DIRS[0], name)


def _systemd() -> bool:
    return os.path.isdir("/run/systemd/system") and shutil.which("timedatectl") is not None


def _timedatectl(*args: str) -> None:
    done = subprocess.run(["timedatectl", *args], capture_output=True, text=True, check=False,
                          stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise CommandExecutionError(f"timedatectl failed: {done.stderr.strip()}")


@mod.query
def zone_compare(ctx: Context, timezone: str) -> bool:
    """Return True when /etc/localtime has the same contents as zone ``timezone``'s file.

    CLI Example: ``saline-call --local timezone.zone_compare Europe/Paris``
    """
    zonepath = _zone_file(timezone)
    if not os.path.isfile(zonepath):
        raise SaltInvocationError(f"Can't find a local timezone \"{timezone}\"")
    try:
        return filecmp.cmp(LOCALTIME, zonepath, shallow=False)
    except OSError as exc:
        raise CommandExecutionError(f"Failed to read {LOCALTIME} to determine current timezone: "
                                    f"{exc.strerror}") from None


@mod.action
def set_zone(ctx: Context, timezone: str) -> bool | str:
    """Set the system time zone to ``timezone`` (``America/Denver``): the /etc/localtime link and, on the
    Debian family, /etc/timezone. Returns True, or ``Zone does not exist: <path>``.

    CLI Example: ``saline-call --local timezone.set_zone America/Denver``
    """
    zonepath = _zone_file(timezone)
    if not os.path.exists(zonepath):
        return f"Zone does not exist: {zonepath}"
    if _systemd():
        _timedatectl("set-timezone", str(timezone))
        return True
    from saline.atomic import atomic_write

    try:
        temp = f"{LOCALTIME}.saline-{os.getpid()}"
        os.symlink(zonepath, temp)
        os.replace(temp, LOCALTIME)
        if ctx.grains.get("os_family") in ("Debian", "Gentoo") or os.path.exists("/etc/timezone"):
            atomic_write("/etc/timezone", f"{str(timezone).strip()}\n")
    except OSError as exc:
        raise CommandExecutionError(f"Cannot set the time zone: {exc}") from None
    return True


@mod.action
def set_hwclock(ctx: Context, clock: str) -> bool:
    """Set whether the hardware clock keeps ``UTC`` or ``localtime`` (timedatectl, else /etc/adjtime).

    CLI Example: ``saline-call --local timezone.set_hwclock UTC``
    """
    if str(clock) not in ("UTC", "localtime"):
        raise SaltInvocationError("Only 'UTC' and 'localtime' are allowed")
    if _systemd():
        _timedatectl("set-local-rtc", "true" if clock == "localtime" else "false")
        return True
    from saline.atomic import atomic_write

    try:
        with open(ADJTIME, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        lines = []
    except OSError as exc:
        raise CommandExecutionError(f"Cannot read {ADJTIME}: {exc.strerror}") from None
    head = [*lines[:2], *["0.0 0 0.0", "0"][len(lines[:2]):]]
    lines = [*head, "LOCAL" if clock == "localtime" else "UTC"]
    try:
        atomic_write(ADJTIME, "".join(f"{line}\n" for line in lines))
    except OSError as exc:
        raise CommandExecutionError(f"Cannot write {ADJTIME}: {exc.strerror}") from None
    return True
