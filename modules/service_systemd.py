"""Module ``service``, systemd backend (``systemctl``).

Available only when the machine was booted with systemd: PID 1 is ``systemd`` or
``/run/systemd/system`` exists. (Having ``systemctl`` installed is not enough: without systemd as
PID 1 it cannot operate, and the sysvinit backend is used instead.)

Unit names without a type suffix mean ``NAME.service``. Like Salt, commands that change a unit first
run ``systemctl daemon-reload`` when systemd reports the unit file changed on disk (or a new unit file
exists in /etc/systemd/system that systemd does not know yet), and run inside ``systemd-run --scope``
(systemd >= 205, unless the config option ``systemd.scope`` is False) so that restarting the minion's
own service cannot kill the command half way. Read-only functions never reload the daemon: they may
run while planning (test=True).
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
from typing import Any

from saline.errors import CommandExecutionError
from saline.loader import Context, Module
from saline.modules import service_common as common
from saline.process import run_command, which

SYSTEM_UNIT_PATHS = ("/lib/systemd/system", "/usr/lib/systemd/system")
LOCAL_UNIT_PATH = "/etc/systemd/system"
UNIT_TYPES = ("service", "socket", "device", "mount", "automount", "swap", "target", "path", "timer")
MINION_UNIT = "saline-minion.service"


def booted(run_dir: str = "/run/systemd/system", pid1_comm: str = "/proc/1/comm") -> bool | str:
    """True when PID 1 is systemd, else the reason it is not."""
    if os.path.isdir(run_dir):
        return True
    try:
        with open(pid1_comm, encoding="utf-8", errors="replace") as fh:
            comm = fh.read().strip()
    except OSError:
        comm = ""
    if comm == "systemd":
        return True
    shown = f"'{comm}'" if comm else "unknown"
    return f"PID 1 is not systemd (it is {shown}) and {run_dir} does not exist"


def _available(grains: Any) -> bool | str:
    verdict = booted()
    if verdict is not True:
        return verdict
    if which("systemctl") is None:
        return "systemctl not found"
    return True


mod = Module("service", backend="systemd", available=_available,
             doc="Start, stop, enable and inspect systemd units with systemctl.")


# ---- command construction ------------------------------------------------------------------------

def unit_name(name: Any) -> str:
    """``name`` with ``.service`` appended unless it already names a unit type."""
    text = common.check_name(name)
    if any(text.endswith(f".{kind}") for kind in UNIT_TYPES):
        return text
    return f"{text}.service"


def _short(fullname: str) -> str | None:
    """``x.service`` -> ``x``; other unit types keep their suffix; None when not a unit name."""
    base, _, kind = fullname.rpartition(".")
    if not base or kind not in UNIT_TYPES:
        return None
    return base if kind == "service" else fullname


def _version(ctx: Context) -> int | None:
    if "service.systemd_version" not in ctx.scratch:
        res = run_command(["systemctl", "--version"], python_shell=False, ignore_retcode=True,
                          output_loglevel="quiet")
        match = re.match(r"systemd\s+(\d+)", res["stdout"]) if res["retcode"] == 0 else None
        ctx.scratch["service.systemd_version"] = int(match.group(1)) if match else None
    return ctx.scratch["service.systemd_version"]


def _use_scope(ctx: Context) -> bool:
    version = _version(ctx)
    if version is None or version < 205 or which("systemd-run") is None:
        return False
    setting = ctx.opts.get("systemd.scope")
    if setting is None and "config.get" in ctx.salt:
        setting = ctx.salt["config.get"]("systemd.scope", True)
    if setting is None:
        return True
    return bool(setting) and str(setting).strip().lower() not in ("false", "no", "off", "0")


def systemctl_cmd(ctx: Context, action: str | list[str], name: Any = None, *, scope: bool = False,
                  no_block: bool = False, root: str | None = None,
                  extra: list[str] | None = None) -> list[str]:
    """The ``systemctl`` argv for ``action`` on unit ``name`` (in a scope for changing commands)."""
    argv: list[str] = []
    if scope and _use_scope(ctx):
        argv += ["systemd-run", "--scope"]
    argv.append("systemctl")
    if no_block:
        argv.append("--no-block")
    if root:
        argv += ["--root", str(root)]
    argv += shlex.split(action) if isinstance(action, str) else list(action)
    if name is not None:
        argv.append(unit_name(name))
    if "status" in argv:
        argv += ["-n", "0"]
    argv += extra or []
    return argv


def _run(argv: list[str], *, merge: bool = False, timeout: Any = None) -> dict[str, Any]:
    return run_command(argv, python_shell=False, ignore_retcode=True, redirect_stderr=merge, cwd="/",
                       timeout=common.command_timeout(timeout), logger=common.log)


def _strip_scope(text: str) -> str:
    """Drop systemd-run's "Running scope as unit ..." lines from an error message."""
    return "\n".join(line for line in text.splitlines() if not line.rstrip().endswith(".scope")).strip()


