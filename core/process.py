"""Run external commands the way Salt's ``cmd`` module does, for every module that needs one.

:func:`run_command` is the one place Saline starts processes: ``cmd.*``, ``pkg``, ``service`` and the
state runner's ``onlyif``/``unless`` all come through here, so they share Salt's argument names and
semantics (``python_shell``, ``runas``, ``umask``, ``timeout``, ``success_retcodes`` ...) and its
``{pid, retcode, stdout, stderr}`` return shape.

Differences from Salt, on purpose: the child always runs in its own process group and a timeout kills
the whole group (a shell's children do not outlive it); ``stdin`` defaults to ``/dev/null`` rather
than the caller's terminal; ``runas`` switches uid/gid/groups directly in the child instead of
asking ``su`` for a login environment; and a command that cannot start gives a one-line error.
"""

from __future__ import annotations

import logging
import os
import pwd
import shlex
import signal
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError

log = logging.getLogger("saline.process")

# Salt's extra level names mapped onto logging's numeric levels; "quiet" logs nothing.
LOG_LEVELS = {
    "all": 0, "garbage": 1, "trace": 5, "debug": logging.DEBUG, "profile": 15, "info": logging.INFO,
    "warning": logging.WARNING, "error": logging.ERROR, "critical": logging.CRITICAL,
}
_LOCALE_VARS = (
    "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY", "LC_MESSAGES", "LC_PAPER",
    "LC_NAME", "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION", "LANGUAGE",
)
# After a timeout the process group is killed; give the pipes this long to drain.
_DRAIN_SECONDS = 5.0


def default_shell() -> str:
    """The shell used for ``python_shell=True``: ``$SHELL`` when it is executable, else ``/bin/sh``."""
    shell = os.environ.get("SHELL", "")
    if shell and os.path.isabs(shell) and os.access(shell, os.X_OK):
        return shell
    return "/bin/sh"


def log_level(level: Any) -> int | None:
    """Numeric level for Salt's ``output_loglevel`` names; None for ``quiet``."""
    if level is None:
        return logging.DEBUG
    name = str(level).lower()
    if name == "quiet":
        return None
    if name not in LOG_LEVELS:
        log.error("Invalid output_loglevel '%s'. Valid levels are: %s. Falling back to 'info'.",
                  level, ", ".join(sorted([*LOG_LEVELS, "quiet"], reverse=True)))
        return logging.INFO
    return LOG_LEVELS[name]


def parse_umask(umask: Any) -> int | None:
    """``umask`` as given by a user (``022``, ``'0077'``, 22) -> int; None when not given."""
    if umask is None:
        return None
    digits = str(umask).strip().lstrip("0")
    if not digits:
        raise CommandExecutionError("Zero umask is not allowed.")
    try:
        value = int(digits, 8)
    except ValueError:
        raise CommandExecutionError(f"Invalid umask: '{umask}'") from None
    if value > 0o777:
        raise CommandExecutionError(f"Invalid umask: '{umask}'")
    return value


def parse_env(env: Any) -> dict[str, str]:
    """Salt accepts ``env`` as a dict or a list of one-key dicts; values become strings."""
    if not env:
        return {}
    if isinstance(env, list):
        merged: dict[str, Any] = {}
        for item in env:
            if not isinstance(item, Mapping):
                raise SaltInvocationError(f"env must be a dict or a list of dicts, got item {item!r}")
            merged.update(item)
        env = merged
    if not isinstance(env, Mapping):
        raise SaltInvocationError(f"env must be a dict or a list of dicts, not {type(env).__name__}")
    out = {}
    for key, value in env.items():
        if value is None:
            log.error("Environment variable '%s' passed without a value. Setting value to an empty string",
                      key)
            value = ""
        out[str(key)] = value if isinstance(value, str) else str(value)
    return out


def parse_retcodes(codes: Any) -> list[int]:
    """``success_retcodes`` as a list, a comma-separated string or one integer."""
    if codes is None:
        return [0]
    if isinstance(codes, (str, int)) and not isinstance(codes, bool):
        codes = [c for c in str(codes).split(",") if c.strip()]
    try:
        return [int(c) for c in codes]
    except (TypeError, ValueError):
        raise SaltInvocationError("success_retcodes must be a list of integers") from None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.split(",") if v]
    return [str(v) for v in value]


