"""Module ``sysctl`` (Linux): read kernel parameters from /proc/sys, set them, persist them to a file.

Values are read and written through ``/proc/sys`` directly (what ``sysctl(8)`` does), so no
process is spawned per parameter.
"""

from __future__ import annotations

import os
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module

mod = Module("sysctl", backend="linux", available=lambda grains: os.path.isdir(PROC_SYS) or "no /proc/sys",
             doc="Kernel parameters: get, show, assign and persist (Linux).")

PROC_SYS = "/proc/sys"
CONFIG_HEADER = "#\n# Kernel sysctl configuration\n#\n"


def _path(name: Any) -> str:
    text = str(name).strip()
    parts = text.replace("/", ".").split(".") if "/" not in text else text.split("/")
    if not text or any(p in ("", "..") for p in parts):
        raise SaltInvocationError(f"Invalid sysctl name '{name}'")
    return os.path.join(PROC_SYS, *parts)


def _sanitize(value: Any) -> str:
    """Compare values the way sysctl prints them: whitespace runs collapse to one space."""
    return " ".join(str(value).split())


def _read_value(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as fh:
        return fh.read().rstrip("\n")


@mod.query
def get(ctx: Context, name: str) -> str:
    """Return the current value of kernel parameter ``name`` as a string (sysctl's message if unknown).

    CLI Example: ``saline-call --local sysctl.get net.ipv4.ip_forward``
    """
    path = _path(name)
    try:
        return _read_value(path)
    except FileNotFoundError:
        message = f"sysctl: cannot stat {path}: No such file or directory"
        ctx.log.error("%s", message)
        return message
    except OSError as exc:
        raise CommandExecutionError(f"sysctl: cannot read {name}: {exc.strerror}") from None


def parse_config(text: str) -> dict[str, str]:
    """sysctl.conf(5) text as {name: value}; comments (# or ;) and blank lines skipped."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#;" or "=" not in stripped:
            continue
        key, _, value = stripped.partition("=")
        found[key.strip().lstrip("-")] = value.strip()
    return found


@mod.query
def show(ctx: Context, config_file: Any = False) -> dict[str, str]:
    """Return every readable kernel parameter ``{name: value}``; with ``config_file``, the settings
    in that sysctl.conf file instead.

    CLI Example: ``saline-call --local sysctl.show config_file=/etc/sysctl.conf``
    """
    if config_file:
        try:
            with open(str(config_file), encoding="utf-8", errors="replace") as fh:
                return parse_config(fh.read())
        except OSError as exc:
            raise CommandExecutionError(f"Cannot read {config_file}: {exc.strerror}") from None
    found: dict[str, str] = {}
    for directory, dirs, files in os.walk(PROC_SYS):
        dirs.sort()
        for fname in sorted(files):
            path = os.path.join(directory, fname)
            try:
                found[os.path.relpath(path, PROC_SYS).replace("/", ".")] = _read_value(path)
            except OSError:
                continue  # write-only (e.g. vm.drop_caches) or permission-restricted entries
    return found


@mod.action
def assign(ctx: Context, name: str, value: Any) -> dict[str, str]:
    """Set kernel parameter ``name`` to ``value`` now (not persistent); return ``{name: new value}``.

    CLI Example: ``saline-call --local sysctl.assign net.ipv4.ip_forward 1``
    """
    path = _path(name)
    if not os.path.exists(path):
        raise CommandExecutionError(f"sysctl {name} does not exist")
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(str(value))
    except OSError as exc:
        raise CommandExecutionError(f"sysctl: setting key '{name}': {exc.strerror}") from None
    return {str(name): _read_value(path)}


@mod.query
def default_config(ctx: Context) -> str:
    """Return the file ``persist`` writes by default: ``/etc/sysctl.d/99-salt.conf`` under systemd,
    else ``/etc/sysctl.conf``.

    CLI Example: ``saline-call --local sysctl.default_config``
    """
    return "/etc/sysctl.d/99-salt.conf" if os.path.isdir("/run/systemd/system") else "/etc/sysctl.conf"


@mod.action
def persist(ctx: Context, name: str, value: Any, config: str | None = None) -> str:
    """Write ``name = value`` to the sysctl config file ``config`` and apply it when the running value
    differs. Returns ``Already set`` when file and kernel already agree, else ``Updated``.

    CLI Example: ``saline-call --local sysctl.persist vm.swappiness 10 config=/etc/sysctl.d/90-vm.conf``
    """
    _path(name)
    config = str(config) if config else default_config(ctx)
    try:
        with open(config, encoding="utf-8") as fh:
            lines = fh.read().splitlines(keepends=True)
    except FileNotFoundError:
        lines = CONFIG_HEADER.splitlines(keepends=True)
    except OSError as exc:
        raise CommandExecutionError(f"Could not read from file: {config} ({exc.strerror})") from None
    wanted = _sanitize(value)
    edited, output = False, []
    for line in lines:
        key, sep, current = line.partition("=")
        if sep and not key.strip().startswith(("#", ";")) and key.strip() == str(name):
            if _sanitize(current) == wanted and not edited:
                if _sanitize(get(ctx, name)) == wanted:
                    return "Already set"
                assign(ctx, name, value)
                return "Updated"
            output.append(f"{name} = {value}\n")
            edited = True
            continue
        output.append(line if line.endswith("\n") else line + "\n")
    if not edited:
        output.append(f"{name} = {value}\n")
    from saline.atomic import atomic_write

    try:
        os.makedirs(os.path.dirname(os.path.abspath(config)), exist_ok=True)
        atomic_write(config, "".join(output))
    except OSError as exc:
        raise CommandExecutionError(f"Could not write to file: {config} ({exc.strerror})") from None
    if _sanitize(get(ctx, name)) != wanted:
        assign(ctx, name, value)
    return "Updated"
