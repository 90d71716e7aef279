"""``saline-call``: run an execution function on this host, like ``salt-call``.

Kept lean: nothing heavy is imported before the function that needs it runs, so
``saline-call --local test.ping`` starts fast. stdout carries only the outputter's text; logs,
warnings and errors go to stderr.

Exit codes: 0 success; 1 when the function is unknown, raised, was called with bad arguments or set
a non-zero return code (the code itself with ``--retcode-passthrough``); 2 for bad command-line
options (with the usage line).
"""

from __future__ import annotations

import inspect
import logging
import os
import sys
import time
from typing import Any

from saline.cli import SalineArgumentParser, add_logging_options, add_output_options, setup_logging
from saline.errors import CommandNotFoundError, ConfigError, SalineError, SaltInvocationError

log = logging.getLogger("saline.call")


def build_parser() -> SalineArgumentParser:
    parser = SalineArgumentParser(
        prog="saline-call",
        usage="saline-call [options] <function> [arguments]",
        description="Run a Saline execution function on this host.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("-V", "--versions-report", action="store_true",
                        help="print the versions of Saline and its dependencies and exit")
    parser.add_argument("--local", action="store_true",
                        help="run masterless: files and pillar come from this host (file_client: local)")
    parser.add_argument("-c", "--config-dir", dest="config_dir", metavar="DIR",
                        help="configuration directory (default $SALINE_CONFIG_DIR, else /etc/saline)")
    parser.add_argument("--retcode-passthrough", action="store_true",
                        help="exit with the function's return code instead of 1")
    parser.add_argument("--id", dest="minion_id", metavar="ID", help="use this minion id")
    parser.add_argument("-g", "--grains", dest="grains", nargs="?", const=True, metavar="JSON",
                        help="alone: print this host's grains; with a JSON object: override those grains")
    parser.add_argument("--skip-grains", action="store_true", help="do not collect grains")
    parser.add_argument("--file-root", dest="file_root", metavar="DIR", help="use DIR as the base file root")
    parser.add_argument("--pillar-root", dest="pillar_root", metavar="DIR",
                        help="use DIR as the base pillar root")
    parser.add_argument("-d", "--doc", "--documentation", dest="doc", action="store_true",
                        help="show the documentation of the named function or module (all when none)")
    parser.add_argument("--no-parse", dest="no_parse", metavar="ARG1,ARG2", default="",
                        help="comma-separated keyword arguments whose values are not YAML-typed")
    parser.add_argument("--args-stdin", action="store_true",
                        help="read more arguments from stdin, one per line")
    parser.add_argument("--cachedir", metavar="DIR", help="cache directory (overrides the cachedir option)")
    parser.add_argument("--hard-crash", action="store_true",
                        help="let an exception in the function end the program with its traceback")
    add_output_options(parser)
    add_logging_options(parser)
    parser.add_argument("fun", nargs="?", metavar="function", help="module.function to run")
    parser.add_argument("args", nargs="*", metavar="arguments",
                        help="positional values (YAML-typed) and key=value keyword arguments")
    return parser


def _grains_override(ns: Any, parser: SalineArgumentParser) -> dict[str, Any] | None:
    if not isinstance(ns.grains, str):
        return None
    text = ns.grains.strip()
    if not text.startswith("{"):
        parser.error(f"-g/--grains takes no function or argument (got {ns.grains!r}); "
                     "use --grains '{\"key\": \"value\"}' to override grains")
    import json

    try:
        grains = json.loads(text)
    except json.JSONDecodeError as exc:
        parser.error(f"--grains: invalid JSON: {exc}")
    if not isinstance(grains, dict):
        parser.error("--grains: expected a JSON object mapping grain names to values")
    return grains


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
    for key in ("log_level", "log_level_logfile"):
        if getattr(ns, key, None):
            overrides[key] = getattr(ns, key)
    return overrides


def make_context(opts: dict[str, Any]) -> Any:
    """The execution context for this host: grains and pillar are loaded on first use."""
    from saline.loader import Context

    def load_grains() -> dict[str, Any]:
        if opts.get("skip_grains"):
            return dict(opts.get("grains_override") or {})
        from saline.minion.grains import collect

        grains = collect(opts)
        grains.update(opts.get("grains_override") or {})
        return grains

    def load_pillar() -> dict[str, Any]:
        from saline.minion.pillar_source import compile_pillar

        return compile_pillar(opts, ctx.grains)

    ctx = Context(opts, grains_loader=load_grains, pillar_loader=load_pillar)
    from saline.loader import use_extension_modules

    use_extension_modules(opts)  # custom modules from saltutil.sync_*
    return ctx


