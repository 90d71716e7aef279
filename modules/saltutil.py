"""Module ``saltutil``: the minion's running jobs and pillar refresh.

A minion daemon records each job it runs in ``<cachedir>/proc/<jid>`` while it runs; these functions
read that directory (so they also see jobs of other worker threads).
"""

from __future__ import annotations

import fnmatch
import json
import os
from typing import Any

from saline.loader import Context, Module

mod = Module("saltutil", doc="Running jobs and refreshes on this minion.")


def _records(ctx: Context) -> list[dict[str, Any]]:
    directory = os.path.join(str(ctx.opts.get("cachedir") or ""), "proc")
    found = []
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return []
    for name in names:
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as fh:
                record = json.load(fh)
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("jid") == name:
            found.append(record)
    return found


@mod.query
def running(ctx: Context, **kwargs: Any) -> list[dict[str, Any]]:
    """The jobs this minion is running now (``jid``, ``fun``, ``arg``, ``tgt``, ``pid``, ``start``...),
    without the job asking.

    CLI Example: ``saline '*' saltutil.running``
    """
    own = kwargs.get("__pub_jid")
    return [r for r in _records(ctx) if r.get("jid") != own]


@mod.query
def find_job(ctx: Context, jid: Any) -> dict[str, Any]:
    """The running job ``jid`` on this minion, or ``{}`` when it is not running (any more).

    CLI Example: ``saline '*' saltutil.find_job 20261127014814246484``
    """
    for record in _records(ctx):
        if record.get("jid") == str(jid):
            return record
    return {}


@mod.query
def is_running(ctx: Context, fun: str, **kwargs: Any) -> list[dict[str, Any]]:
    """The running jobs whose function matches ``fun`` (a glob such as ``state.*``).

    CLI Example: ``saline '*' saltutil.is_running state.highstate``
    """
    return [r for r in running(ctx, **kwargs) if fnmatch.fnmatch(str(r.get("fun")), str(fun))]


@mod.action
def refresh_pillar(ctx: Context, **kwargs: Any) -> bool:
    """Drop the pillar this context holds, so it is compiled again (by the master for a minion daemon) on
    next use; with a master, also sends ``minion/refresh/<id>`` to its event bus. Returns True.

    CLI Example: ``saline '*' saltutil.refresh_pillar``
    """
    ctx.pillar = None  # type: ignore[assignment]  # reloaded on next access
    request = ctx.scratch.get("master_request")
    if request is not None:
        request("_event", {"tag": f"minion/refresh/{ctx.opts.get('id')}", "data": {}})
    return True
