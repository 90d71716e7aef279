"""``state.show_*``: render and compile state trees without running them (read-only).

Salt's names, arguments and return shapes. A tree that fails to render or compile returns the list
of error strings (and a non-zero retcode) like Salt. One deliberate difference:
``state.show_low_sls`` shows the chunks a run would really execute (extend, ``_in`` requisites and
``exclude`` applied), as ``state.show_lowstate`` always did; see docs/states.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.modules.state import mod

EX_STATE_COMPILER_ERROR = 1


def _sls_context(ctx: Any, kwargs: dict[str, Any], test: Any = None) -> Any:
    """A context for one call: ``saltenv``/``pillarenv``/``pillar``/``test`` overrides applied."""
    from saline.loader import Context

    pillar_override = kwargs.get("pillar")
    if pillar_override is not None and not isinstance(pillar_override, dict):
        raise SaltInvocationError("Pillar data must be formatted as a dictionary, unless pillar_enc is "
                                  "specified.")
    opts = dict(ctx.opts)
    saltenv = kwargs.get("saltenv")
    if saltenv is not None:
        if opts.get("lock_saltenv") and str(saltenv) != opts.get("saltenv"):
            raise CommandExecutionError("lock_saltenv is enabled, saltenv cannot be changed")
        opts["saltenv"] = str(saltenv)
    if kwargs.get("pillarenv") is not None:
        opts["pillarenv"] = str(kwargs["pillarenv"])
    if test is not None or "test" in kwargs:
        opts["test"] = bool(test if test is not None else kwargs.get("test"))
    new = Context(opts, grains_loader=ctx.grains_loader, pillar_loader=ctx.pillar_loader,
                  fileclient_loader=ctx.fileclient_loader, planning=ctx.planning, log=ctx.log,
                  scratch=ctx.scratch, pillar_compiler=ctx.pillar_compiler)
    new.grains = ctx.grains
    new._fileclient = ctx._fileclient
    pillarenv = kwargs.get("pillarenv")
    if pillarenv is None and opts.get("pillarenv_from_saltenv") and saltenv is not None:
        pillarenv = saltenv
    if pillar_override or pillarenv is not None:
        from saline.modules.pillar import fresh_pillar

        new.pillar = fresh_pillar(ctx, pillarenv=None if pillarenv is None else str(pillarenv),
                                  saltenv=opts.get("saltenv"), override=pillar_override)
    else:
        new.pillar = ctx.pillar
    _check_pillar(new, ctx)
    return new


def _check_pillar(ctx: Any, outer: Any) -> None:
    errors = ctx.pillar.get("_errors") if isinstance(ctx.pillar, dict) else None
    if errors:
        outer.retcode = 5
        lines = "\n".join(f"- {err}" for err in errors)
        raise CommandExecutionError(f"Pillar failed to render. Additional info follows:\n{lines}")


def _failed(outer: Any, errors: list[str]) -> list[str]:
    outer.retcode = EX_STATE_COMPILER_ERROR
    return list(errors)


def _saltenv(ctx: Any) -> str:
    return ctx.opts.get("saltenv") or "base"


def _top(ctx: Any) -> tuple[dict[str, list[str]], list[str]]:
    """The top-file result for this minion, ``({saltenv: [sls, ...]}, errors)``."""
    from saline.top import highstate_matches

    return highstate_matches(ctx)


def _compiled(ctx: Any, outer: Any, render: Callable[[], tuple[dict[str, Any], list[str]]]) -> Any:
    from saline.states.engine.compiler import StateCompileError, compile_low

    high, errors = render()
    try:
        return compile_low(high, ctx.opts, render_errors=errors)
    except StateCompileError as exc:
        return _failed(outer, exc.errors)


@mod.query
def show_sls(ctx: Any, mods: Any, test: Any = None, queue: Any = False, **kwargs: Any) -> Any:
    """Show the high data of SLS files (with their includes), as rendered for this minion.

    ``mods`` is a comma separated list or a list of SLS names; ``saltenv`` picks the environment
    (default ``base``), ``pillar`` adds pillar data on top, ``pillarenv`` and ``test`` are
    accepted. ``extend`` and ``exclude`` are shown raw under ``__extend__`` and ``__exclude__``.
    Render errors are returned as a list of strings.

    CLI Example::

        saline-call state.show_sls core,edit.vim saltenv=dev
        saline-call --local state.show_sls nginx pillar='{"nginx": {"port": 8080}}'
    """
    from saline.states.engine.compiler import render_high, verify_high

    sctx = _sls_context(ctx, kwargs, test)
    high, errors = render_high(sctx, mods, _saltenv(sctx))
    errors += verify_high(high)
    if errors:
        return _failed(ctx, errors)
    return high


@mod.query
def show_low_sls(ctx: Any, mods: Any, test: Any = None, queue: Any = False, **kwargs: Any) -> Any:
    """Show the low chunks that applying the SLS files would run, in execution order.

    Same arguments as ``state.show_sls``. Unlike Salt's, the chunks already have ``extend``,
    ``_in`` requisites and ``exclude`` applied: this is exactly what ``state.sls`` executes.

    CLI Example::

        saline-call state.show_low_sls foo
        saline-call --local state.show_low_sls nginx saltenv=dev
    """
    from saline.states.engine.compiler import render_high

    sctx = _sls_context(ctx, kwargs, test)
    return _compiled(sctx, ctx, lambda: render_high(sctx, mods, _saltenv(sctx)))


@mod.query
def sls_exists(ctx: Any, mods: Any, test: Any = None, queue: Any = False, **kwargs: Any) -> bool:
    """True when the SLS files exist and render to valid high data, else False.

    CLI Example::

        saline-call state.sls_exists core,edit.vim saltenv=dev
    """
    return isinstance(show_sls(ctx, mods, test=test, queue=queue, **kwargs), dict)


@mod.query
def id_exists(ctx: Any, ids: Any, mods: Any, test: Any = None, queue: Any = False, **kwargs: Any) -> bool:
    """True when every ID of ``ids`` (comma separated or a list) is declared by the SLS files.

    CLI Example::

        saline-call state.id_exists create_myfile,update_template filestate saltenv=dev
    """
    from saline.states.engine.compiler import split_mods

    wanted = set(split_mods(ids))
    chunks = show_low_sls(ctx, mods, test=test, queue=queue, **kwargs)
    found = {chunk["__id__"] for chunk in chunks if isinstance(chunk, dict)}
    return wanted.issubset(found)


@mod.query
def show_top(ctx: Any, queue: Any = False, **kwargs: Any) -> Any:
    """Show the SLS files the top file assigns to this minion: ``{saltenv: [sls, ...]}``.

    CLI Example::

        saline-call state.show_top
    """
    sctx = _sls_context(ctx, kwargs)
    matches, errors = _top(sctx)
    if errors:
        return _failed(ctx, errors)
    return matches


@mod.query
def show_highstate(ctx: Any, queue: Any = False, **kwargs: Any) -> Any:
    """Show the high data of this minion's highstate (the top file's SLS files, rendered).

    ``pillar`` adds pillar data on top. Render errors are returned as a list of strings.

    CLI Example::

        saline-call state.show_highstate
    """
    from saline.states.engine.compiler import render_highstate

    sctx = _sls_context(ctx, kwargs)
    matches, errors = _top(sctx)
    high, render_errors = render_highstate(sctx, matches)
    errors += render_errors
    if errors:
        return _failed(ctx, errors)
    return high


@mod.query
def show_lowstate(ctx: Any, queue: Any = False, **kwargs: Any) -> Any:
    """Show the low chunks a highstate would run, in execution order.

    CLI Example::

        saline-call state.show_lowstate
    """
    from saline.states.engine.compiler import render_highstate

    sctx = _sls_context(ctx, kwargs)

    def render() -> tuple[dict[str, Any], list[str]]:
        matches, errors = _top(sctx)
        high, render_errors = render_highstate(sctx, matches)
        return high, errors + render_errors

    return _compiled(sctx, ctx, render)


@mod.query
def show_states(ctx: Any, queue: Any = False, **kwargs: Any) -> Any:
    """List the SLS names a highstate would apply, in the order their states first run.

    CLI Example::

        saline-call state.show_states
    """
    chunks = show_lowstate(ctx, queue=queue, **kwargs)
    if chunks and not all(isinstance(chunk, dict) for chunk in chunks):
        return chunks
    return list(dict.fromkeys(chunk["__sls__"] for chunk in chunks))


@mod.query
def show_state_usage(ctx: Any, queue: Any = False, **kwargs: Any) -> Any:
    """Per saltenv, which SLS files the top file uses for this minion and which it does not.

    CLI Example::

        saline-call state.show_state_usage
    """
    from saline.states.engine.render import TreeRenderer

    sctx = _sls_context(ctx, kwargs)
    matches, errors = _top(sctx)
    if errors:
        return _failed(ctx, errors)
    tree = TreeRenderer(sctx)
    usage: dict[str, Any] = {}
    for saltenv in sorted(tree.envs()):
        if saltenv == "__env__":
            continue
        used_names = matches.get(saltenv, [])
        states = tree.avail(saltenv)
        used = [name for name in states if name in used_names]
        unused = [name for name in states if name not in used_names]
        usage[saltenv] = {"used": used, "unused": unused, "count_all": len(states),
                          "count_used": len(used), "count_unused": len(unused)}
    return usage
