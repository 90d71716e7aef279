"""Module ``saltutil``: the minion's running jobs, refreshes and custom-module syncing.

A minion daemon records each job it runs in ``<cachedir>/proc/<jid>`` while it runs (see
:mod:`saline.jobctl`); the job functions read that directory, so they see the jobs of every worker
thread, and ``saline-call saltutil.running`` on the host sees the daemon's jobs too.

Stopping a job (``kill_job``, ``term_job``, ``signal_job``): Saline runs jobs in threads of the minion
process, not in a process per job as Salt does, and a thread cannot be killed from outside. The signal
goes to the process groups of the commands the job is running (``cmd.run``, ``pkg.install``... all start
through :mod:`saline.process`, each command in its own group), and a stopping signal (KILL, TERM, INT,
HUP, QUIT) also marks the job: it starts no further command and ``test.sleep`` ends. Python code of the
job between two commands runs on until then. The answer says which of these happened; the minion process
itself is never signalled.
"""

from __future__ import annotations

import fnmatch
import signal
from typing import Any

from saline.errors import SaltInvocationError
from saline.loader import Context, Module

mod = Module("saltutil", doc="Running jobs, refreshes and custom modules on this minion.")


# ---- running jobs ---------------------------------------------------------------------------------

@mod.query
def running(ctx: Context, **kwargs: Any) -> list[dict[str, Any]]:
    """The jobs this minion is running now, without the job asking: one dict per job with ``jid``,
    ``fun``, ``arg``, ``tgt``, ``tgt_type``, ``user``, ``id``, ``pid``, ``tid`` (worker thread), ``start``
    (unix time) and ``children`` (process groups of the commands it is running).

    CLI Example: ``saline '*' saltutil.running``
    """
    from saline import jobctl

    own = str(kwargs.get("__pub_jid") or "")
    return [r for r in jobctl.records(ctx.opts) if r.get("jid") != own]


@mod.query
def find_job(ctx: Context, jid: Any) -> dict[str, Any]:
    """The running job ``jid`` on this minion (as in ``saltutil.running``), or ``{}`` when it is not
    running (any more).

    CLI Example: ``saline '*' saltutil.find_job 20261127014814246484``
    """
    from saline import jobctl

    return next((r for r in jobctl.records(ctx.opts) if r.get("jid") == str(jid)), {})


@mod.query
def is_running(ctx: Context, fun: str, **kwargs: Any) -> list[dict[str, Any]]:
    """The running jobs whose function matches ``fun`` (a name or a glob such as ``state.*``).

    CLI Example: ``saline '*' saltutil.is_running state.highstate``
    """
    return [r for r in running(ctx, **kwargs) if fnmatch.fnmatch(str(r.get("fun")), str(fun))]


def _signal_number(sig: Any) -> int:
    if isinstance(sig, bool):
        raise SaltInvocationError(f"Invalid signal: {sig!r}")
    if isinstance(sig, int):
        number = sig
    else:
        text = str(sig).strip().upper()
        if text.isdigit():
            number = int(text)
        else:
            name = text if text.startswith("SIG") else f"SIG{text}"
            if not isinstance(getattr(signal, name, None), signal.Signals):
                raise SaltInvocationError(f"Invalid signal: {sig!r}")
            number = int(getattr(signal, name))
    if number not in {int(s) for s in signal.valid_signals()} or number == 0:
        raise SaltInvocationError(f"Invalid signal: {sig!r}")
    return number


@mod.action
def signal_job(ctx: Context, jid: Any, sig: Any) -> str:
    """Send signal ``sig`` (a number or a name such as ``TERM``) to the running job ``jid``.

    With ``multiprocessing: True`` the job has a process of its own, which gets the signal (Salt's answer
    ``Signal 9 sent to job <jid> at pid <pid>``). Otherwise the job is a thread of the minion: the
    signal reaches the process groups of the commands it is running, and KILL, TERM, INT, HUP and
    QUIT also mark the job so it starts no further command (a job's own Python code cannot be
    interrupted; it stops at its next command or sleep). Returns a sentence saying what was done, or
    ``''`` when the job is not running (as Salt does).

    CLI Example: ``saline '*' saltutil.signal_job 20261127014814246484 15``
    """
    from saline import jobctl

    number = _signal_number(sig)
    jid = str(jid)
    done = jobctl.signal_job(ctx.opts, jid, number)
    if done is None:
        return ""
    if done.get("process"):  # the job had a process of its own (multiprocessing): Salt's answer
        return f"Signal {number} sent to job {jid} at pid {done['process']}"
    groups, marked = done["groups"], done["marked"]
    parts = [f"Signal {number} sent to job {jid}"]
    if groups:
        parts.append(f"at process group{'s' if len(groups) > 1 else ''} {', '.join(map(str, groups))}")
    else:
        parts.append("(it runs no command right now)")
    text = " ".join(parts)
    if marked:
        return f"{text}; the job is marked as killed and starts no further command"
    if not groups:
        return f"{text}; nothing received it: a job thread cannot take signal {number}"
    return text


