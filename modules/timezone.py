"""Module ``timezone`` (read-only): the configured time zone, its offset and code, the hardware clock."""

from __future__ import annotations

import os
import time

from saline.errors import CommandExecutionError
from saline.loader import Context, Module

mod = Module("timezone", doc="Read the system time zone and hardware clock setting.")

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