def _status_output(ctx: Context, name: Any) -> dict[str, Any]:
    return _run(systemctl_cmd(ctx, "status", name), merge=True)


def _unit_known(ctx: Context, name: Any) -> bool:
    """systemd knows the unit (``systemctl status`` exits 0-3; 4 means "no such unit")."""
    res = _status_output(ctx, name)
    version = _version(ctx)
    if version is None or version >= 231:
        return 0 <= res["retcode"] < 4
    out = res["stdout"].lower()
    if "could not be found" in out:
        return False
    for line in out.splitlines():
        match = re.match(r"\s+loaded:\s+(\S+)", line)
        if match:
            return match.group(1) != "not-found"
    raise CommandExecutionError(f"Failed to get information on unit '{name}'")


def _local_unit_file(name: Any, root: str | None = None) -> bool:
    path = os.path.join(_root(LOCAL_UNIT_PATH, root), unit_name(name))
    return os.access(path, os.R_OK)


def _reload_if_changed(ctx: Context, name: Any) -> None:
    """``daemon-reload`` when the unit file changed on disk or is new and not loaded yet."""
    if (_local_unit_file(name) and not _unit_known(ctx, name)) or \
            "'systemctl daemon-reload'" in _status_output(ctx, name)["stdout"].lower():
        systemctl_reload(ctx)


def _check_unmask(ctx: Context, name: Any, unmask: Any, unmask_runtime: Any, root: str | None = None) -> None:
    if unmask:
        unmask_(ctx, name, runtime=False, root=root)
    if unmask_runtime:
        unmask_(ctx, name, runtime=True, root=root)


def _root(path: str, root: str | None) -> str:
    return os.path.join(root, os.path.relpath(path, os.sep)) if root else path


def _change(ctx: Context, action: str, name: Any, *, no_block: Any = False, timeout: Any = None) -> bool:
    """Run a changing ``systemctl ACTION NAME``; a failure raises with systemctl's message."""
    res = _run(systemctl_cmd(ctx, action, name, scope=True, no_block=bool(no_block)), timeout=timeout)
    if res["retcode"] != 0:
        raise CommandExecutionError(_strip_scope(res["stderr"] or res["stdout"])
                                    or f"systemctl {action} {unit_name(name)} failed")
    return True


# ---- unit listings -------------------------------------------------------------------------------

def _unit_files(ctx: Context, root: str | None = None) -> list[tuple[str, str]]:
    """``(unit, state)`` pairs from ``systemctl list-unit-files``."""
    res = _run(systemctl_cmd(ctx, "--full --no-legend --no-pager list-unit-files", root=root))
    pairs = []
    for line in res["stdout"].splitlines():
        parts = line.split()
        if len(parts) >= 2:
            pairs.append((parts[0], parts[1]))
    return pairs


def _units_in_state(ctx: Context, state: str, root: str | None) -> set[str]:
    found = set()
    for fullname, unit_state in _unit_files(ctx, root):
        short = _short(fullname)
        if short and unit_state == state:
            found.add(short)
    return found


def _systemd_services(root: str | None) -> set[str]:
    found: set[str] = set()
    for path in (*SYSTEM_UNIT_PATHS, LOCAL_UNIT_PATH):
        path = _root(path, root)
        # A linked directory (/lib -> /usr/lib) is listed through its target already.
        if not os.access(path, os.R_OK) or os.path.islink(path):
            continue
        for entry in os.listdir(path):
            short = _short(entry)
            if short:
                found.add(short)
    return found


def _sysv_services(root: str | None, known: set[str] | None = None) -> list[str]:
    """Executable /etc/init.d scripts that no systemd unit of the same name replaces."""
    init_d = _root(common.INIT_D, root)
    try:
        entries = os.listdir(init_d)
    except OSError:
        return []
    known = _systemd_services(root) if known is None else known
    return sorted(e for e in entries
                  if e not in known and os.access(os.path.join(init_d, e), os.X_OK)
                  and os.path.isfile(os.path.join(init_d, e)))


def _sysv_enabled(ctx: Context, name: str, root: str | None) -> bool:
    level = common.runlevel(ctx)
    try:
        entries = os.listdir(_root(common.RC_DIR.format(level), root))
    except OSError:
        return False
    return any(re.fullmatch(rf"S\d+{re.escape(name)}", entry) for entry in entries)