@mod.action
def term_job(ctx: Context, jid: Any) -> str:
    """Send SIGTERM to the job ``jid`` (see ``saltutil.signal_job``).

    CLI Example: ``saline '*' saltutil.term_job 20261127014814246484``
    """
    return signal_job(ctx, jid, signal.SIGTERM)


@mod.action
def kill_job(ctx: Context, jid: Any) -> str:
    """Send SIGKILL to the job ``jid`` (see ``saltutil.signal_job``).

    CLI Example: ``saline '*' saltutil.kill_job 20261127014814246484``
    """
    return signal_job(ctx, jid, signal.SIGKILL)


@mod.action
def term_all_jobs(ctx: Context, **kwargs: Any) -> list[str]:
    """Send SIGTERM to every running job but this one; the answer of each.

    CLI Example: ``saline '*' saltutil.term_all_jobs``
    """
    return [signal_job(ctx, r["jid"], signal.SIGTERM) for r in running(ctx, **kwargs)]


@mod.action
def kill_all_jobs(ctx: Context, **kwargs: Any) -> list[str]:
    """Send SIGKILL to every running job but this one; the answer of each.

    CLI Example: ``saline '*' saltutil.kill_all_jobs``
    """
    return [signal_job(ctx, r["jid"], signal.SIGKILL) for r in running(ctx, **kwargs)]


# ---- refreshes ------------------------------------------------------------------------------------

@mod.action
def refresh_pillar(ctx: Context, wait: bool = False, timeout: Any = 30, clean_cache: bool = True) -> bool:
    """Compile the pillar again (by the master for a minion daemon, which also refreshes the master's
    pillar cache used to resolve pillar targets; every job of a daemon compiles its pillar afresh, so
    the next job sees changes anyway). With a master, also sends ``minion/refresh/<id>`` to its event bus.
    Returns True. ``wait``, ``timeout``
    and ``clean_cache`` are accepted for Salt's sake: the refresh is done when this returns.

    CLI Example: ``saline '*' saltutil.refresh_pillar``
    """
    ctx.pillar = None  # type: ignore[assignment]  # reloaded on next access
    request = ctx.scratch.get("master_request")
    if request is not None:
        try:  # compiled now, as Salt does: the master's pillar cache (pillar targets) follows at once
            if ctx.pillar_loader is not None:
                ctx.pillar = ctx.pillar_loader()
            request("_event", {"tag": f"minion/refresh/{ctx.opts.get('id')}", "data": {}})
        except Exception as exc:  # the refresh itself is done; the notice is best effort
            ctx.log.warning("could not tell the master about the pillar refresh: %s", exc)
    return True


@mod.action
def refresh_modules(ctx: Context, **kwargs: Any) -> bool:
    """Forget the loaded execution modules, so the next call loads them again (custom modules
    included, after ``saltutil.sync_modules``). Returns True.

    CLI Example: ``saline '*' saltutil.refresh_modules``
    """
    from saline.loader import reset_cache

    reset_cache()
    return True


@mod.action
def refresh_grains(ctx: Context, **kwargs: Any) -> bool:
    """Collect the grains again (custom grains included) and use them for this job and, on a minion
    daemon, for the jobs after it; ``refresh_pillar=True`` (the default) also refreshes the pillar.
    Returns True.

    CLI Example: ``saline '*' saltutil.refresh_grains``
    """
    if ctx.grains_loader is not None:
        fresh = ctx.grains_loader()
        grains = ctx.grains  # on a daemon this is the minion's own dict: update it in place
        grains.update(fresh)
        for key in [k for k in grains if k not in fresh]:
            grains.pop(key, None)
        request = ctx.scratch.get("master_request")
        if request is not None:  # the master targets and compiles pillar with the grains it was told
            reply = request("_pillar", {"grains": dict(grains), "saltenv": ctx.opts.get("saltenv"),
                                        "pillarenv": ctx.opts.get("pillarenv")})
            if not isinstance(reply, dict) or "pillar" not in reply:
                ctx.log.warning("the master did not take the refreshed grains: %s", reply)
    refresh_modules(ctx)  # module availability may depend on grains
    if kwargs.get("refresh_pillar", True):
        refresh_pillar(ctx)
    return True


# ---- syncing custom modules ----------------------------------------------------------------------

def _sync_one(ctx: Context, kind: str, saltenv: Any, refresh: bool, whitelist: Any, blacklist: Any) -> list[str]:
    from saline.modules import saltutil_sync

    changed = saltutil_sync.sync(ctx, kind, saltenv, whitelist, blacklist)
    if changed and refresh:
        if kind == "grains":
            refresh_grains(ctx, refresh_pillar=False)
        else:
            refresh_modules(ctx)
    return changed


