"""``saline-call``: run an execution function on this host, like ``salt-call``.

Kept lean: nothing heavy is imported before the function that needs it runs, so
``saline-call --local test.ping`` starts fast.
"""

from __future__ import annotations

import difflib
import inspect
import json
import logging
import os
import sys
import time
from typing import Any

from saline.cli import SalineArgumentParser, add_output_options, setup_logging
from saline.errors import CommandNotFoundError, ConfigError, SalineError

log = logging.getLogger("saline.call")


def build_parser() -> SalineArgumentParser:
    parser = SalineArgumentParser(
        prog="saline-call",
        usage="saline-call [options] <function> [arguments]",
        description="Run a Saline execution function on this host.",
    )
    parser.add_argument("--local", action="store_true",
                        help="run masterless: files and pillar come from this host (file_client: local)")
    parser.add_argument("-c", "--config-dir", dest="config_dir", metavar="DIR",
                        help="configuration directory (default /etc/saline)")
    parser.add_argument("-l", "--log-level", dest="log_level",
                        choices=["all", "garbage", "trace", "debug", "profile", "info", "warning", "error",
                                 "critical", "quiet"], help="console log level (default warning)")
    parser.add_argument("--log-file", dest="log_file", metavar="FILE", help="also log to FILE")
    parser.add_argument("--retcode-passthrough", action="store_true",
                        help="exit with the function's return code (2 when a state failed)")
    parser.add_argument("--id", dest="minion_id", metavar="ID", help="use this minion id")
    parser.add_argument("--grains", dest="grains_json", metavar="JSON",
                        help="a JSON mapping of grains that override the collected ones")
    parser.add_argument("--file-root", dest="file_root", metavar="DIR", help="use DIR as the base file root")
    parser.add_argument("--pillar-root", dest="pillar_root", metavar="DIR",
                        help="use DIR as the base pillar root")
    parser.add_argument("-d", "--doc", "--documentation", dest="doc", action="store_true",
                        help="show the documentation of the function (sys.doc)")
    parser.add_argument("--skip-grains", action="store_true", help="do not collect grains")
    add_output_options(parser)
    parser.add_argument("fun", nargs="?", metavar="function", help="module.function to run")
    parser.add_argument("args", nargs="*", metavar="arguments",
                        help="positional values (YAML-typed) and key=value keyword arguments")
    return parser


def _overrides(ns: Any) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if ns.local:
        overrides["file_client"] = "local"
    if ns.minion_id:
        overrides["id"] = ns.minion_id
    if ns.file_root:
        overrides["file_roots"] = {"base": [os.path.abspath(ns.file_root)]}
    if ns.pillar_root:
        overrides["pillar_roots"] = {"base": [os.path.abspath(ns.pillar_root)]}
    if ns.log_level:
        overrides["log_level"] = ns.log_level
    if ns.grains_json:
        try:
            grains = json.loads(ns.grains_json)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"--grains: invalid JSON: {exc}") from None
        if not isinstance(grains, dict):
            raise ConfigError("--grains: expected a JSON object mapping grain names to values")
        overrides["grains_override"] = grains
    return overrides


def make_context(opts: dict[str, Any]) -> Any:
    """The execution context for this host: grains and pillar are loaded on first use."""
    from saline.loader import Context

    def load_grains() -> dict[str, Any]:
        from saline.minion.grains import collect

        grains = collect(opts)
        grains.update(opts.get("grains_override") or {})
        return grains

    def load_pillar() -> dict[str, Any]:
        from saline.minion.pillar_source import compile_pillar

        return compile_pillar(opts, ctx.grains)

    ctx = Context(opts, grains_loader=load_grains, pillar_loader=load_pillar)
    return ctx


def _suggest(ctx: Any, fun: str) -> list[str]:
    from saline.loader import list_modules, load_module

    names: list[str] = []
    grains = lambda: ctx.grains  # noqa: E731
    for module_name in list_modules(grains):
        module = load_module(module_name, grains)
        if module is not None:
            names.extend(f"{module_name}.{f}" for f in module.functions)
    return difflib.get_close_matches(fun, names, n=5, cutoff=0.75)


def _pub_kwargs(fun: str) -> dict[str, Any]:
    jid = time.strftime("%Y%m%d%H%M%S") + f"{int(time.time() * 1e6) % 1_000_000:06d}"
    return {"__pub_fun": fun, "__pub_pid": os.getpid(), "__pub_jid": jid, "__pub_tgt": "saline-call"}


def call_function(ctx: Any, fun: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Run ``fun`` with Salt's conventions; raises SaltInvocationError on a bad signature."""
    from saline.errors import SaltInvocationError
    from saline.loader import bind

    function = ctx.salt.function(fun)
    signature = inspect.signature(function.fn)
    takes_kwargs = any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values())
    if takes_kwargs:
        kwargs = {**kwargs, **_pub_kwargs(fun)}
    try:
        signature.bind(ctx, *args, **kwargs)
    except TypeError as exc:
        raise SaltInvocationError(f"Passed invalid arguments: {exc}.\n\nUsage:\n{function.doc}") from None
    return bind(function, ctx)(*args, **kwargs)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    ns = parser.parse_args(argv)
    setup_logging(ns.log_level or "warning", ns.log_file)
    if not ns.fun:
        parser.error("a function to run is required, e.g. test.ping")
    try:
        from saline.config import load_config

        opts = load_config("minion", ns.config_dir, _overrides(ns))
    except ConfigError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    setup_logging(ns.log_level or opts.get("log_level", "warning"), ns.log_file)
    from saline.args import parse_cli_args

    args, kwargs = parse_cli_args(ns.args)
    if "pillar" in kwargs and not isinstance(kwargs["pillar"], dict):
        sys.stderr.write("Error: pillar data must be formatted as a dictionary, e.g. pillar='{\"a\": 1}'\n")
        return 1
    if isinstance(kwargs.get("pillar"), dict):
        opts["pillar_override"] = kwargs["pillar"]
    if ns.doc:
        args, kwargs, ns.fun = [ns.fun], {}, "sys.doc"
    ctx = make_context(opts)
    if ns.skip_grains:
        ctx.grains = dict(opts.get("grains_override") or {})
    return run_and_print(ctx, ns, args, kwargs)


def run_and_print(ctx: Any, ns: Any, args: list[Any], kwargs: dict[str, Any]) -> int:
    fun = ns.fun
    try:
        function = ctx.salt.function(fun)
    except CommandNotFoundError as exc:
        sys.stderr.write(f"{exc}\n")
        close = _suggest(ctx, fun)
        if close:
            sys.stderr.write(f"Did you mean: {', '.join(close)}?\n")
        return 1
    try:
        ret = call_function(ctx, fun, args, kwargs)
    except SalineError as exc:
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            log.exception("%s failed", fun)
        sys.stderr.write(f"Error running '{fun}': {exc}\n")
        return 1
    except Exception as exc:  # a module bug: still no traceback unless debugging
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            log.exception("%s raised", fun)
        sys.stderr.write(f"Error running '{fun}': {type(exc).__name__}: {exc}\n")
        return 1
    retcode = ctx.retcode
    fmt = ns.output or ctx.opts.get("output") or getattr(function.fn, "outputter", None) or "nested"
    out_opts = {**ctx.opts, **{k: v for k, v in vars(ns).items() if v is not None}}
    try:
        from saline.output import emit

        emit({"local": ret}, fmt, out_opts)
    except (SalineError, OSError) as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    if retcode:
        return retcode if ns.retcode_passthrough else 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
