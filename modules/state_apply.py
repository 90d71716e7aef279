"""``state.apply`` and friends: render, compile and run state trees (Salt's names and arguments).

One state run at a time per minion: a run holds an exclusive ``fcntl`` lock on
``<cachedir>/state.run.lock``. A second run is refused with Salt's "The function ... is running as
PID ..." message (retcode 1), or waits for the lock with ``queue=True`` (``state_queue`` option), or
ignores it with ``concurrent=True``.

Return codes like Salt: a failed state sets ``retcode`` 2; render/compile errors (returned as a list
of strings) and refused runs set 1. The results are printed by the ``highstate`` outputter.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os
import time
from collections.abc import Iterator
from typing import Any

from saline.errors import SaltInvocationError
from saline.modules.state import mod

EX_STATE_COMPILER_ERROR = 1
EX_STATE_FAILURE = 2
_LOCK_NAME = "state.run.lock"


# ---- one run at a time --------------------------------------------------------------------------


def _jid_time(jid: str) -> str:
    try:
        return datetime.datetime.strptime(str(jid), "%Y%m%d%H%M%S%f").strftime("%Y, %b %d %H:%M:%S.%f")
    except ValueError:
        return str(jid)


def _new_jid() -> str:
    return datetime.datetime.now().strftime("%Y%m%d%H%M%S%f")


@contextlib.contextmanager
def _exclusive_run(ctx: Any, fun: str, queue: Any, kwargs: dict[str, Any]) -> Iterator[list[str] | None]:
    """Hold the state-run lock for the ``with`` block; yields Salt's refusal when it is busy."""
    if queue is None:
        queue = ctx.opts.get("state_queue", False)
    if kwargs.get("concurrent"):
        yield None
        return
    cachedir = ctx.opts.get("cachedir") or "/var/cache/saline/minion"
    os.makedirs(cachedir, exist_ok=True)
    path = os.path.join(cachedir, _LOCK_NAME)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if queue is True else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            ctx.retcode = EX_STATE_COMPILER_ERROR
            yield [_refusal(path)]
            return
        holder = {"fun": kwargs.get("__pub_fun") or fun, "pid": os.getpid(),
                  "jid": str(kwargs.get("__pub_jid") or _new_jid())}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        try:
            yield None
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _refusal(path: str) -> str:
    holder: dict[str, Any] = {}
    for _ in range(20):  # the holder writes its details right after locking
        try:
            with open(path, encoding="utf-8") as fh:
                holder = json.loads(fh.read() or "{}")
            break
        except (OSError, ValueError):
            time.sleep(0.01)
    return (f'The function "{holder.get("fun", "state")}" is running as PID {holder.get("pid", "?")} '
            f'and was started at {_jid_time(holder.get("jid", ""))} with jid {holder.get("jid", "?")}')


# ---- helpers --------------------------------------------------------------------------------------


def _set_retcode(ctx: Any, ret: Any) -> None:
    if isinstance(ret, list):
        ctx.retcode = EX_STATE_COMPILER_ERROR
    elif not isinstance(ret, dict) or not ret or any(
            isinstance(r, dict) and r.get("result") is False for r in ret.values()):
        ctx.retcode = EX_STATE_FAILURE
    else:
        ctx.retcode = 0


def _run_context(ctx: Any, test: Any, kwargs: dict[str, Any]) -> Any:
    from saline.modules.state_show import _sls_context

    return _sls_context(ctx, kwargs, test)


def _compile(sctx: Any, ctx: Any, high: dict[str, Any], errors: list[str],
             exclude: Any = None) -> list[dict[str, Any]] | list[str]:
    from saline.states.engine.compiler import StateCompileError, compile_low, split_mods

    if exclude and not errors:
        high = dict(high)
        high["__exclude__"] = list(high.get("__exclude__") or []) + (
            exclude if isinstance(exclude, list) and any(isinstance(e, dict) for e in exclude)
            else split_mods(exclude))
    try:
        return compile_low(high, sctx.opts, render_errors=errors)
    except StateCompileError as exc:
        ctx.retcode = EX_STATE_COMPILER_ERROR
        return list(exc.errors)


def _run(sctx: Any, ctx: Any, chunks: list[Any]) -> Any:
    from saline.states.engine.runner import run_chunks

    if chunks and not all(isinstance(c, dict) for c in chunks):
        ctx.retcode = EX_STATE_COMPILER_ERROR
        return chunks
    ret = run_chunks(sctx, chunks, test=bool(sctx.opts.get("test")))
    _set_retcode(ctx, ret)
    return ret


def _strip_pub(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if not k.startswith("__pub_")}


# ---- the functions ------------------------------------------------------------------------------


@mod.action
def sls(ctx: Any, mods: Any, test: Any = None, exclude: Any = None, queue: Any = None, **kwargs: Any) -> Any:
    """Apply the SLS files ``mods`` (a comma separated string or a list).

    ``test=True`` only reports what would change; ``saltenv`` picks the environment (default
    ``base``); ``pillar`` (a dict) is merged over the minion's pillar; ``exclude`` drops SLS names
    or ``[{"id": ...}, {"sls": ...}]`` entries; ``queue=True`` waits for a run in progress instead
    of failing; ``concurrent=True`` ignores it. Render and compile errors are returned as a list of
    strings.

    CLI Example::

        saline-call --local state.sls core,edit.vim test=True
        saline-call --local state.sls nginx pillar='{"nginx": {"port": 8080}}' exclude=nginx.tls
    """
    from saline.modules import saltutil
    from saline.states.engine.compiler import render_high

    with _exclusive_run(ctx, "state.sls", queue, kwargs) as refused:
        if refused:
            return refused
        sctx = _run_context(ctx, test, kwargs)
        if isinstance(mods, int):
            mods = str(mods)
        saltenv = sctx.opts.get("saltenv") or "base"
        saltutil.autoload(sctx, [saltenv])
        high, errors = render_high(sctx, mods, saltenv)
        chunks = _compile(sctx, ctx, high, errors, exclude)
        return _run(sctx, ctx, chunks)