# Salt's sync_all answers for every kind of custom module it knows, in this order; Saline loads three.
SYNCED_KINDS = ("modules", "states", "grains")
SALT_KINDS = ("tops", "clouds", "beacons", "modules", "states", "sdb", "grains", "renderers", "returners",
              "output", "utils", "log_handlers", "executors", "proxymodules", "engines", "thorium",
              "serializers", "matchers", "pillar", "wrapper")


def autoload(ctx: Context, saltenvs: list[str]) -> None:
    """Before a state run, as Salt does with ``autoload_dynamic_modules`` (the default): sync custom
    modules, states and grains of the run's environments and use them in this run."""
    if ctx.opts.get("autoload_dynamic_modules", True) and ctx.opts.get("cachedir"):
        for kind in SYNCED_KINDS:
            _sync_one(ctx, kind, saltenvs, True, None, None)


@mod.action
def sync_modules(ctx: Context, saltenv: Any = None, refresh: bool = True, extmod_whitelist: Any = None,
                 extmod_blacklist: Any = None) -> list[str]:
    """Copy custom execution modules (``salt://_modules/*.py``) into ``<cachedir>/extmods/modules``;
    the added or changed ones as ``modules.<name>``. ``saltenv`` (name, list or comma-separated) defaults
    to the environments of the top files; ``extmod_whitelist``/``extmod_blacklist`` take module names.
    Salt-style modules (``__salt__``, ``__grains__``, ``__pillar__``, ``__opts__``, ``__context__``,
    ``__virtual__``) work unchanged, and a custom module replaces a builtin one of the same name, as in
    Salt. ``refresh=True`` makes them usable at once.

    CLI Example: ``saline '*' saltutil.sync_modules saltenv=base``
    """
    return _sync_one(ctx, "modules", saltenv, refresh, extmod_whitelist, extmod_blacklist)


@mod.action
def sync_states(ctx: Context, saltenv: Any = None, refresh: bool = True, extmod_whitelist: Any = None,
                extmod_blacklist: Any = None) -> list[str]:
    """Copy custom state modules (``salt://_states/*.py``) into ``<cachedir>/extmods/states``; the added
    or changed ones as ``states.<name>``. Arguments as ``saltutil.sync_modules``; a custom state module
    replaces a builtin one of the same name, as in Salt.

    CLI Example: ``saline '*' saltutil.sync_states``
    """
    return _sync_one(ctx, "states", saltenv, refresh, extmod_whitelist, extmod_blacklist)


@mod.action
def sync_grains(ctx: Context, saltenv: Any = None, refresh: bool = True, extmod_whitelist: Any = None,
                extmod_blacklist: Any = None) -> list[str]:
    """Copy custom grains modules (``salt://_grains/*.py``, plain functions returning dicts) into
    ``<cachedir>/extmods/grains``; the added or changed ones as ``grains.<name>``. With ``refresh`` the
    grains are collected again at once. Arguments as ``saltutil.sync_modules``.

    CLI Example: ``saline '*' saltutil.sync_grains``
    """
    return _sync_one(ctx, "grains", saltenv, refresh, extmod_whitelist, extmod_blacklist)


@mod.action
def sync_all(ctx: Context, saltenv: Any = None, refresh: bool = True, extmod_whitelist: Any = None,
             extmod_blacklist: Any = None) -> dict[str, list[str]]:
    """Sync custom execution, state and grains modules (``sync_modules``, ``sync_states``,
    ``sync_grains``). The answer has Salt's keys (``modules``, ``states``, ``grains``, ``renderers``,
    ``returners``, ...); kinds Saline does not load are always ``[]`` (a warning is logged when the file
    server has such modules). ``extmod_whitelist``/``extmod_blacklist`` map a kind to names, e.g.
    ``{"modules": ["hello"]}``.

    CLI Example: ``saline '*' saltutil.sync_all``
    """
    from saline.modules import saltutil_sync

    for name, value in (("extmod_whitelist", extmod_whitelist), ("extmod_blacklist", extmod_blacklist)):
        if value not in (None, "") and not isinstance(value, dict):
            raise SaltInvocationError(f"{name} for sync_all maps a kind (modules, states, grains) to names")
    synced = {kind: _sync_one(ctx, kind, saltenv, refresh, extmod_whitelist, extmod_blacklist)
              for kind in SYNCED_KINDS}
    unused = saltutil_sync.unsupported(ctx, saltenv, [k for k in SALT_KINDS if k not in SYNCED_KINDS])
    if unused:
        ctx.log.warning("custom modules of kinds Saline does not load were not synced: %s", ", ".join(unused))
    return {kind: synced.get(kind, []) for kind in SALT_KINDS}