# ---- queries ---------------------------------------------------------------------------------------

@mod.query
def get_all(ctx: Context, root: str | None = None) -> list[str]:
    """Return every unit file's name (``.service`` dropped) and every sysvinit-only script.

    CLI Example: ``saline-call --local service.get_all``
    """
    units = _systemd_services(root)
    return sorted(units | set(_sysv_services(root, units)))


@mod.query
def get_enabled(ctx: Context, root: str | None = None) -> list[str]:
    """Return the units whose unit-file state is ``enabled``, plus enabled sysvinit scripts.

    CLI Example: ``saline-call --local service.get_enabled``
    """
    found = _units_in_state(ctx, "enabled", root)
    found.update(s for s in _sysv_services(root) if _sysv_enabled(ctx, s, root))
    return sorted(found)


@mod.query
def get_disabled(ctx: Context, root: str | None = None) -> list[str]:
    """Return the units whose unit-file state is ``disabled``, plus disabled sysvinit scripts.

    CLI Example: ``saline-call --local service.get_disabled``
    """
    found = _units_in_state(ctx, "disabled", root)
    found.update(s for s in _sysv_services(root) if not _sysv_enabled(ctx, s, root))
    return sorted(found)


@mod.query
def get_static(ctx: Context, root: str | None = None) -> list[str]:
    """Return the units whose unit-file state is ``static`` (started only as dependencies).

    CLI Example: ``saline-call --local service.get_static``
    """
    return sorted(_units_in_state(ctx, "static", root))


@mod.query
def get_running(ctx: Context) -> list[str]:
    """Return the loaded units whose sub-state is ``running``.

    CLI Example: ``saline-call --local service.get_running``
    """
    res = _run(systemctl_cmd(ctx, "--full --no-legend --no-pager"))
    found = set()
    for line in res["stdout"].splitlines():
        parts = line.strip().lstrip("●*").split()
        if len(parts) < 4 or parts[3] != "running":
            continue
        short = _short(parts[0])
        if short:
            found.add(short)
    return sorted(found)


@mod.query
def available(ctx: Context, name: str) -> bool:
    """Return True when systemd knows the unit, or its unit file waits in /etc/systemd/system.

    (A new unit file is loaded by the ``daemon-reload`` that ``service.start`` runs first.)

    CLI Example: ``saline-call --local service.available nginx``
    """
    return _unit_known(ctx, name) or _local_unit_file(name)


@mod.query
def missing(ctx: Context, name: str) -> bool:
    """The inverse of ``service.available``.

    CLI Example: ``saline-call --local service.missing nginx``
    """
    return not available(ctx, name)


@mod.query
def status(ctx: Context, name: str, sig: str | None = None) -> bool | dict[str, bool]:
    """Return True when the unit is active (``systemctl is-active``).

    With ``sig``, look for a process whose command line matches that regex instead. A ``name``
    with glob characters returns ``{service: bool}`` for every matching service of ``service.get_all``.

    CLI Example: ``saline-call --local service.status nginx``
    """
    if sig:
        return common.sig_running(ctx, sig)
    name = str(name)
    services = fnmatch.filter(get_all(ctx), name) if common.has_glob(name) else [name]
    results = {svc: _run(systemctl_cmd(ctx, "is-active", svc))["retcode"] == 0 for svc in services}
    return results if common.has_glob(name) else results[name]


@mod.query
def enabled(ctx: Context, name: str, root: str | None = None, **kwargs: Any) -> bool:
    """Return True when the unit starts at boot (``systemctl is-enabled``; aliases followed; sysvinit
    scripts by their start link in the current runlevel).

    CLI Example: ``saline-call --local service.enabled nginx``
    """
    res = _run(systemctl_cmd(ctx, "is-enabled", name, root=root))
    out = res["stdout"].strip()
    if res["retcode"] == 0 and out != "alias":
        return True
    if out == "alias":
        target = _run(systemctl_cmd(ctx, "show", name, root=root, extra=["-P", "Id"]))["stdout"].strip()
        return bool(target) and _run(systemctl_cmd(ctx, "is-enabled", target, root=root))["retcode"] == 0
    if "@" in str(name):
        # Old systemd could not answer is-enabled for template instances: look for the symlink.
        found = _run(["find", _root(LOCAL_UNIT_PATH, root), "-name", str(name), "-type", "l", "-print",
                      "-quit"])
        if found["stdout"].strip():
            return True
    elif str(name) in _sysv_services(root):
        return _sysv_enabled(ctx, str(name), root)
    return False


