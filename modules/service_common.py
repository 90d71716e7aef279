"""Helpers shared by the ``service`` backends (sysvinit and systemd): names, commands, rc links.

Not an execution module itself (it declares no ``mod``); :mod:`saline.modules.service_sysv` and
:mod:`saline.modules.service_systemd` import it.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from saline.errors import SaltInvocationError
from saline.loader import Context
from saline.process import run_command, which

log = logging.getLogger("saline.modules.service")

INIT_D = "/etc/init.d"
RC_DIR = "/etc/rc{}.d"
# Salt treats a name with *, ? or [...] as a glob in service.status
_GLOB = re.compile(r"\*|\?|\[.+\]")
_LINK = re.compile(r"([SK])(\d+)(.+)")


def check_name(name: Any) -> str:
    """``name`` as a string, refusing values that would escape /etc/init.d or look like options."""
    if name is None or isinstance(name, (bool, list, dict)):
        raise SaltInvocationError(f"Invalid service name: {name!r}")
    text = str(name)
    if not text or text in (".", "..") or "/" in text or "\0" in text or text.startswith("-") \
            or any(c.isspace() for c in text):
        raise SaltInvocationError(f"Invalid service name: {text!r}")
    return text


def has_glob(name: str) -> bool:
    return bool(_GLOB.search(name))


def run(argv: list[str], *, timeout: Any = None, stdout_level: str = "debug") -> dict[str, Any]:
    """Run a service-manager command (no shell); returns run_command's ``{pid, retcode, stdout, stderr}``."""
    return run_command(argv, python_shell=False, ignore_retcode=True, output_loglevel=stdout_level,
                       timeout=command_timeout(timeout), cwd="/", logger=log)


def command_timeout(timeout: Any) -> float | None:
    """A positive number of seconds, or None for "no limit"."""
    if timeout in (None, "", False):
        return None
    try:
        value = float(timeout)
    except (TypeError, ValueError):
        raise SaltInvocationError(f"timeout must be a number of seconds, not {timeout!r}") from None
    if value <= 0:
        raise SaltInvocationError(f"timeout must be positive, not {timeout!r}")
    return value


def runlevel(ctx: Context) -> str:
    """The current runlevel from ``runlevel``; ``2`` (Debian's default) when it is unknown.

    Containers and machines without a SysV init report ``unknown``: like Salt, assume 2.
    """
    cached = ctx.scratch.get("service.runlevel")
    if cached:
        return str(cached)
    level = "2"
    if which("runlevel"):
        try:
            out = run(["runlevel"], stdout_level="trace")["stdout"].split()
        except Exception:  # a broken runlevel binary must not break service queries
            out = []
        if len(out) >= 2 and re.fullmatch(r"[0-6Ss]", out[1]):
            level = out[1]
    ctx.scratch["service.runlevel"] = level
    return level


def rc_links(name: str, levels: str = "0123456S") -> dict[str, list[str]]:
    """``{level: [link names]}`` of the ``S??name``/``K??name`` links of service ``name``."""
    found: dict[str, list[str]] = {}
    for level in levels:
        try:
            entries = os.listdir(RC_DIR.format(level))
        except OSError:
            continue
        hits = sorted(e for e in entries if (m := _LINK.fullmatch(e)) and m.group(3) == name)
        if hits:
            found[level] = hits
    return found


def started_in(levels: str) -> set[str]:
    """Names of the services with a start (``S??``) link in any of the runlevels ``levels``."""
    names: set[str] = set()
    for level in levels:
        try:
            entries = os.listdir(RC_DIR.format(level))
        except OSError:
            continue
        for entry in entries:
            match = _LINK.fullmatch(entry)
            if match and match.group(1) == "S":
                names.add(match.group(3))
    return names


def init_scripts(executable_only: bool = False) -> list[str]:
    """Entries of /etc/init.d (without README), optionally only the executable files."""
    try:
        entries = os.listdir(INIT_D)
    except OSError:
        return []
    names = []
    for entry in entries:
        if entry == "README" or entry.startswith("."):
            continue
        if executable_only and not script_usable(entry):
            continue
        names.append(entry)
    return sorted(names)


def script_usable(name: str) -> bool:
    path = os.path.join(INIT_D, name)
    return os.path.isfile(path) and os.access(path, os.X_OK)


def sig_running(ctx: Context, sig: Any) -> bool:
    """True when a process whose command line matches regex ``sig`` runs (Salt's ``sig`` argument)."""
    return bool(ctx.salt["status.pid"](str(sig)))


def failure_text(res: dict[str, Any]) -> str:
    """The useful part of a failed command's output."""
    return (res.get("stderr") or res.get("stdout") or f"exit code {res.get('retcode')}").strip()