def command_display(cmd: str | Sequence[Any]) -> str:
    """The command as one readable line (for logs and messages)."""
    if isinstance(cmd, str):
        return cmd
    return shlex.join(str(part) for part in cmd)


def _first_word(cmd: str | Sequence[Any]) -> str:
    if isinstance(cmd, str):
        parts = cmd.split()
        return parts[0] if parts else ""
    return str(cmd[0]) if cmd else ""


def lookup_user(runas: Any) -> pwd.struct_passwd:
    try:
        if isinstance(runas, int) or (isinstance(runas, str) and runas.isdigit()):
            return pwd.getpwuid(int(runas))
        return pwd.getpwnam(str(runas))
    except KeyError:
        raise CommandExecutionError(f"User '{runas}' is not available") from None


def _group_id(group: Any) -> int:
    import grp

    try:
        if isinstance(group, int) or (isinstance(group, str) and group.isdigit()):
            return grp.getgrgid(int(group)).gr_gid
        return grp.getgrnam(str(group)).gr_gid
    except KeyError:
        raise CommandExecutionError(f"Group '{group}' is not available") from None


def _default_cwd(user: pwd.struct_passwd | None) -> str:
    home = user.pw_dir if user else os.path.expanduser("~")
    return home if home and os.path.isdir(home) and os.access(home, os.R_OK) else "/"


def build_env(
    env: Any = None,
    clean_env: bool = False,
    prepend_path: str | None = None,
    reset_system_locale: bool = True,
    user: pwd.struct_passwd | None = None,
) -> dict[str, str]:
    """The child's environment: ours (unless ``clean_env``) updated with ``env``, like Salt."""
    extra = parse_env(env)
    if user is not None:
        # runas: the target user's identity variables, unless the caller set them explicitly
        for key, value in (("HOME", user.pw_dir), ("USER", user.pw_name), ("LOGNAME", user.pw_name),
                           ("SHELL", user.pw_shell or "/bin/sh")):
            extra.setdefault(key, value)
    if reset_system_locale:
        for key in _LOCALE_VARS:
            extra.setdefault(key, "C")
    run_env = dict(extra) if clean_env else {**os.environ, **extra}
    if prepend_path:
        run_env["PATH"] = f"{prepend_path}:{run_env['PATH']}" if run_env.get("PATH") else str(prepend_path)
    if "NOTIFY_SOCKET" not in extra:
        run_env.pop("NOTIFY_SOCKET", None)
    return run_env


def _decode(data: bytes | None, encoding: str | None) -> str:
    if not data:
        return ""
    try:
        return data.decode(encoding or "utf-8")
    except (UnicodeDecodeError, LookupError):
        return data.decode(encoding if encoding and _known_codec(encoding) else "utf-8", errors="replace")


def _known_codec(name: str | None) -> bool:
    import codecs

    try:
        codecs.lookup(name or "utf-8")
    except LookupError:
        return False
    return True


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            proc.kill()
        except ProcessLookupError:
            pass


