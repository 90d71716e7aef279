"""``docker`` functions that run commands inside a running container (``docker exec``).

Salt's ``docker.run`` builds a ``docker exec NAME env -i PATH=... CMD`` command line and, with
``python_shell=True``, hands it to the *host's* shell: ``;``, ``|`` and ``$VAR`` in the command are
then interpreted on the host, not in the container. Saline runs the command through the Engine API
and, with ``python_shell=True`` (the default), through ``/bin/sh -c`` *inside* the container, which is
what the command's author meant. The environment is cleared like Salt's (only a standard ``PATH``,
plus the host variables named in ``keep_env``) unless ``keep_env=True``.
"""

from __future__ import annotations

import os
import shlex
import socket
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context
from saline.modules.docker_common import EXEC_PATH, api, decode, mod


def _argv(cmd: Any, python_shell: Any, keep_env: Any) -> list[str]:
    if isinstance(cmd, (list, tuple)):
        argv = [str(x) for x in cmd]
    elif not str(cmd).strip():
        raise SaltInvocationError("cmd must not be empty")
    elif python_shell:
        argv = ["/bin/sh", "-c", str(cmd)]
    else:
        argv = shlex.split(str(cmd))
    if keep_env is True:
        return argv
    if keep_env in (None, False, ""):
        keep: list[str] = []
    elif isinstance(keep_env, (list, tuple)):
        keep = [str(x) for x in keep_env]
    else:
        keep = [x.strip() for x in str(keep_env).split(",") if x.strip()]
    env = [] if "PATH" in keep else [f"PATH={EXEC_PATH}"]
    env.extend(f"{k}={os.environ[k]}" for k in keep if k in os.environ)
    return ["env", "-i", *env, *argv]


def _exec(ctx: Context, name: str, cmd: Any, stdin: Any, python_shell: Any, keep_env: Any,
          combined: bool) -> dict[str, Any]:
    """Run the command; ``{pid, retcode, stdout, stderr}`` (stderr folded into stdout if ``combined``)."""
    from docker.utils import socket as dsock

    argv = _argv(cmd, python_shell, keep_env)
    created = api(ctx, "exec_create", str(name), argv, stdout=True, stderr=True, stdin=stdin is not None)
    exec_id = created["Id"]
    if stdin is not None:
        sock = api(ctx, "exec_start", exec_id, socket=True)
        raw = getattr(sock, "_sock", sock)
        try:
            data = stdin if isinstance(stdin, bytes) else str(stdin).encode()
            raw.sendall(data)
            raw.shutdown(socket.SHUT_WR)
            frames = dsock.frames_iter(sock, tty=False)
            if combined:
                out: Any = (b"".join(f[1] for f in frames), b"")
            else:
                out = dsock.consume_socket_output((dsock.demux_adaptor(*f) for f in frames), demux=True)
        except OSError as exc:
            raise CommandExecutionError(f"Failed to exchange data with container '{name}': {exc}") from exc
        finally:
            sock.close()
    elif combined:
        out = (api(ctx, "exec_start", exec_id, demux=False), b"")
    else:
        out = api(ctx, "exec_start", exec_id, demux=True)
    info = api(ctx, "exec_inspect", exec_id)
    stdout, stderr = (decode(x).rstrip() for x in out)
    return {"pid": info.get("Pid", 0), "retcode": info.get("ExitCode"), "stdout": stdout, "stderr": stderr}


def _run(ctx: Context, name: str, cmd: Any, stdin: Any, python_shell: Any, ignore_retcode: Any,
         keep_env: Any, combined: bool = False) -> dict[str, Any]:
    ret = _exec(ctx, name, cmd, stdin, python_shell, keep_env, combined)
    code = 0 if ignore_retcode else int(ret["retcode"] or 0)
    ctx.retcode = code
    ctx.scratch["retcode"] = code
    if code:
        ctx.log.error("Command %r in container %s failed with return code %s", cmd, name, ret["retcode"])
    return ret


@mod.action(name="run")
def run(ctx: Context, name: str, cmd: Any, exec_driver: Any = None, stdin: Any = None, python_shell: bool = True,
        output_loglevel: str = "debug", use_vt: bool = False, ignore_retcode: bool = False,
        keep_env: Any = None) -> str:
    """Run ``cmd`` in running container ``name``; return its output (stdout and stderr together).

    ``python_shell=True`` runs it with ``/bin/sh -c`` in the container; ``False`` splits it like a shell
    and executes it directly. ``stdin`` is fed to the command. The environment holds only a standard
    ``PATH`` unless ``keep_env`` is ``True`` (the container's own environment) or names host variables
    to pass in (list or comma-separated). A non-zero exit sets the call's return code unless
    ``ignore_retcode=True``. ``exec_driver``, ``output_loglevel``, ``use_vt`` are accepted and ignored.

    CLI Example: ``saline-call --local docker.run web 'cat /etc/hostname'``
    """
    return _run(ctx, name, cmd, stdin, python_shell, ignore_retcode, keep_env, combined=True)["stdout"]


@mod.action
def run_all(ctx: Context, name: str, cmd: Any, exec_driver: Any = None, stdin: Any = None,
            python_shell: bool = True, output_loglevel: str = "debug", use_vt: bool = False,
            ignore_retcode: bool = False, keep_env: Any = None) -> dict[str, Any]:
    """Run ``cmd`` in container ``name``; return ``{pid, retcode, stdout, stderr}`` (see ``docker.run``).

    ``pid`` is the host PID the engine gave the exec'd process.

    CLI Example: ``saline-call --local docker.run_all web 'ls /nonexistent'``
    """
    return _run(ctx, name, cmd, stdin, python_shell, ignore_retcode, keep_env)


@mod.action
def run_stdout(ctx: Context, name: str, cmd: Any, exec_driver: Any = None, stdin: Any = None,
               python_shell: bool = True, output_loglevel: str = "debug", use_vt: bool = False,
               ignore_retcode: bool = False, keep_env: Any = None) -> str:
    """Run ``cmd`` in container ``name``; return only its stdout (see ``docker.run``).

    CLI Example: ``saline-call --local docker.run_stdout web 'echo $PATH'``
    """
    return _run(ctx, name, cmd, stdin, python_shell, ignore_retcode, keep_env)["stdout"]


@mod.action
def run_stderr(ctx: Context, name: str, cmd: Any, exec_driver: Any = None, stdin: Any = None,
               python_shell: bool = True, output_loglevel: str = "debug", use_vt: bool = False,
               ignore_retcode: bool = False, keep_env: Any = None) -> str:
    """Run ``cmd`` in container ``name``; return only its stderr (see ``docker.run``).

    CLI Example: ``saline-call --local docker.run_stderr web 'ls /nonexistent'``
    """
    return _run(ctx, name, cmd, stdin, python_shell, ignore_retcode, keep_env)["stderr"]


@mod.action
def retcode(ctx: Context, name: str, cmd: Any, exec_driver: Any = None, stdin: Any = None,
            python_shell: bool = True, output_loglevel: str = "debug", use_vt: bool = False,
            ignore_retcode: bool = False, keep_env: Any = None) -> int:
    """Run ``cmd`` in container ``name``; return its exit code (see ``docker.run``).

    CLI Example: ``saline-call --local docker.retcode web 'test -f /etc/passwd'``
    """
    return int(_run(ctx, name, cmd, stdin, python_shell, ignore_retcode, keep_env)["retcode"] or 0)
