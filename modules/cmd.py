"""Module ``cmd``: run commands and scripts, with Salt's arguments and return shapes.

Every function runs through :func:`saline.process.run_command`. No shell is used unless
``python_shell=True`` (or a ``shell`` is named, or the function is ``cmd.shell``), so ``$HOME``
or ``;`` in a command are passed literally. A non-zero exit code (not in ``success_retcodes`` and
not ``ignore_retcode``) becomes the job's retcode, so ``saline-call`` exits 1 like ``salt-call``.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import tempfile
from typing import Any

from saline import process
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module

mod = Module("cmd", doc="Run commands, scripts and code snippets on the minion.")
log = logging.getLogger("saline.modules.cmd")

# Salt options that exist for other platforms or for Salt's own plumbing: accepted, no effect here.
_NO_EFFECT = {"use_vt", "password", "encoded_cmd", "windows_codepage", "log_callback", "saltenv",
              "pillarenv", "pillar", "root", "bg", "runas_password"}


def _check_extra(fun: str, kwargs: dict[str, Any]) -> None:
    if kwargs.get("template"):
        raise SaltInvocationError(
            f"cmd.{fun}: template rendering of commands is not supported; render the command in the SLS")
    unknown = sorted(k for k in kwargs if not k.startswith("__") and k not in _NO_EFFECT and k != "template")
    if unknown:
        log.warning("cmd.%s: ignoring unknown argument(s): %s", fun, ", ".join(unknown))


def _set_retcode(ctx: Context, ret: dict[str, Any], ignore_retcode: bool) -> None:
    code = 0 if ignore_retcode else int(ret.get("retcode") or 0)
    ctx.retcode = code
    ctx.scratch["retcode"] = code  # Salt's __context__["retcode"], read by the state runner


def _run(ctx: Context, fun: str, cmd: Any, kwargs: dict[str, Any], **options: Any) -> dict[str, Any]:
    _check_extra(fun, kwargs)
    ignore = bool(options.get("ignore_retcode"))
    ret = process.run_command(cmd, logger=log, **options)
    _set_retcode(ctx, ret, ignore)
    return ret


def _common(
    cwd: Any, stdin: Any, runas: Any, group: Any, shell: Any, python_shell: Any, env: Any, clean_env: Any,
    rstrip: Any, umask: Any, output_encoding: Any, output_loglevel: Any, hide_output: Any, timeout: Any,
    reset_system_locale: Any, ignore_retcode: Any, prepend_path: Any, success_retcodes: Any,
    success_stdout: Any, success_stderr: Any, stdin_raw_newlines: Any,
) -> dict[str, Any]:
    return {
        "cwd": cwd, "stdin": stdin, "runas": runas, "group": group, "shell": shell,
        "python_shell": python_shell, "env": env, "clean_env": bool(clean_env), "rstrip": bool(rstrip),
        "umask": umask, "output_encoding": output_encoding, "output_loglevel": output_loglevel,
        "hide_output": bool(hide_output), "timeout": timeout,
        "reset_system_locale": bool(reset_system_locale),
        "ignore_retcode": bool(ignore_retcode), "prepend_path": prepend_path,
        "success_retcodes": success_retcodes, "success_stdout": success_stdout,
        "success_stderr": success_stderr, "stdin_raw_newlines": bool(stdin_raw_newlines),
    }


def _fail(ret: dict[str, Any], ignore_retcode: bool, raise_err: bool, hide_output: bool) -> None:
    if raise_err and not ignore_retcode and ret["retcode"] != 0:
        raise CommandExecutionError("" if hide_output else ret["stdout"])


@mod.action
def run(
    ctx: Context, cmd: Any, cwd: str | None = None, stdin: str | None = None, runas: str | None = None,
    group: str | None = None, shell: str | None = None, python_shell: bool | None = None, env: Any = None,
    clean_env: bool = False, rstrip: bool = True, umask: Any = None, output_encoding: str | None = None,
    output_loglevel: str = "debug", hide_output: bool = False, timeout: float | None = None,
    reset_system_locale: bool = True, ignore_retcode: bool = False, redirect_stderr: bool = True,
    raise_err: bool = False, prepend_path: str | None = None, success_retcodes: Any = None,
    success_stdout: Any = None, success_stderr: Any = None, stdin_raw_newlines: bool = False, **kwargs: Any,
) -> str:
    """Run ``cmd`` and return its output: stdout and stderr merged, trailing whitespace removed.

    ``cmd`` is a string (split like a shell would, but not run by one) or a list of arguments.
    Arguments (as in Salt): ``cwd`` (default: the runas user's home, else ``/``), ``stdin`` (text fed to
    the command; a literal ``\\n`` becomes a newline unless ``stdin_raw_newlines``), ``runas``, ``group``,
    ``shell`` (run through this shell), ``python_shell`` (default False: no shell), ``env`` (dict of
    extra variables), ``clean_env`` (only ``env``), ``prepend_path``, ``umask`` (e.g. ``077``),
    ``timeout`` (seconds; the process group is killed), ``output_loglevel`` (``quiet`` logs nothing),
    ``hide_output`` (return ``""``), ``ignore_retcode``, ``success_retcodes`` (list of codes counted as
    success), ``success_stdout``/``success_stderr`` (strings whose presence means success),
    ``redirect_stderr`` (default True), ``rstrip``, ``reset_system_locale`` (``LC_*=C``), ``raise_err``
    (raise instead of returning when the command fails).

    CLI Example: ``saline-call --local cmd.run 'ls -l /etc'``
    ``saline-call --local cmd.run 'echo $HOME | tr a-z A-Z' python_shell=True``
    """
    options = _common(cwd, stdin, runas, group, shell, python_shell, env, clean_env, rstrip, umask,
                      output_encoding, output_loglevel, hide_output, timeout, reset_system_locale,
                      ignore_retcode, prepend_path, success_retcodes, success_stdout, success_stderr,
                      stdin_raw_newlines)
    ret = _run(ctx, "run", cmd, kwargs, redirect_stderr=bool(redirect_stderr), **options)
    _fail(ret, bool(ignore_retcode), bool(raise_err), bool(hide_output))
    return "" if hide_output else ret["stdout"]


@mod.action
def shell(
    ctx: Context, cmd: Any, cwd: str | None = None, stdin: str | None = None, runas: str | None = None,
    group: str | None = None, shell: str | None = None, env: Any = None, clean_env: bool = False,
    rstrip: bool = True, umask: Any = None, output_encoding: str | None = None,
    output_loglevel: str = "debug", hide_output: bool = False, timeout: float | None = None,
    reset_system_locale: bool = True, ignore_retcode: bool = False, redirect_stderr: bool = True,
    raise_err: bool = False, prepend_path: str | None = None, success_retcodes: Any = None,
    success_stdout: Any = None, success_stderr: Any = None, stdin_raw_newlines: bool = False,
    python_shell: bool = True, **kwargs: Any,
) -> str:
    """Like ``cmd.run`` but through a shell (``shell``, default ``$SHELL`` or ``/bin/sh``).

    Pipes, redirections, variables and globs work; never pass untrusted input.

    CLI Example: ``saline-call --local cmd.shell 'ls /etc | wc -l'``
    """
    options = _common(cwd, stdin, runas, group, shell or process.default_shell(), python_shell, env,
                      clean_env, rstrip, umask, output_encoding, output_loglevel, hide_output, timeout,
                      reset_system_locale, ignore_retcode, prepend_path, success_retcodes, success_stdout,
                      success_stderr, stdin_raw_newlines)
    ret = _run(ctx, "shell", cmd, kwargs, redirect_stderr=bool(redirect_stderr), **options)
    _fail(ret, bool(ignore_retcode), bool(raise_err), bool(hide_output))
    return "" if hide_output else ret["stdout"]


@mod.action
def run_all(
    ctx: Context, cmd: Any, cwd: str | None = None, stdin: str | None = None, runas: str | None = None,
    group: str | None = None, shell: str | None = None, python_shell: bool | None = None, env: Any = None,
    clean_env: bool = False, rstrip: bool = True, umask: Any = None, output_encoding: str | None = None,
    output_loglevel: str = "debug", hide_output: bool = False, timeout: float | None = None,
    reset_system_locale: bool = True, ignore_retcode: bool = False, redirect_stderr: bool = False,
    prepend_path: str | None = None, success_retcodes: Any = None, success_stdout: Any = None,
    success_stderr: Any = None, stdin_raw_newlines: bool = False, **kwargs: Any,
) -> dict[str, Any]:
    """Run ``cmd`` and return ``{"pid": int, "retcode": int, "stdout": str, "stderr": str}``.

    Same arguments as ``cmd.run``; stderr is kept separate unless ``redirect_stderr=True``. With
    ``hide_output`` both outputs are ``""``. A timeout gives retcode 1 and Salt's
    ``"<cmd> : Timed out after N seconds"`` as stdout.

    CLI Example: ``saline-call --local cmd.run_all 'ls /nonexistent'``
    """
    options = _common(cwd, stdin, runas, group, shell, python_shell, env, clean_env, rstrip, umask,
                      output_encoding, output_loglevel, hide_output, timeout, reset_system_locale,
                      ignore_retcode, prepend_path, success_retcodes, success_stdout, success_stderr,
                      stdin_raw_newlines)
    ret = _run(ctx, "run_all", cmd, kwargs, redirect_stderr=bool(redirect_stderr), **options)
    if hide_output:
        ret["stdout"] = ret["stderr"] = ""
    return ret


@mod.action
def run_stdout(
    ctx: Context, cmd: Any, cwd: str | None = None, stdin: str | None = None, runas: str | None = None,
    group: str | None = None, shell: str | None = None, python_shell: bool | None = None, env: Any = None,
    clean_env: bool = False, rstrip: bool = True, umask: Any = None, output_encoding: str | None = None,
    output_loglevel: str = "debug", hide_output: bool = False, timeout: float | None = None,
    reset_system_locale: bool = True, ignore_retcode: bool = False, prepend_path: str | None = None,
    success_retcodes: Any = None, success_stdout: Any = None, success_stderr: Any = None,
    stdin_raw_newlines: bool = False, **kwargs: Any,
) -> str:
    """Run ``cmd`` and return only its stdout (stderr is discarded from the return).

    Same arguments as ``cmd.run``.

    CLI Example: ``saline-call --local cmd.run_stdout 'ls -l /etc'``
    """
    options = _common(cwd, stdin, runas, group, shell, python_shell, env, clean_env, rstrip, umask,
                      output_encoding, output_loglevel, hide_output, timeout, reset_system_locale,
                      ignore_retcode, prepend_path, success_retcodes, success_stdout, success_stderr,
                      stdin_raw_newlines)
    ret = _run(ctx, "run_stdout", cmd, kwargs, **options)
    return "" if hide_output else ret["stdout"]


@mod.action
def run_stderr(
    ctx: Context, cmd: Any, cwd: str | None = None, stdin: str | None = None, runas: str | None = None,
    group: str | None = None, shell: str | None = None, python_shell: bool | None = None, env: Any = None,
    clean_env: bool = False, rstrip: bool = True, umask: Any = None, output_encoding: str | None = None,
    output_loglevel: str = "debug", hide_output: bool = False, timeout: float | None = None,
    reset_system_locale: bool = True, ignore_retcode: bool = False, prepend_path: str | None = None,
    success_retcodes: Any = None, success_stdout: Any = None, success_stderr: Any = None,
    stdin_raw_newlines: bool = False, **kwargs: Any,
) -> str:
    """Run ``cmd`` and return only its stderr.

    Same arguments as ``cmd.run``. A timeout returns ``""`` (Salt puts the message in stdout).

    CLI Example: ``saline-call --local cmd.run_stderr 'ls /nonexistent'``
    """
    options = _common(cwd, stdin, runas, group, shell, python_shell, env, clean_env, rstrip, umask,
                      output_encoding, output_loglevel, hide_output, timeout, reset_system_locale,
                      ignore_retcode, prepend_path, success_retcodes, success_stdout, success_stderr,
                      stdin_raw_newlines)
    ret = _run(ctx, "run_stderr", cmd, kwargs, **options)
    return "" if hide_output else ret["stderr"]


@mod.action
def retcode(
    ctx: Context, cmd: Any, cwd: str | None = None, stdin: str | None = None, runas: str | None = None,
    group: str | None = None, shell: str | None = None, python_shell: bool | None = None, env: Any = None,
    clean_env: bool = False, umask: Any = None, output_encoding: str | None = None,
    output_loglevel: str = "debug", timeout: float | None = None, reset_system_locale: bool = True,
    ignore_retcode: bool = False, prepend_path: str | None = None, success_retcodes: Any = None,
    success_stdout: Any = None, success_stderr: Any = None, stdin_raw_newlines: bool = False,
    **kwargs: Any,
) -> int:
    """Run ``cmd`` and return its exit code (0 when the code is in ``success_retcodes``).

    Same arguments as ``cmd.run``. A timeout returns 1.

    CLI Example: ``saline-call --local cmd.retcode 'test -d /etc'``
    """
    options = _common(cwd, stdin, runas, group, shell, python_shell, env, clean_env, True, umask,
                      output_encoding, output_loglevel, False, timeout, reset_system_locale,
                      ignore_retcode, prepend_path, success_retcodes, success_stdout, success_stderr,
                      stdin_raw_newlines)
    return int(_run(ctx, "retcode", cmd, kwargs, **options)["retcode"])


def _mount_pseudo(root: str, binds: Any) -> list[str]:
    """Mount /dev, /proc, /sys and ``binds`` into ``root`` where missing; the mount points mounted."""
    wanted = [("devtmpfs", "dev", "devtmpfs"), ("proc", "proc", "proc"), ("sysfs", "sys", "sysfs")]
    done = []
    for source, rel, fstype in wanted:
        target = os.path.join(root, rel)
        if os.path.isdir(target) and not os.path.ismount(target) and _mount(["mount", "-t", fstype, source, target]):
            done.append(target)
    for bind in ([binds] if isinstance(binds, str) else binds or []):
        target = os.path.join(root, str(bind).lstrip("/"))
        if os.path.isdir(str(bind)) and not os.path.ismount(target):
            os.makedirs(target, exist_ok=True)
            if _mount(["mount", "--bind", str(bind), target]):
                done.append(target)
    return done


def _mount(argv: list[str]) -> bool:
    try:
        ret = process.run_command(argv, output_loglevel="quiet", ignore_retcode=True)
    except CommandExecutionError as exc:
        log.warning("cmd.run_chroot: %s", exc)
        return False
    if ret["retcode"] != 0:
        log.warning("cmd.run_chroot: '%s' failed: %s", " ".join(argv), ret["stderr"] or ret["stdout"])
    return ret["retcode"] == 0


def _unmount(mounted: list[str]) -> None:
    for target in reversed(mounted):
        ret = process.run_command(["umount", target], output_loglevel="quiet", ignore_retcode=True)
        if ret["retcode"] != 0:
            process.run_command(["umount", "-l", target], output_loglevel="quiet", ignore_retcode=True)


def _kill_inside(root: str) -> None:
    """SIGKILL processes whose root directory is (inside) ``root`` - leftovers of the command."""
    import signal

    real = os.path.realpath(root)
    if real == "/":
        return  # every process lives there: nothing is a leftover of the command
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            link = os.path.realpath(f"/proc/{entry}/root")
        except OSError:
            continue
        if link == real or link.startswith(real + os.sep):
            try:
                os.kill(int(entry), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


@mod.action
def run_chroot(
    ctx: Context, root: str, cmd: Any, cwd: str | None = None, stdin: str | None = None,
    runas: str | None = None, group: str | None = None, shell: str = "/bin/sh", python_shell: bool = True,
    binds: Any = None, env: Any = None, clean_env: bool = False, rstrip: bool = True, umask: Any = None,
    output_encoding: str | None = None, output_loglevel: str = "quiet", hide_output: bool = False,
    timeout: float | None = None, reset_system_locale: bool = True, ignore_retcode: bool = False,
    success_retcodes: Any = None, success_stdout: Any = None, success_stderr: Any = None, **kwargs: Any,
) -> dict[str, Any]:
    """Run ``cmd`` inside the chroot ``root`` through its shell; return ``cmd.run_all``'s dict.

    Like Salt: ``/dev``, ``/proc`` and ``/sys`` (and each path in ``binds``) are mounted into the chroot
    for the command when they are not already (best effort: a mount that fails is logged and skipped),
    the chroot's ``/bin/bash`` is used when present (else ``/bin/sh``), processes left running inside
    the chroot afterwards are killed, and what was mounted is unmounted again.

    CLI Example: ``saline-call --local cmd.run_chroot /var/lib/machines/deb 'apt-get -q update'``
    """
    root = str(root)
    if not os.path.isdir(root):
        raise CommandExecutionError(f"Chroot root directory {root} does not exist")
    mounted = _mount_pseudo(root, binds)
    try:
        inner = "/bin/bash" if os.path.isfile(os.path.join(root, "bin/bash")) else "/bin/sh"
        text = cmd if isinstance(cmd, str) else " ".join(str(part) for part in cmd)
        options = _common(cwd, stdin, runas, group, None, False, env, clean_env, rstrip, umask,
                          output_encoding, output_loglevel, hide_output, timeout, reset_system_locale,
                          ignore_retcode, None, success_retcodes, success_stdout, success_stderr, False)
        ret = _run(ctx, "run_chroot", ["chroot", root, inner, "-c", text], kwargs, **options)
    finally:
        _kill_inside(root)
        _unmount(mounted)
    if hide_output:
        ret["stdout"] = ret["stderr"] = ""
    return ret


# ---- scripts ----------------------------------------------------------------------------------


def _cache_error(ctx: Context) -> dict[str, Any]:
    ctx.retcode = 1
    ctx.scratch["retcode"] = 1
    return {"pid": 0, "retcode": 1, "stdout": "", "stderr": "", "cache_error": True}


def _fetch(ctx: Context, source: str, saltenv: str) -> str | None:
    """Local path holding ``source`` (``salt://``, ``file://`` or an absolute path), or None."""
    if source.startswith("salt://"):
        return ctx.fileclient.cache_file(source, saltenv)
    if source.startswith("file://"):
        source = source[len("file://"):]
    if "://" in source:
        raise SaltInvocationError(
            f"Unsupported script source {source!r}: use salt://, file:// or a local path")
    if not os.path.isabs(source):
        raise SaltInvocationError(f"Script path must be absolute or a salt:// URL: {source}")
    return source if os.path.isfile(source) else None


def _script_args(args: Any) -> list[str]:
    if args is None or args == "":
        return []
    if isinstance(args, (list, tuple)):
        return [str(a) for a in args]
    try:
        return shlex.split(str(args))
    except ValueError as exc:
        raise SaltInvocationError(f"Cannot split script args {args!r}: {exc}") from None


@mod.action
def script(
    ctx: Context, source: str, args: Any = None, cwd: str | None = None, stdin: str | None = None,
    runas: str | None = None, group: str | None = None, shell: str | None = None,
    python_shell: bool | None = None, env: Any = None, umask: Any = None, output_encoding: str | None = None,
    output_loglevel: str = "debug", hide_output: bool = False, timeout: float | None = None,
    reset_system_locale: bool = True, saltenv: str | None = None, ignore_retcode: bool = False,
    prepend_path: str | None = None, success_retcodes: Any = None, success_stdout: Any = None,
    success_stderr: Any = None, stdin_raw_newlines: bool = False, **kwargs: Any,
) -> dict[str, Any]:
    """Fetch a script (``salt://``, ``file://`` or a local path) and run it; return ``cmd.run_all``'s dict.

    The script is copied to a private temporary file (mode 0500, owned by ``runas``) in ``cwd`` (or the
    temp dir), run with ``args`` (a list, or a string split like a shell would: ``"a 'b c'"`` gives two
    arguments) and removed afterwards. When the source cannot be fetched the return is
    ``{"pid": 0, "retcode": 1, "stdout": "", "stderr": "", "cache_error": True}``.
    Other arguments as ``cmd.run``; ``saltenv`` defaults to the ``saltenv`` option or ``base``.

    CLI Example: ``saline-call --local cmd.script salt://scripts/setup.sh args='--force "two words"'``
    """
    _check_extra("script", kwargs)
    env_name = saltenv or ctx.opts.get("saltenv") or "base"
    source = str(source)
    fetched = _fetch(ctx, source, env_name)
    if not fetched:
        log.error("Unable to cache file '%s' from saltenv '%s'.", source, env_name)
        return _cache_error(ctx)
    workdir = cwd or tempfile.gettempdir()
    if not os.path.isdir(workdir):
        raise CommandExecutionError(f"Specified cwd '{workdir}' either not absolute or does not exist")
    ext = os.path.splitext(source.split("?", 1)[0])[1]
    fd, path = tempfile.mkstemp(prefix="__saline.tmp.", suffix=ext, dir=workdir)
    os.close(fd)
    try:
        shutil.copyfile(fetched, path)
        os.chmod(path, 0o500)
        if runas:
            entry = process.lookup_user(runas)
            os.chown(path, entry.pw_uid, -1)
        options = _common(cwd, stdin, runas, group, shell, python_shell, env, False, True, umask,
                          output_encoding, output_loglevel, hide_output, timeout, reset_system_locale,
                          ignore_retcode, prepend_path, success_retcodes, success_stdout, success_stderr,
                          stdin_raw_newlines)
        ret = _run(ctx, "script", [path, *_script_args(args)], {}, **options)
    finally:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    if hide_output:
        ret["stdout"] = ret["stderr"] = ""
    return ret


@mod.action
def script_retcode(ctx: Context, source: str, args: Any = None, **kwargs: Any) -> int:
    """Run a script like ``cmd.script`` and return only its exit code (1 if it could not be fetched).

    CLI Example: ``saline-call --local cmd.script_retcode salt://scripts/check.sh``
    """
    return int(script(ctx, source, args, **kwargs)["retcode"])


@mod.action
def exec_code_all(ctx: Context, lang: str, code: str, cwd: str | None = None, args: Any = None,
                  **kwargs: Any) -> dict[str, Any]:
    """Write ``code`` to a temp file and run it with interpreter ``lang``; return ``cmd.run_all``'s dict.

    ``args`` (a string or a list) are appended as extra arguments; other keywords go to ``cmd.run_all``.

    CLI Example: ``saline-call --local cmd.exec_code_all python3 'import sys; print(sys.version)'``
    """
    fd, path = tempfile.mkstemp(prefix="__saline.tmp.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(str(code))
        runas = kwargs.get("runas")
        if runas:
            os.chown(path, process.lookup_user(runas).pw_uid, -1)
        command = [str(lang), path]
        if isinstance(args, str):
            command.append(args)
        elif isinstance(args, (list, tuple)):
            command.extend(str(a) for a in args)
        kwargs["python_shell"] = False
        return run_all(ctx, command, cwd=cwd, **kwargs)
    finally:
        os.unlink(path)


@mod.action
def exec_code(ctx: Context, lang: str, code: str, cwd: str | None = None, args: Any = None,
              **kwargs: Any) -> str:
    """Like ``cmd.exec_code_all`` but return only stdout.

    CLI Example: ``saline-call --local cmd.exec_code python3 'print(6 * 7)'``
    """
    return str(exec_code_all(ctx, lang, code, cwd, args, **kwargs)["stdout"])


# ---- lookups (read-only) -----------------------------------------------------------------------


@mod.query
def which(ctx: Context, cmd: str) -> str | None:
    """Full path of the executable ``cmd`` (searching ``PATH`` and the sbin dirs), or None.

    CLI Example: ``saline-call --local cmd.which cat``
    """
    return process.which(str(cmd))


@mod.query
def which_bin(ctx: Context, cmds: Any) -> str | None:
    """Full path of the first executable found among ``cmds`` (a list), or None.

    CLI Example: ``saline-call --local cmd.which_bin '[pip3, pip]'``
    """
    if isinstance(cmds, str):
        cmds = [cmds]
    return process.which_bin(str(c) for c in cmds)


@mod.query
def has_exec(ctx: Context, cmd: str) -> bool:
    """True when the executable ``cmd`` is found (``cmd.which`` is not None).

    CLI Example: ``saline-call --local cmd.has_exec cat``
    """
    return process.which(str(cmd)) is not None
