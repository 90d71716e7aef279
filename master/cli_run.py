"""``saline-run``: run a runner on the master, like ``salt-run``.

``saline-run FUN [ARG ...] [key=value ...]`` sends ``{"cmd": "runner", "fun", "arg", "kwarg"}`` to the
master's local socket (``ipc://<sock_dir>/master.ipc``, msgpack over a zmq DEALER). While the runner
runs the master may push ``{"print": line}`` messages (``state.event``), which go to stdout at once;
the final reply is ``{"return": data}`` or ``{"error": message}``. Like Salt, the return is printed
unwrapped (no ``local:`` / minion key) with the nested outputter unless ``--out`` says otherwise, and a
runner may pick its outputter by returning ``{"outputter": name, "data": ...}``.

Exit codes: 0 success; 1 when the runner is unknown, fails, or the master cannot be reached;
2 for bad command-line options.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from saline.cli import SalineArgumentParser, add_logging_options, add_output_options, setup_logging
from saline.errors import ConfigError, SalineError

log = logging.getLogger("saline.run")

# A transport sends one request and returns the final reply, passing pushed lines to ``on_print``.
Transport = Callable[[dict[str, Any], Callable[[str], None]], dict[str, Any]]
_POLL_MS = 500


class MasterUnreachable(SalineError):
    """The master's local socket is missing or the master stopped answering."""


def build_parser() -> SalineArgumentParser:
    parser = SalineArgumentParser(
        prog="saline-run",
        usage="saline-run [options] <function> [arguments]",
        description="Run a runner on the Saline master.",
    )
    parser.add_argument("-c", "--config-dir", dest="config_dir", metavar="DIR",
                        help="configuration directory (default $SALINE_CONFIG_DIR, else /etc/saline)")
    parser.add_argument("-t", "--timeout", dest="timeout", type=float, metavar="SECONDS",
                        help="how long runners that ask minions (manage.up, jobs.active) wait for them")
    parser.add_argument("--no-parse", dest="no_parse", metavar="ARG1,ARG2", default="",
                        help="comma-separated keyword arguments whose values are not YAML-typed")
    add_output_options(parser)
    add_logging_options(parser)
    parser.add_argument("fun", metavar="function", help="runner to run, e.g. jobs.list_jobs")
    parser.add_argument("args", nargs="*", metavar="argument", help="arguments: positional values and key=value")
    return parser


def request_for(fun: str, argv: list[str], no_parse: list[str] = (), timeout: float | None = None) -> dict[str, Any]:
    """The ipc request for ``saline-run FUN ARGV...`` (arguments typed like Salt's CLI)."""
    from saline import wire
    from saline.args import parse_cli_args

    args, kwargs = parse_cli_args(argv, no_parse)
    # msgpack carries 64-bit integers only; a jid typed as a number (20 digits) travels as its text
    args, kwargs = wire.wire_safe(args), wire.wire_safe(kwargs)
    if timeout is not None and "timeout" not in kwargs and fun in ("manage.up", "manage.down", "manage.status",
                                                                   "jobs.active"):
        kwargs["timeout"] = timeout
    return {"cmd": "runner", "fun": fun, "arg": args, "kwarg": kwargs}


def ipc_transport(opts: dict[str, Any]) -> Transport:
    """Talk to the running master over ``ipc://<sock_dir>/master.ipc``."""
    path = os.path.join(opts["sock_dir"], "master.ipc")

    def send(request: dict[str, Any], on_print: Callable[[str], None]) -> dict[str, Any]:
        if not os.path.exists(path):
            raise MasterUnreachable(
                f"The saline master could not be contacted (no socket at {path}). Is saline-master running?"
            )
        import zmq
        from saline import wire

        ctx = zmq.Context.instance()
        sock = ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        try:
            sock.connect(f"ipc://{path}")
            sock.send(wire.pack(request))
            return _receive(sock, path, on_print)
        except KeyboardInterrupt:
            # tell the master to stop a streaming runner (state.event) for this client
            sock.send(wire.pack({"cmd": "runner_stop"}))
            raise
        finally:
            sock.close()

    return send


def _receive(sock: Any, path: str, on_print: Callable[[str], None]) -> dict[str, Any]:
    from saline import wire

    while True:
        if not sock.poll(_POLL_MS):
            if not os.path.exists(path):
                raise MasterUnreachable("The saline master went away while the runner was running")
            continue
        message = wire.unpack(sock.recv())
        if not isinstance(message, dict):
            raise MasterUnreachable(f"Unexpected reply from the master: {message!r}")
        if "print" in message and "return" not in message and "error" not in message:
            on_print(str(message["print"]))
            continue
        return message


def local_transport(api: Any) -> Transport:
    """Run the runner in this process against ``api`` (a MasterAPI): tests and daemonless use."""

    def send(request: dict[str, Any], on_print: Callable[[str], None]) -> dict[str, Any]:
        from saline.master.runners import run_runner

        api.emit = on_print
        try:
            return {"return": run_runner(api, request["fun"], request.get("arg") or [], request.get("kwarg") or {})}
        except SalineError as exc:
            return {"error": str(exc)}

    return send


def _print_line(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def print_return(data: Any, ns: Any, opts: dict[str, Any], printed: bool) -> None:
    from saline.output import emit

    fmt = ns.output or opts.get("output")
    if isinstance(data, dict) and set(data) == {"outputter", "data"} and isinstance(data["outputter"], str):
        fmt = fmt or data["outputter"]
        data = data["data"]
    if data is None and printed:
        return  # state.event: the events were the output
    out_opts = {**opts, **{k: v for k, v in vars(ns).items() if v is not None}}
    emit(data, fmt or "nested", out_opts)


def run(ns: Any, opts: dict[str, Any], transport: Transport) -> int:
    """Send the request, stream pushed lines, print the reply; the exit code."""
    request = request_for(ns.fun, ns.args, [k for k in ns.no_parse.split(",") if k], ns.timeout)
    printed = False

    def on_print(line: str) -> None:
        nonlocal printed
        printed = True
        _print_line(line)

    reply = transport(request, on_print)
    if "error" in reply:
        print_return(str(reply["error"]), ns, opts, False)
        return 1
    print_return(reply.get("return"), ns, opts, printed)
    return 0


def main(argv: list[str] | None = None, transport: Transport | None = None) -> int:
    parser = build_parser()
    ns = parser.parse_args(sys.argv[1:] if argv is None else argv)
    from saline.config import load_config

    try:
        opts = load_config("master", ns.config_dir)
    except ConfigError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    setup_logging(ns.log_level or opts.get("log_level", "warning"))
    try:
        return run(ns, opts, transport or ipc_transport(opts))
    except MasterUnreachable as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    except SalineError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("\nExiting gracefully on Ctrl-c\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