def _not_available(ctx: Any, fun: str) -> str:
    """Salt's message for an unknown function, plus why the module is missing or close names."""
    import difflib

    from saline.loader import list_modules, load_module, missing_modules

    lines = [f"'{fun}' is not available."]
    grains = lambda: ctx.grains  # noqa: E731
    mod_name = fun.rpartition(".")[0]
    try:
        reason = missing_modules(grains).get(mod_name) if mod_name else None
        names: list[str] = []
        for module_name in list_modules(grains):
            module = load_module(module_name, grains)
            if module is not None:
                names.extend(f"{module_name}.{f}" for f in module.functions)
    except Exception as exc:  # a broken third-party module must not hide the real message
        log.debug("listing modules failed: %s", exc)
        return lines[0]
    if reason:
        lines.append(f"Module '{mod_name}' is not available on this host: {reason}")
    close = difflib.get_close_matches(fun, names, n=5, cutoff=0.75)
    if close:
        lines.append(f"Did you mean: {', '.join(close)}?")
    return "\n".join(lines)


def _pub_kwargs(fun: str) -> dict[str, Any]:
    now = time.time()
    jid = time.strftime("%Y%m%d%H%M%S", time.localtime(now)) + f"{int(now * 1e6) % 1_000_000:06d}"
    return {"__pub_fun": fun, "__pub_pid": os.getpid(), "__pub_jid": jid, "__pub_tgt": "saline-call"}


class _DefaultMark:
    def __repr__(self) -> str:
        return "_D"


def check_arguments(function: Any, args: list[Any], kwargs: dict[str, Any]) -> bool:
    """Refuse a call the function cannot take, with Salt's messages; True when it takes ``**kwargs``.

    Keyword arguments a function does not declare are listed first (``The following keyword
    arguments are not valid: a=b``); other mismatches report Python's own wording for the function
    as the user sees it, without the context parameter.
    """
    params = list(inspect.signature(function.fn).parameters.values())[1:]  # drop ctx
    takes_kwargs = any(p.kind == p.VAR_KEYWORD for p in params)
    if not takes_kwargs:
        names = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        invalid = [f"{key}={value}" for key, value in kwargs.items() if key not in names]
        if invalid:
            raise SaltInvocationError(f"The following keyword arguments are not valid: {', '.join(invalid)}")
    # A stub with the same parameters gives exactly Python's message for this call.
    mark = _DefaultMark()
    stub_sig = inspect.Signature(
        [p.replace(annotation=p.empty, default=mark if p.default is not p.empty else p.empty) for p in params]
    )
    namespace: dict[str, Any] = {"_D": None}
    exec(f"def {function.fn.__name__}{stub_sig}: pass", namespace)  # a signature we built, not user text
    try:
        namespace[function.fn.__name__](*args, **kwargs)
    except TypeError as exc:
        raise SaltInvocationError(f"Passed invalid arguments: {exc}.\n\nUsage:\n{function.doc}") from None
    return takes_kwargs


def call_function(ctx: Any, fun: str, args: list[Any], kwargs: dict[str, Any],
                  pub: dict[str, Any] | None = None) -> Any:
    """Run ``fun`` with Salt's conventions; SaltInvocationError on arguments it cannot take.

    Functions taking ``**kwargs`` also get Salt's ``__pub_*`` keys: ``pub`` when the call is a job from a
    master (its jid and target), else saline-call's own.
    """
    from saline.loader import bind

    function = ctx.salt.function(fun)
    if check_arguments(function, args, kwargs):
        kwargs = {**kwargs, **(pub if pub is not None else _pub_kwargs(fun))}
    return bind(function, ctx)(*args, **kwargs)


def _version_text() -> str:
    from saline import __version__

    return f"saline-call {__version__}\n"


