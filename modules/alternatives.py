"""Module ``alternatives``: the alternatives system (``update-alternatives``; ``alternatives`` on RedHat).

Function names, arguments and returns follow Salt: the changing functions return the command's output
(its error output when it fails). The options ``alternatives.altdir`` and ``alternatives.admindir``
(Saline's own; defaults ``/etc/alternatives`` and the tool's admin directory) point the tool and the
link reads at other directories, e.g. a test's temp dir.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module


def _available(grains: dict[str, Any]) -> bool | str:
    if shutil.which("update-alternatives") or shutil.which("alternatives"):
        return True
    return "neither update-alternatives nor alternatives is installed"


mod = Module("alternatives", available=_available, doc="Manage symbolic links of the alternatives system.")

ALTDIR = "/etc/alternatives"


def _altdir(ctx: Context) -> str:
    return str(ctx.opts.get("alternatives.altdir") or ALTDIR)


def _command(ctx: Context) -> list[str]:
    tool = "alternatives" if ctx.grains.get("os_family") == "RedHat" else "update-alternatives"
    binary = shutil.which(tool) or shutil.which("update-alternatives") or shutil.which("alternatives")
    if binary is None:
        raise CommandExecutionError(f"{tool} is not installed")
    cmd = [binary]
    if ctx.opts.get("alternatives.altdir"):
        cmd += ["--altdir", str(ctx.opts["alternatives.altdir"])]
    if ctx.opts.get("alternatives.admindir"):
        cmd += ["--admindir", str(ctx.opts["alternatives.admindir"])]
    return cmd


def _run(ctx: Context, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LC_ALL": "C"}
    return subprocess.run([*_command(ctx), *args], capture_output=True, text=True, check=False, env=env,
                          stdin=subprocess.DEVNULL)


def _name(value: Any, what: str = "name") -> str:
    text = str(value if value is not None else "").strip()
    if not text or ("/" in text and what == "name"):
        raise SaltInvocationError(f"Invalid alternative {what}: '{value}'")
    return text


def _output(done: subprocess.CompletedProcess[str], errors_only_with_text: bool) -> str:
    """Salt's convention: stderr when the command failed (and, for some, said something), else stdout."""
    if done.returncode > 0 and (done.stderr.strip() or not errors_only_with_text):
        return done.stderr.rstrip("\n")
    return done.stdout.rstrip("\n")


@mod.query
def display(ctx: Context, name: str) -> str:
    """Return the ``--display`` listing of alternative group ``name`` (the error text when it has none).

    CLI Example: ``saline-call --local alternatives.display editor``
    """
    return _output(_run(ctx, "--display", _name(name)), True)


@mod.query
def show_link(ctx: Context, name: str) -> str | bool:
    """Return the master link of alternative group ``name`` (``/usr/bin/editor``), False when unknown.

    CLI Example: ``saline-call --local alternatives.show_link editor``
    """
    done = _run(ctx, "--query", _name(name))
    if done.returncode > 0:
        return False
    for line in done.stdout.split("\n\n", 1)[0].splitlines():
        if line.startswith("Link:"):
            return line.split(":", 1)[1].strip()
    return False


@mod.query
def show_current(ctx: Context, name: str) -> str | bool:
    """Return the path alternative ``name`` currently points to, False when there is no such group.

    CLI Example: ``saline-call --local alternatives.show_current editor``
    """
    try:
        return os.readlink(os.path.join(_altdir(ctx), _name(name)))
    except OSError:
        ctx.log.error("alternative: %s does not exist", name)
        return False


@mod.query
def check_exists(ctx: Context, name: str, path: str) -> bool:
    """Return True when ``path`` is registered as an alternative of group ``name``.

    CLI Example: ``saline-call --local alternatives.check_exists editor /usr/bin/vim.basic``
    """
    done = _run(ctx, "--display", _name(name))
    if done.returncode > 0:
        return False
    return any(line.startswith(str(path)) for line in done.stdout.splitlines())


@mod.query
def check_installed(ctx: Context, name: str, path: str) -> bool:
    """Return True when alternative ``name`` currently points to ``path``.

    CLI Example: ``saline-call --local alternatives.check_installed editor /usr/bin/vim.basic``
    """
    try:
        return os.readlink(os.path.join(_altdir(ctx), _name(name))) == str(path)
    except OSError:
        return False


@mod.action
def install(ctx: Context, name: str, link: str, path: str, priority: Any) -> str:
    """Register ``path`` as an alternative for group ``name`` with master link ``link`` and ``priority``
    (an integer); returns the tool's output.

    CLI Example: ``saline-call --local alternatives.install editor /usr/bin/editor /usr/bin/emacs23 50``
    """
    try:
        prio = int(str(priority))
    except ValueError:
        raise SaltInvocationError(f"priority must be an integer, not '{priority}'") from None
    return _output(_run(ctx, "--install", str(link), _name(name), str(path), str(prio)), True)


@mod.action
def remove(ctx: Context, name: str, path: str) -> str:
    """Unregister alternative ``path`` of group ``name``; returns the tool's output.

    CLI Example: ``saline-call --local alternatives.remove editor /usr/bin/emacs23``
    """
    return _output(_run(ctx, "--remove", _name(name), str(path)), False)


@mod.action
def auto(ctx: Context, name: str) -> str:
    """Put alternative group ``name`` back in automatic mode (highest priority wins); returns the output.

    CLI Example: ``saline-call --local alternatives.auto editor``
    """
    return _output(_run(ctx, "--auto", _name(name)), False)


@mod.action(name="set")
def set_(ctx: Context, name: str, path: str) -> str:
    """Point alternative group ``name`` at ``path`` (manual mode); returns the tool's output.

    CLI Example: ``saline-call --local alternatives.set editor /usr/bin/vim.basic``
    """
    return _output(_run(ctx, "--set", _name(name), str(path)), False)