@mod.action
def highstate(ctx: Any, test: Any = None, queue: Any = None, **kwargs: Any) -> Any:
    """Apply the states the top file assigns to this minion (a "highstate").

    Same ``test``, ``pillar``, ``exclude``, ``queue``, ``saltenv`` arguments as ``state.sls``.

    CLI Example::

        saline-call --local state.highstate
        saline-call --local state.highstate test=True exclude=web.tls
    """
    from saline.modules import saltutil
    from saline.modules.state_show import _top
    from saline.states.engine.compiler import render_highstate

    with _exclusive_run(ctx, "state.highstate", queue, kwargs) as refused:
        if refused:
            return refused
        sctx = _run_context(ctx, test, kwargs)
        matches, errors = _top(sctx)
        saltutil.autoload(sctx, [env for env, sls in matches.items() if sls])
        if not errors and not any(matches.values()):
            comment = "No Top file or master_tops data matches found. Please see master log for details."
            ctx.retcode = EX_STATE_FAILURE
            return {"no_|-states_|-states_|-None": {"result": False, "comment": comment, "name": "No States",
                                                    "changes": {}, "__run_num__": 0}}
        high, render_errors = render_highstate(sctx, matches)
        chunks = _compile(sctx, ctx, high, errors + render_errors, kwargs.get("exclude"))
        return _run(sctx, ctx, chunks)


@mod.action(name="apply")
def apply_(ctx: Any, mods: Any = None, **kwargs: Any) -> Any:
    """Apply states: the highstate without ``mods``, else the SLS files ``mods`` (like ``state.sls``).

    Accepts ``test``, ``saltenv``, ``pillar``, ``exclude``, ``queue`` and ``concurrent``.

    CLI Example::

        saline-call --local state.apply
        saline-call --local state.apply nginx,users test=True
        saline-call --local state.apply nginx pillar='{"nginx": {"port": 8080}}'
    """
    if mods:
        return sls(ctx, mods, **kwargs)
    return highstate(ctx, **kwargs)


@mod.action(name="test")
def test_(ctx: Any, mods: Any = None, **kwargs: Any) -> Any:
    """``state.apply`` with ``test=True``: report what would change, change nothing.

    CLI Example::

        saline-call --local state.test nginx
    """
    kwargs["test"] = True
    return apply_(ctx, mods, **kwargs)


@mod.action
def single(ctx: Any, fun: str, name: str, test: Any = None, queue: Any = None, **kwargs: Any) -> Any:
    """Run one state function directly, without an SLS file: ``state.single file.managed name=/x``.

    The remaining keyword arguments are the state's arguments. Errors in the call (unknown state
    function, missing arguments) are returned as a list of strings.

    CLI Example::

        saline-call --local state.single test.succeed_with_changes name=demo
        saline-call --local state.single cmd.run name='echo hi' cwd=/tmp test=True
    """
    from saline.states.engine.runner import Runner

    comps = str(fun).split(".")
    if len(comps) < 2:
        ctx.retcode = EX_STATE_COMPILER_ERROR
        return ["Invalid function passed"]
    with _exclusive_run(ctx, "state.single", queue, kwargs) as refused:
        if refused:
            return refused
        sctx = _run_context(ctx, test, kwargs)
        low = {k: v for k, v in _strip_pub(kwargs).items() if k not in ("pillar", "concurrent", "pillarenv")}
        low.update({"state": comps[0], "fun": comps[1], "__id__": name, "name": name})
        low.setdefault("__env__", sctx.opts.get("saltenv") or "base")
        runner = Runner(sctx, test=bool(sctx.opts.get("test")))
        errors, resolved = runner._verify(dict(low))
        if errors or resolved is None:
            ctx.retcode = EX_STATE_COMPILER_ERROR
            return [e for e in errors if not e.startswith("Reason:")]
        ret = runner.run([low])
        _set_retcode(ctx, ret)
        return ret


@mod.action
def sls_id(ctx: Any, id_: str, mods: Any, test: Any = None, queue: Any = None, **kwargs: Any) -> Any:
    """Apply only the states with ID ``id_`` from the SLS files ``mods`` (with their requisites).

    CLI Example::

        saline-call --local state.sls_id my_state my_module
        saline-call --local state.sls_id my_state my_module,a_common_module test=True
    """
    from saline.states.engine.compiler import render_high
    from saline.states.engine.runner import Runner

    with _exclusive_run(ctx, "state.sls_id", queue, kwargs) as refused:
        if refused:
            return refused
        sctx = _run_context(ctx, test, kwargs)
        saltenv = sctx.opts.get("saltenv") or "base"
        high, errors = render_high(sctx, mods, saltenv)
        chunks = _compile(sctx, ctx, high, errors)
        if chunks and not all(isinstance(c, dict) for c in chunks):
            return chunks
        ret = Runner(sctx, test=bool(sctx.opts.get("test"))).run_ids(chunks, str(id_))
        if not ret:
            raise SaltInvocationError(
                f"No matches for ID '{id_}' found in SLS '{mods}' within saltenv '{saltenv}'")
        _set_retcode(ctx, ret)
        return ret


for _fn in (sls, highstate, apply_, test_, single, sls_id):
    _fn.outputter = "highstate"  # type: ignore[attr-defined]
