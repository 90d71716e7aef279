"""Running a published job on the minion: the same code path as ``saline-call`` (make_context and
call_function from :mod:`saline.minion.call`), one fresh context per job so return codes and
scratch data never leak between concurrent jobs."""

from __future__ import annotations

import logging
import os
import traceback
from typing import Any

from saline.errors import CommandNotFoundError, SalineError

log = logging.getLogger(__name__)

PILLAR_TARGETS = ("pillar", "pillar_pcre", "pillar_exact")


def needs_pillar(tgt: Any, tgt_type: str) -> bool:
    return tgt_type in PILLAR_TARGETS or (tgt_type in ("compound", "nodegroup") and isinstance(tgt, str)
                                          and ("I@" in tgt or "J@" in tgt or tgt_type == "nodegroup"))


def job_matches(opts: dict[str, Any], grains: dict[str, Any], load: dict[str, Any], request: Any = None) -> bool:
    """Is this job for this minion? (the minion decides with its own grains and pillar: with
    ``file_client: remote`` and ``request``, the pillar the master compiles for it)"""
    from saline.matchers import match_or_false
    from saline.minion.call import make_context

    tgt, tgt_type = load.get("tgt"), load.get("tgt_type") or "glob"
    pillar: dict[str, Any] = {}
    if needs_pillar(tgt, tgt_type):
        ctx = make_context(opts)
        ctx.grains = grains
        if request is not None and opts.get("file_client", "remote") == "remote":
            use_master(ctx, opts, request)
        try:
            pillar = ctx.pillar
        except Exception as exc:  # a broken pillar must not crash the minion
            log.error("cannot compile pillar to match a target: %s", exc)
    return match_or_false(tgt, tgt_type, opts["id"], grains, pillar, opts=opts)


def use_master(ctx: Any, opts: dict[str, Any], request: Any) -> None:
    """Give a job's context the master's fileserver and this minion's pillar compiled by the master
    (``file_client: remote``, the default for a minion daemon)."""
    from saline.dictupdate import merge_recurse
    from saline.minion.remote_fileclient import RemoteFileClient

    client = RemoteFileClient(request, opts["cachedir"])

    def pillar() -> dict[str, Any]:
        reply = request("_pillar", {"saltenv": opts.get("saltenv"), "pillarenv": opts.get("pillarenv")})
        if not isinstance(reply, dict) or "pillar" not in reply:
            error = reply.get("error") if isinstance(reply, dict) else "no answer"
            return {"_errors": [f"the master could not compile the pillar: {error}"]}
        return merge_recurse(reply["pillar"], opts.get("pillar_override") or {})

    ctx.fileclient_loader = lambda: client
    ctx.pillar_loader = pillar


def run_job(opts: dict[str, Any], grains: dict[str, Any], load: dict[str, Any],
            request: Any = None) -> dict[str, Any]:
    """Run the job's function; the return load sent to the master. ``request(cmd, load)`` reaches the
    master (files, pillar) from this worker thread."""
    from saline import jobctl
    from saline.minion.call import _not_available, call_function, make_context

    if opts.get("multiprocessing") and not jobctl.IN_JOB_PROCESS:
        from saline.minion.job_process import run_in_process

        return run_in_process(opts, grains, load, request)
    fun = str(load.get("fun") or "")
    args = list(load.get("arg") or [])
    kwargs = dict(load.get("kwarg") or {})
    ret: dict[str, Any] = {"jid": load.get("jid"), "fun": fun, "fun_args": [*args, *(
        [kwargs] if kwargs else [])], "retcode": 0, "success": True}
    ctx = make_context(opts)
    ctx.grains = grains
    if request is not None:
        ctx.scratch["master_request"] = request  # event.send / event.fire_master reach the master's bus
        if opts.get("file_client", "remote") == "remote":
            use_master(ctx, opts, request)
    try:
        ctx.salt.function(fun)
    except CommandNotFoundError:
        ret.update({"return": _not_available(ctx, fun), "retcode": 254, "success": False})
        return ret
    with jobctl.running(opts, load):  # <cachedir>/proc/<jid> while it runs (saltutil.running, kill_job)
        try:
            pub = {"__pub_fun": fun, "__pub_pid": os.getpid(), "__pub_jid": load.get("jid"),
                   "__pub_tgt": load.get("tgt"), "__pub_tgt_type": load.get("tgt_type", "glob")}
            ret["return"] = call_function(ctx, fun, args, kwargs, pub=pub)
            ret["retcode"] = ctx.retcode
            ret["success"] = ctx.retcode == 0
        except SalineError as exc:
            ret.update({"return": f"ERROR: {exc}", "retcode": 1, "success": False})
        except Exception:  # a module bug: report it like Salt does, keep the minion alive
            log.exception("%s raised", fun)
            ret.update({"return": f"The minion function caused an exception: {traceback.format_exc()}",
                        "retcode": 1, "success": False})
    return ret
