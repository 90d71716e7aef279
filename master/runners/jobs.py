"""``jobs.*`` runners: look at jobs in the master's job cache (Salt's ``salt.runners.jobs`` shapes)."""

from __future__ import annotations

from typing import Any

from saline.errors import SaltInvocationError
from saline.master.jobs import check_jid, format_start_time, salt_arguments

_RESULT_KEYS = ("return", "retcode", "success", "out")
NO_JOB = "Cannot contact returner or no job with this jid"
DID_NOT_RETURN = "Minion did not return"


def _no_ext_source(ext_source: Any) -> None:
    if ext_source not in (None, "", "local_cache", "sqlite"):
        raise SaltInvocationError(
            f"External job cache '{ext_source}' is not available: Saline keeps jobs in its own cache"
        )


def _with_outputter(data: Any, outputter: str | None) -> Any:
    return {"outputter": outputter, "data": data} if outputter else data


def list_jobs(
    api: Any,
    ext_source: Any = None,
    outputter: str | None = None,
    search_metadata: dict[str, Any] | None = None,
    search_function: Any = None,
    search_target: Any = None,
    start_time: Any = None,
    end_time: Any = None,
) -> Any:
    """All cached jobs: ``{jid: {Function, Arguments, Target, Target-type, User, StartTime}}``.

    CLI Example: ``saline-run jobs.list_jobs search_function='state.*' start_time='2024, Jan 01 12:00'``
    """
    _no_ext_source(ext_source)
    cache = api.need("jobs", "jobs.list_jobs")
    found = cache.list_jobs(search_function, search_target, start_time, end_time)
    if search_metadata:
        if not isinstance(search_metadata, dict):
            raise SaltInvocationError("search_metadata must be a mapping, e.g. search_metadata='{foo: bar}'")
        kept = {}
        for jid, summary in found.items():
            metadata = (cache.get_job(jid) or {}).get("metadata") or {}
            if isinstance(metadata, dict) and all(metadata.get(k) == v for k, v in search_metadata.items()):
                kept[jid] = summary
        found = kept
    return _with_outputter(found, outputter)


def list_job(api: Any, jid: Any, ext_source: Any = None) -> dict[str, Any]:
    """One job with its expected minions and results.

    Returns ``{jid, Function, Arguments, Target, Target-type, User, Minions, StartTime, Result}``;
    ``Result`` maps each minion that returned to ``{return, retcode, success}``. An unknown jid gives
    ``{jid, Error, StartTime, Result: {}}`` like Salt.

    CLI Example: ``saline-run jobs.list_job 20240101120000123456``
    """
    _no_ext_source(ext_source)
    jid = check_jid(jid)
    cache = api.need("jobs", "jobs.list_job")
    job = cache.get_job(jid)
    if job is None:
        return {"jid": jid, "Error": NO_JOB, "StartTime": format_start_time(jid), "Result": {}}
    result = {
        minion: {k: ret[k] for k in _RESULT_KEYS if isinstance(ret, dict) and k in ret}
        for minion, ret in cache.returns(jid).items()
    }
    return {
        "jid": jid,
        "Function": job.get("fun", "unknown-function"),
        "Arguments": salt_arguments(job),
        "Target": job.get("tgt", "unknown-target"),
        "Target-type": job.get("tgt_type", "glob"),
        "User": job.get("user", "root"),
        "Minions": list(job.get("minions") or []),
        "StartTime": format_start_time(jid),
        "Result": result,
    }


def print_job(api: Any, jid: Any, ext_source: Any = None) -> dict[str, Any]:
    """``{jid: <jobs.list_job without its jid key>}``.

    CLI Example: ``saline-run jobs.print_job 20240101120000123456``
    """
    data = list_job(api, jid, ext_source)
    return {data.pop("jid"): data}


def lookup_jid(api: Any, jid: Any, ext_source: Any = None, returned: bool = True, missing: bool = False) -> Any:
    """What each minion returned for ``jid``: ``{minion_id: return}``.

    ``missing=True`` adds ``"Minion did not return"`` for expected minions that did not;
    ``returned=False`` leaves out the minions that did. When the returns name an outputter
    (``state.apply`` returns ``out: highstate``) the result is ``{"outputter": ..., "data": ...}``
    so ``saline-run`` prints it with that outputter.

    CLI Example: ``saline-run jobs.lookup_jid 20240101120000123456 missing=True``
    """
    data = list_job(api, jid, ext_source)
    returns = data.get("Result", {})
    ret: dict[str, Any] = {}
    if returned:
        for minion, body in returns.items():
            ret[minion] = body.get("return")
    if missing:
        for minion in data.get("Minions", []):
            if minion not in returns:
                ret[minion] = DID_NOT_RETURN
    outs = [body.get("out") for body in returns.values() if isinstance(body.get("out"), str)]
    return _with_outputter(ret, outs[0] if outs else None)


def exit_success(api: Any, jid: Any, ext_source: Any = None) -> dict[str, bool]:
    """``{minion_id: bool}``: True when the minion returned with retcode 0 (and did not report failure).

    Expected minions that did not return are False.

    CLI Example: ``saline-run jobs.exit_success 20240101120000123456``
    """
    data = list_job(api, jid, ext_source)
    returns = data.get("Result", {})
    ret: dict[str, bool] = {minion: False for minion in data.get("Minions", [])}
    for minion, body in returns.items():
        ret[minion] = body.get("retcode", 0) in (0, None) and body.get("success", True) is not False
    return ret


def active(api: Any, timeout: Any = None) -> dict[str, Any]:
    """Jobs running on minions now: ``{jid: {Function, Arguments, Target, Target-type, User, StartTime,
    Running: [{minion: pid}], Returned: [minion, ...]}}``.

    CLI Example: ``saline-run jobs.active``
    """
    running = api.need("running", "jobs.active")
    cache = api.need("jobs", "jobs.active")
    wait = float(timeout if timeout is not None else api.opts.get("timeout", 5))
    return cache.active(running(wait) or {})