def run_command(
    cmd: str | Sequence[Any],
    *,
    cwd: str | None = None,
    stdin: Any = None,
    runas: Any = None,
    group: Any = None,
    shell: str | None = None,
    python_shell: bool | None = None,
    env: Any = None,
    clean_env: bool = False,
    prepend_path: str | None = None,
    rstrip: bool = True,
    umask: Any = None,
    output_encoding: str | None = None,
    output_loglevel: Any = "debug",
    hide_output: bool = False,
    timeout: float | None = None,
    reset_system_locale: bool = True,
    ignore_retcode: bool = False,
    redirect_stderr: bool = False,
    success_retcodes: Any = None,
    success_stdout: Any = None,
    success_stderr: Any = None,
    stdin_raw_newlines: bool = False,
    logger: logging.Logger | None = None,
) -> dict[str, Any]:
    """Run ``cmd`` and return ``{"pid", "retcode", "stdout", "stderr"}`` (Salt's ``cmd.run_all`` shape).

    ``cmd`` is a string (split like a shell would, unless ``python_shell``) or a list of arguments.
    Without ``python_shell=True`` (or a ``shell``) no shell is involved, so ``$HOME`` stays literal.
    A command that cannot be started (missing binary, bad ``cwd``, unknown ``runas`` user) raises
    :class:`CommandExecutionError`; a timeout kills the process group and returns retcode 1 with
    Salt's ``"<cmd> : Timed out after N seconds"`` in ``stdout``. ``redirect_stderr`` merges stderr
    into stdout (what ``cmd.run`` returns). The caller sets the job's retcode from the result.
    """
    logger = logger or log
    level = log_level(output_loglevel)
    if isinstance(cmd, (list, tuple)):
        if not cmd:
            raise SaltInvocationError("The command to run is empty")
        cmd = [str(part) for part in cmd]
    else:
        cmd = str(cmd) if cmd is not None else ""
        if not cmd.strip():
            raise SaltInvocationError("The command to run is empty")
    if shell and python_shell is None:
        python_shell = True  # naming a shell means "use it", as in Salt
    use_shell = bool(python_shell)
    executable = None
    if use_shell:
        executable = str(shell) if shell else default_shell()
        if not os.path.isfile(executable) or not os.access(executable, os.X_OK):
            raise CommandExecutionError(f"The shell {executable} is not available")
    user = lookup_user(runas) if runas not in (None, "") else None
    gid = _group_id(group) if group not in (None, "") else None
    mask = parse_umask(umask)
    cwd = str(cwd) if cwd else _default_cwd(user)
    if not os.path.isabs(cwd) or not os.path.isdir(cwd):
        raise CommandExecutionError(f"Specified cwd '{cwd}' either not absolute or does not exist")
    run_env = build_env(env, clean_env, prepend_path, reset_system_locale, user)
    codes = parse_retcodes(success_retcodes)
    ok_out, ok_err = _as_list(success_stdout), _as_list(success_stderr)

    if use_shell:
        args: str | list[str] = cmd if isinstance(cmd, str) else shlex.join(cmd)
    elif isinstance(cmd, str):
        try:
            args = shlex.split(cmd)
        except ValueError as exc:
            raise SaltInvocationError(f"Cannot split command {cmd!r}: {exc}") from None
        if not args:
            raise SaltInvocationError("The command to run is empty")
    else:
        args = list(cmd)

    data = None
    if stdin is not None:
        text = str(stdin)
        if not stdin_raw_newlines:
            text = text.replace("\\n", "\n")  # Salt turns a literal \n into a newline
        data = text.encode(output_encoding if output_encoding and _known_codec(output_encoding) else "utf-8")

    shown = command_display(cmd)
    if level is not None:
        who = f"as user '{user.pw_name}' " if user else ""
        logger.info("Executing command '%s' %sin directory '%s'", shown if not hide_output else
                    _first_word(cmd), who, cwd)

    popen_kwargs: dict[str, Any] = {
        "cwd": cwd, "env": run_env, "shell": use_shell, "executable": executable,
        "stdin": subprocess.PIPE if data is not None else subprocess.DEVNULL,
        "stdout": subprocess.PIPE,
        "stderr": subprocess.STDOUT if redirect_stderr else subprocess.PIPE,
        "close_fds": True, "process_group": 0,
    }
    if mask is not None:
        popen_kwargs["umask"] = mask
    if user is not None:
        popen_kwargs["user"] = user.pw_uid
        popen_kwargs["group"] = gid if gid is not None else user.pw_gid
        popen_kwargs["extra_groups"] = os.getgrouplist(user.pw_name, user.pw_gid)
    elif gid is not None:
        popen_kwargs["group"] = gid
    from saline import jobctl

    jobctl.check_cancelled()  # a killed job starts no more commands (saltutil.kill_job)
    try:
        proc = subprocess.Popen(args, **popen_kwargs)
    except FileNotFoundError:
        first = args[0] if isinstance(args, list) else executable or ""
        why = "No such file or directory" if "/" in first else "command not found"
        raise CommandExecutionError(f"Unable to run command '{shown}': {first}: {why}") from None
    except OSError as exc:
        who = f" as user '{user.pw_name}'" if user else ""
        raise CommandExecutionError(f"Unable to run command '{shown}'{who}: {exc.strerror or exc}") from None

    jobctl.child_started(proc.pid)  # its process group is the job's to signal
    try:
        return _finish(proc, data, timeout, args, cmd, level, logger, output_encoding, rstrip, codes, ok_out,
                       ok_err, ignore_retcode, hide_output)
    finally:
        jobctl.child_ended(proc.pid)