@mod.query
def disabled(ctx: Context, name: str, root: str | None = None) -> bool:
    """The inverse of ``service.enabled``.

    CLI Example: ``saline-call --local service.disabled nginx``
    """
    return not enabled(ctx, name, root=root)


@mod.query
def masked(ctx: Context, name: str, runtime: bool = False, root: str | None = None) -> bool:
    """Return True when the unit is masked (a /dev/null link in /etc/systemd/system, or in
    /run/systemd/system with ``runtime=True``).

    CLI Example: ``saline-call --local service.masked nginx``
    """
    base = _root("/run" if runtime else "/etc", root)
    try:
        return os.readlink(os.path.join(base, "systemd", "system", unit_name(name))) == "/dev/null"
    except OSError:
        return False


@mod.query
def show(ctx: Context, name: str, root: str | None = None) -> dict[str, Any]:
    """Return the unit's properties (``systemctl show``) as a dict; ``{...}`` values become dicts and
    ``Before``/``After``/``Wants`` become lists.

    CLI Example: ``saline-call --local service.show nginx``
    """
    res = _run(systemctl_cmd(ctx, "show", name, root=root))
    if res["retcode"] != 0:
        raise CommandExecutionError(f"systemctl show {unit_name(name)} failed: {common.failure_text(res)}")
    props: dict[str, Any] = {}
    for line in res["stdout"].splitlines():
        key, _, value = line.partition("=")
        if value.startswith("{"):
            fields: dict[str, str] = {}
            for item in value.strip("{} ").split(" ; "):
                k, sep, v = item.partition("=")
                if sep:
                    fields[k.strip()] = v.strip()
            props[key] = fields
        elif key in ("Before", "After", "Wants"):
            props[key] = value.split()
        else:
            props[key] = value
    return props


@mod.query
def execs(ctx: Context, root: str | None = None) -> dict[str, str]:
    """Return ``{service: path}`` of the ``ExecStart`` program of every service that has one.

    CLI Example: ``saline-call --local service.execs``
    """
    found = {}
    for svc in get_all(ctx, root=root):
        exec_start = show(ctx, svc, root=root).get("ExecStart")
        if isinstance(exec_start, dict) and exec_start.get("path"):
            found[svc] = exec_start["path"]
    return found


# ---- actions -----------------------------------------------------------------------------------------

@mod.action
def systemctl_reload(ctx: Context) -> bool:
    """Reload systemd's unit files (``systemctl --system daemon-reload``), needed after editing them.

    CLI Example: ``saline-call --local service.systemctl_reload``
    """
    res = _run(systemctl_cmd(ctx, "--system daemon-reload"), merge=True)
    if res["retcode"] != 0:
        raise CommandExecutionError(f"Problem performing systemctl daemon-reload: {res['stdout'].strip()}")
    return True


@mod.action
def start(ctx: Context, name: str, no_block: bool = False, unmask: bool = False, unmask_runtime: bool = False,
          timeout: Any = None) -> bool:
    """Start the unit; True, or CommandExecutionError with systemctl's message (e.g. masked unit).

    ``no_block`` does not wait for the start job; ``unmask``/``unmask_runtime`` remove a mask first.

    CLI Example: ``saline-call --local service.start nginx``
    """
    _reload_if_changed(ctx, name)
    _check_unmask(ctx, name, unmask, unmask_runtime)
    return _change(ctx, "start", name, no_block=no_block, timeout=timeout)


@mod.action
def stop(ctx: Context, name: str, no_block: bool | None = None, timeout: Any = None) -> bool:
    """Stop the unit; True when systemctl succeeded (``no_block`` defaults to True for the minion's
    own unit, so the minion does not wait for its own death).

    CLI Example: ``saline-call --local service.stop nginx``
    """
    _reload_if_changed(ctx, name)
    block = (unit_name(name) == MINION_UNIT) if no_block is None else bool(no_block)
    argv = systemctl_cmd(ctx, "stop", name, scope=True, no_block=block)
    return _run(argv, timeout=timeout)["retcode"] == 0


@mod.action
def restart(ctx: Context, name: str, no_block: bool | None = None, unmask: bool = False,
            unmask_runtime: bool = False, timeout: Any = None) -> bool:
    """Restart the unit (stop then start: a new main process); raises with systemctl's message on failure.

    CLI Example: ``saline-call --local service.restart nginx``
    """
    block = (unit_name(name) == MINION_UNIT) if no_block is None else bool(no_block)
    _reload_if_changed(ctx, name)
    _check_unmask(ctx, name, unmask, unmask_runtime)
    return _change(ctx, "restart", name, no_block=block, timeout=timeout)