def parse_command_line(parser: SalineArgumentParser, argv: list[str]) -> Any:
    """Options may come before, between or after the arguments, like salt-call; everything after
    the first ``--`` is an argument, verbatim (argparse alone would drop later ``--`` too)."""
    tail: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, tail = argv[:cut], argv[cut + 1:]
    ns = parser.parse_intermixed_args(argv)
    if tail and ns.fun is None:
        ns.fun, tail = tail[0], tail[1:]
    ns.args = [*ns.args, *tail]
    return ns


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    ns = parse_command_line(parser, sys.argv[1:] if argv is None else list(argv))
    setup_logging(ns.log_level or "warning")
    if ns.version:
        sys.stdout.write(_version_text())
        return 0
    grains_override = _grains_override(ns, parser)
    show_grains = ns.grains is True or (grains_override is not None and not ns.fun)
    if not ns.fun and not ns.doc and not show_grains and not ns.versions_report:
        parser.error("a function to run is required (e.g. test.ping), or --grains or --doc")
    if show_grains and ns.fun:
        parser.error("-g/--grains prints the grains and takes no function")
    try:
        from saline.config import load_config

        opts = load_config("minion", ns.config_dir, _overrides(ns))
    except ConfigError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    # explicit paths are used as given, not moved under root_dir
    if ns.log_file:
        opts["log_file"] = os.path.abspath(ns.log_file)
    if ns.cachedir:
        opts["cachedir"] = os.path.abspath(ns.cachedir)
    setup_logging(opts.get("log_level", "warning"), opts.get("log_file"),
                  opts.get("log_level_logfile") or opts.get("log_level"))
    opts["grains_override"] = grains_override or {}
    opts["skip_grains"] = ns.skip_grains
    from saline.args import parse_cli_args

    if ns.args_stdin:
        ns.args = [*ns.args, *(line.rstrip("\n") for line in sys.stdin if line.strip())]
    args, kwargs = parse_cli_args(ns.args, [k for k in ns.no_parse.split(",") if k])
    if isinstance(kwargs.get("pillar"), dict):
        opts["pillar_override"] = kwargs["pillar"]
    ctx = make_context(opts)
    link = None
    if opts.get("file_client", "remote") == "remote":  # files, pillar and events from the master (lazily)
        from saline.minion.remote_call import use_master

        link = use_master(ctx)
    try:
        if ns.versions_report:
            sys.stdout.write(f"{call_function(ctx, 'test.versions_report', [], {})}\n")
            return 0
        if show_grains:
            return _print(ctx, ns, {"local": ctx.grains})
        if ns.doc:
            return _print_doc(ctx, ns)
        return run_and_print(ctx, ns, args, kwargs)
    finally:
        if link is not None:
            link.close()


def _print(ctx: Any, ns: Any, data: Any, fmt: str | None = None, retcode: int = 0) -> int:
    fmt = ns.output or fmt or ctx.opts.get("output") or "nested"
    out_opts = {**ctx.opts, **{k: v for k, v in vars(ns).items() if v is not None}, "_retcode": retcode}
    from saline.output import emit

    try:
        emit(data, fmt, out_opts)
    except (SalineError, OSError) as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    except Exception as exc:  # data the outputter cannot show: say so, no traceback
        log.debug("outputter %s failed", fmt, exc_info=True)
        sys.stderr.write(f"Error: the {fmt} outputter cannot show this result: {type(exc).__name__}: {exc}\n")
        return 1
    return 0


def _print_doc(ctx: Any, ns: Any) -> int:
    """``-d``: the docs of the functions whose names start with the argument (all without one)."""
    docs = call_function(ctx, "sys.doc", [ns.fun] if ns.fun else [], {})
    prefix = ns.fun or ""
    docs = {name: text for name, text in docs.items() if name.startswith(prefix)}
    if ns.output:
        return _print(ctx, ns, {"local": docs})
    sys.stdout.write("".join(f"{name}:\n{docs[name]}\n\n" for name in sorted(docs)))
    return 0


def run_and_print(ctx: Any, ns: Any, args: list[Any], kwargs: dict[str, Any]) -> int:
    fun = ns.fun
    try:
        function = ctx.salt.function(fun)
    except CommandNotFoundError:
        sys.stderr.write(_not_available(ctx, fun) + "\n")
        return 1
    try:
        check_arguments(function, args, kwargs)
    except SaltInvocationError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    log.debug("Executing %s with args %r and kwargs %r", fun, args, kwargs)
    try:
        ret = call_function(ctx, fun, args, kwargs)
    except SalineError as exc:
        if ns.hard_crash:
            raise
        log.debug("%s failed", fun, exc_info=True)
        sys.stderr.write(f"Error running '{fun}': {exc}\n")
        return 1
    except Exception as exc:  # a module bug: still no traceback unless debugging
        if ns.hard_crash:
            raise
        log.debug("%s raised", fun, exc_info=True)
        sys.stderr.write(f"Error running '{fun}': {type(exc).__name__}: {exc}\n")
        return 1
    rc = _print(ctx, ns, {"local": ret}, getattr(function.fn, "outputter", None), ctx.retcode)
    if rc:
        return rc
    if ctx.retcode:
        return ctx.retcode if ns.retcode_passthrough else 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
