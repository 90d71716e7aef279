"""Module ``service``, sysvinit backend (Debian style: ``service`` and ``update-rc.d``).

Used when PID 1 is not systemd. Services are the LSB scripts in ``/etc/init.d``; they are run
through ``service NAME ACTION`` (whose ``status`` exit code 0 means running); boot-time start is
the ``S??NAME`` links in ``/etc/rc?.d`` managed by ``update-rc.d``. Like Salt's ``debian_service``,
a service is *enabled* when it has a start link in ``/etc/rcS.d`` or in the directory of the current
runlevel (2, Debian's default, when ``runlevel`` cannot tell).

Differences from Salt, on purpose: ``enable`` creates the links with ``update-rc.d NAME defaults``
when the script has none yet (Salt calls ``insserv``, which Debian 12 no longer ships), ``disable``
does the same before turning them into stop links (so a later package upgrade does not re-enable the
service), link names with digits (``S01x11-common``) are parsed correctly, and start/stop/restart/
reload accept ``timeout`` (seconds the init script may run before it is killed and the call fails).
"""

from __future__ import annotations

import fnmatch
import os
from typing import Any

from saline.errors import SaltInvocationError
from saline.loader import Context, Module
from saline.modules import service_common as common
from saline.process import which


def _available(grains: Any) -> bool | str:
    missing = [tool for tool in ("service", "update-rc.d") if which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not found"
    if not os.path.isdir(common.INIT_D):
        return f"{common.INIT_D} does not exist"
    return True


mod = Module("service", backend="sysvinit", available=_available,
             doc="Start, stop and enable services: LSB init scripts run by service and update-rc.d.")


def _service(name: Any, action: str, timeout: Any = None) -> bool:
    res = common.run(["service", common.check_name(name), action], timeout=timeout)
    if res["retcode"] != 0:
        common.log.debug("service %s %s failed: %s", name, action, common.failure_text(res))
    return res["retcode"] == 0


def _valid(name: str) -> bool:
    try:
        common.check_name(name)
    except SaltInvocationError:
        return False
    return True


def _update_rc(name: str, *args: str) -> bool:
    res = common.run(["update-rc.d", name, *args])
    if res["retcode"] != 0:
        common.log.error("update-rc.d %s %s failed: %s", name, " ".join(args), common.failure_text(res))
    return res["retcode"] == 0


@mod.query
def get_enabled(ctx: Context) -> list[str]:
    """Return the services started at boot: a ``S??NAME`` link in ``/etc/rcS.d`` or in the current runlevel.

    CLI Example: ``saline-call --local service.get_enabled``
    """
    return sorted(common.started_in("S" + common.runlevel(ctx)))


@mod.query
def get_all(ctx: Context) -> list[str]:
    """Return every service: the scripts in /etc/init.d plus the names of enabled services.

    CLI Example: ``saline-call --local service.get_all``
    """
    return sorted(set(common.init_scripts()) | set(get_enabled(ctx)))


@mod.query
def get_disabled(ctx: Context) -> list[str]:
    """Return the services of ``service.get_all`` that are not enabled at boot.

    CLI Example: ``saline-call --local service.get_disabled``
    """
    return sorted(set(get_all(ctx)) - set(get_enabled(ctx)))


@mod.query
def available(ctx: Context, name: str) -> bool:
    """Return True when ``/etc/init.d/NAME`` exists and is executable.

    CLI Example: ``saline-call --local service.available ssh``
    """
    return common.script_usable(common.check_name(name))


@mod.query
def missing(ctx: Context, name: str) -> bool:
    """The inverse of ``service.available``: True when the service has no usable init script.

    CLI Example: ``saline-call --local service.missing ssh``
    """
    return not available(ctx, name)


@mod.query
def enabled(ctx: Context, name: str, **kwargs: Any) -> bool:
    """Return True when service ``name`` starts at boot (see ``service.get_enabled``).

    CLI Example: ``saline-call --local service.enabled ssh``
    """
    return common.check_name(name) in get_enabled(ctx)


@mod.query
def disabled(ctx: Context, name: str) -> bool:
    """Return True when ``name`` is a known service (``service.get_all``) that is not enabled at boot.

    CLI Example: ``saline-call --local service.disabled ssh``
    """
    return common.check_name(name) in get_disabled(ctx)


@mod.query
def status(ctx: Context, name: str, sig: str | None = None) -> bool | dict[str, bool]:
    """Return True when the service runs (``service NAME status`` exits 0).

    With ``sig``, look for a process whose command line matches that regex instead. A ``name``
    with glob characters (``saline*``) returns ``{service: bool}`` for every matching service.

    CLI Example: ``saline-call --local service.status ssh``
    """
    if sig:
        return common.sig_running(ctx, sig)
    name = str(name)
    if common.has_glob(name):
        matches = [svc for svc in fnmatch.filter(get_all(ctx), name) if _valid(svc)]
        return {svc: _service(svc, "status") for svc in matches}
    return _service(name, "status")


@mod.query
def get_running(ctx: Context) -> list[str]:
    """Return the services whose ``status`` says they run (runs every script's status action).

    CLI Example: ``saline-call --local service.get_running``
    """
    scripts = [svc for svc in common.init_scripts(executable_only=True) if _valid(svc)]
    return [svc for svc in scripts if _service(svc, "status")]


@mod.action
def start(ctx: Context, name: str, timeout: Any = None) -> bool:
    """Start the service (``service NAME start``); True when the script exits 0.

    CLI Example: ``saline-call --local service.start ssh``
    """
    return _service(name, "start", timeout)


@mod.action
def stop(ctx: Context, name: str, timeout: Any = None) -> bool:
    """Stop the service (``service NAME stop``); True when the script exits 0.

    CLI Example: ``saline-call --local service.stop ssh``
    """
    return _service(name, "stop", timeout)


@mod.action
def restart(ctx: Context, name: str, timeout: Any = None) -> bool:
    """Restart the service (``service NAME restart``); True when the script exits 0.

    CLI Example: ``saline-call --local service.restart ssh``
    """
    return _service(name, "restart", timeout)


@mod.action(name="reload")
def reload_(ctx: Context, name: str, timeout: Any = None) -> bool:
    """Ask the service to reload its configuration (``service NAME reload``); True on exit 0.

    CLI Example: ``saline-call --local service.reload ssh``
    """
    return _service(name, "reload", timeout)


@mod.action
def force_reload(ctx: Context, name: str, timeout: Any = None) -> bool:
    """Reload, or restart when the service cannot reload (``service NAME force-reload``).

    CLI Example: ``saline-call --local service.force_reload ssh``
    """
    return _service(name, "force-reload", timeout)


def _ensure_links(name: str) -> bool:
    """Create the script's default links (from its LSB header) when it has none at all."""
    if common.rc_links(name):
        return True
    return _update_rc(name, "defaults")


@mod.action
def enable(ctx: Context, name: str, **kwargs: Any) -> bool:
    """Start the service at boot: ``update-rc.d NAME defaults`` (when it has no links) then ``enable``.

    CLI Example: ``saline-call --local service.enable ssh``
    """
    name = common.check_name(name)
    return _ensure_links(name) and _update_rc(name, "enable")


@mod.action
def disable(ctx: Context, name: str, **kwargs: Any) -> bool:
    """Do not start the service at boot: its start links become stop links (``update-rc.d NAME disable``).

    CLI Example: ``saline-call --local service.disable ssh``
    """
    name = common.check_name(name)
    return _ensure_links(name) and _update_rc(name, "disable")