@mod.action(name="reload")
def reload_(ctx: Context, name: str, no_block: bool = False, unmask: bool = False,
            unmask_runtime: bool = False, timeout: Any = None) -> bool:
    """Ask the unit to reload its configuration (``systemctl reload``); raises on failure.

    CLI Example: ``saline-call --local service.reload nginx``
    """
    _reload_if_changed(ctx, name)
    _check_unmask(ctx, name, unmask, unmask_runtime)
    return _change(ctx, "reload", name, no_block=no_block, timeout=timeout)


@mod.action
def force_reload(ctx: Context, name: str, no_block: bool = True, unmask: bool = False,
                 unmask_runtime: bool = False, timeout: Any = None) -> bool:
    """Reload the unit, or restart it when it cannot reload (``systemctl force-reload``; like Salt,
    ``no_block`` defaults to True here).

    CLI Example: ``saline-call --local service.force_reload nginx``
    """
    _reload_if_changed(ctx, name)
    _check_unmask(ctx, name, unmask, unmask_runtime)
    return _change(ctx, "force-reload", name, no_block=no_block, timeout=timeout)


def _sysv_tool() -> list[str]:
    for tool in ("update-rc.d", "chkconfig"):
        path = which(tool)
        if path:
            return [path]
    raise CommandExecutionError("Unable to find sysv service manager (tried update-rc.d, chkconfig)")


@mod.action
def enable(ctx: Context, name: str, no_block: bool = False, unmask: bool = False,
           unmask_runtime: bool = False, root: str | None = None, **kwargs: Any) -> bool:
    """Start the unit at boot (``systemctl enable``; sysvinit-only scripts through update-rc.d).

    CLI Example: ``saline-call --local service.enable nginx``
    """
    name = common.check_name(name)
    _reload_if_changed(ctx, name)
    _check_unmask(ctx, name, unmask, unmask_runtime, root)
    if name in _sysv_services(root):
        tool = _sysv_tool()
        scope = ["systemd-run", "--scope"] if _use_scope(ctx) else []
        args = ["-f", name, "defaults", "99"] if tool[0].endswith("update-rc.d") else [name, "on"]
        return _run([*scope, *tool, *args])["retcode"] == 0
    res = _run(systemctl_cmd(ctx, "enable", name, scope=True, no_block=bool(no_block), root=root))
    if res["retcode"] != 0:
        raise CommandExecutionError(_strip_scope(res["stderr"] or res["stdout"])
                                    or f"systemctl enable {unit_name(name)} failed")
    return True


@mod.action
def disable(ctx: Context, name: str, no_block: bool = False, root: str | None = None, **kwargs: Any) -> bool:
    """Do not start the unit at boot (``systemctl disable``; sysvinit-only scripts through update-rc.d).

    CLI Example: ``saline-call --local service.disable nginx``
    """
    name = common.check_name(name)
    _reload_if_changed(ctx, name)
    if name in _sysv_services(root):
        tool = _sysv_tool()
        scope = ["systemd-run", "--scope"] if _use_scope(ctx) else []
        args = ["-f", name, "remove"] if tool[0].endswith("update-rc.d") else [name, "off"]
        return _run([*scope, *tool, *args])["retcode"] == 0
    argv = systemctl_cmd(ctx, "disable", name, scope=True, no_block=bool(no_block), root=root)
    return _run(argv)["retcode"] == 0


@mod.action
def mask(ctx: Context, name: str, runtime: bool = False, root: str | None = None) -> bool:
    """Mask the unit so nothing can start it (``runtime=True``: only until the next boot).

    CLI Example: ``saline-call --local service.mask nginx``
    """
    _reload_if_changed(ctx, name)
    action = "mask --runtime" if runtime else "mask"
    res = _run(systemctl_cmd(ctx, action, name, scope=True, root=root), merge=True)
    if res["retcode"] != 0:
        raise CommandExecutionError(f"Failed to mask service '{name}': {_strip_scope(res['stdout'])}")
    return True


@mod.action(name="unmask")
def unmask_(ctx: Context, name: str, runtime: bool = False, root: str | None = None) -> bool:
    """Remove the unit's mask (``runtime=True``: the runtime mask); True when it is not masked.

    CLI Example: ``saline-call --local service.unmask nginx``
    """
    _reload_if_changed(ctx, name)
    if not masked(ctx, name, runtime, root=root):
        return True
    action = "unmask --runtime" if runtime else "unmask"
    res = _run(systemctl_cmd(ctx, action, name, scope=True, root=root), merge=True)
    if res["retcode"] != 0:
        raise CommandExecutionError(f"Failed to unmask service '{name}': {_strip_scope(res['stdout'])}")
    return True