def _finish(proc: subprocess.Popen[bytes], data: bytes | None, timeout: Any, args: Any, cmd: Any, level: Any,
            logger: logging.Logger, output_encoding: str | None, rstrip: bool, codes: list[int],
            ok_out: list[str], ok_err: list[str], ignore_retcode: bool, hide_output: bool) -> dict[str, Any]:
    try:
        out, err = proc.communicate(data, timeout=float(timeout) if timeout else None)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        try:
            proc.communicate(timeout=_DRAIN_SECONDS)
        except subprocess.TimeoutExpired:
            pass  # a grandchild left the group and still holds the pipes: stop reading
        finally:
            for pipe in (proc.stdout, proc.stderr, proc.stdin):
                if pipe:
                    pipe.close()
            proc.wait()
        seconds = int(timeout) if float(timeout) == int(timeout) else timeout
        message = f"{args if isinstance(args, str) else repr(args)} : Timed out after {seconds} seconds"
        if level is not None:
            logger.error("Command '%s' timed out after %s seconds", _first_word(cmd), seconds)
        return {"pid": proc.pid, "retcode": 1, "stdout": message, "stderr": ""}
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise

    stdout, stderr = _decode(out, output_encoding), _decode(err, output_encoding)
    if rstrip:
        stdout, stderr = stdout.rstrip(), stderr.rstrip()
    retcode = proc.returncode
    if retcode in codes or any(s in stdout for s in ok_out) or any(s in stderr for s in ok_err):
        retcode = 0
    ret = {"pid": proc.pid, "retcode": retcode, "stdout": stdout, "stderr": stderr}
    if level is not None:
        if retcode != 0 and not ignore_retcode:
            logger.error("Command '%s' failed with return code: %s", _first_word(cmd), retcode)
            level = max(level, logging.ERROR)
        if not hide_output:
            if stdout:
                logger.log(level, "stdout: %s", stdout)
            if stderr:
                logger.log(level, "stderr: %s", stderr)
    return ret


def condition_retcode(cmd: str | Sequence[Any], **cmd_opts: Any) -> int:
    """Exit code of an ``onlyif``/``unless``/``check_cmd`` command, run through a shell like Salt.

    The state runner calls this directly while planning (``cmd.retcode`` is an action and refused
    there). ``cmd_opts`` are :func:`run_command` keywords (``cwd``, ``runas``, ``env``, ``umask``,
    ``timeout``, ``shell``, ``prepend_path``, ``success_retcodes``); unknown keys such as ``root``
    are ignored with a debug message. A command that cannot start gives exit code 127 (a shell's
    "not found"), never an exception.
    """
    accepted = {"cwd", "runas", "group", "env", "clean_env", "prepend_path", "umask", "timeout", "shell",
                "success_retcodes", "success_stdout", "success_stderr", "stdin", "reset_system_locale"}
    opts = {k: v for k, v in cmd_opts.items() if k in accepted}
    ignored = sorted(set(cmd_opts) - accepted)
    if ignored:
        log.debug("condition command: ignoring options %s", ", ".join(ignored))
    try:
        ret = run_command(cmd, python_shell=True, ignore_retcode=True, output_loglevel="quiet", **opts)
    except CommandExecutionError as exc:
        log.debug("condition command %r could not run: %s", cmd, exc)
        return 127
    return int(ret["retcode"])


def which(name: str, path: str | None = None) -> str | None:
    """Full path of executable ``name`` on ``PATH`` (or ``path``), else None."""
    import shutil

    if not name:
        return None
    found = shutil.which(str(name), path=path)
    if found is None and path is None:
        # Like Salt: also look in the usual sbin directories a daemon's PATH may lack
        extra = os.pathsep.join(d for d in ("/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/local/bin",
                                            "/usr/bin", "/bin") if os.path.isdir(d))
        found = shutil.which(str(name), path=extra)
    return found


def which_bin(names: Iterable[str]) -> str | None:
    """The first of ``names`` found by :func:`which`."""
    for name in names:
        found = which(name)
        if found:
            return found
    return None


def run_ok(cmd: Sequence[str], logger: logging.Logger | None = None) -> bool:
    """Run ``cmd`` without a shell; True when it exits 0, else False with the error logged.

    Salt's user/group functions answer True/False rather than raising, and so do ours.
    """
    res = run_command(list(cmd), python_shell=False, ignore_retcode=True, output_loglevel="trace")
    if res["retcode"] != 0:
        (logger or log).error("%s failed (%s): %s", cmd[0], res["retcode"],
                              (res["stderr"] or res["stdout"]).strip())
        return False
    return True
