"""Batch execution (``saline -b N`` / ``-b N%`` / ``--batch-wait``), with Salt's semantics.

At most N of the expected minions run the job at once; as each one returns (or times out) the next
one starts, ``batch_wait`` seconds later when asked. Each start is one publish to the minions whose
slots are free (a list target), so one batch run makes several jids. The transport is the caller's:
``publish(ids) -> jid`` sends the job, and returns arrive on an ``asyncio.Queue`` of return maps
(``{"jid", "id", "return", "retcode", "success"}``); returns for other jids or minions are ignored.

With ``probe(ids, jid) -> probe jid`` (as Salt's batch does), a minion that has not returned when
``timeout`` passes is asked ``saltutil.find_job <jid>``: while it answers that it still runs the job it
keeps its slot (asked again every ``gather_job_timeout`` seconds); a minion that answers ``{}`` or does
not answer within ``gather_job_timeout`` is "[No response]". Probe answers arrive on the same queue.
"""

from __future__ import annotations

import asyncio
import math
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TextIO

from saline.errors import SaltInvocationError

NO_RESPONSE = "Minion did not return. [No response]"


def batch_size(batch: Any, total: int) -> int:
    """How many minions run at once for ``-b batch`` with ``total`` minions (Salt's rules).

    ``N`` is N; ``N%`` is that share of ``total`` rounded down, but at least 1 when the share is
    below one minion; ``%N`` is accepted as ``N%``.
    """
    text = str(batch).strip()
    try:
        if "%" in text:
            pct = float(text.strip("%"))
            if pct <= 0 or text.count("%") != 1 or not (text.startswith("%") or text.endswith("%")):
                raise ValueError(text)
            share = pct / 100.0 * total
            size = math.ceil(share) if share < 1 else int(share)
        else:
            size = int(text)
            if size <= 0:
                raise ValueError(text)
    except ValueError:
        raise SaltInvocationError(
            f"Invalid batch data sent: {batch}\nData must be in the form of %10, 10% or 3"
        ) from None
    return max(1, size) if total else size


_SETTLE = 0.5  # seconds to wait for a return in flight after a minion said it is not running the job


def _no_return(minion: str, jid: str | None) -> dict[str, Any]:
    return {"id": minion, "jid": jid, "return": NO_RESPONSE, "retcode": 1, "success": False, "failed": True}


async def run_batch(
    minions: Sequence[str],
    batch: Any,
    publish: Callable[[list[str]], Awaitable[str]],
    returns: asyncio.Queue,
    timeout: float,
    batch_wait: float = 0.0,
    failhard: bool = False,
    progress: TextIO | None = None,
    probe: Callable[[list[str], str], Awaitable[str | None]] | None = None,
    gather_job_timeout: float = 10.0,
) -> AsyncIterator[dict[str, Any]]:
    """Yield one return map per minion, in the order they come back.

    A minion that does not answer within ``timeout`` seconds of its publish yields
    ``"Minion did not return. [No response]"`` (retcode 1) and frees its slot. With ``failhard``,
    a non-zero retcode stops new starts; the minions already running are still waited for.
    Progress lines go to ``progress`` (default stderr) only when it is a terminal.
    """
    order = list(dict.fromkeys(minions))
    size = batch_size(batch, len(order))
    pending = list(order)
    active: dict[str, tuple[str, float]] = {}  # minion -> (jid, deadline)
    probed: dict[str, str] = {}  # minion -> "asked" (probe sent, no "running" answer yet) or "running"
    probe_jids: dict[str, str] = {}  # probe jid -> jid of the job it asks about
    cooling: list[float] = []  # when slots held by batch_wait come free
    done = 0
    stopped = False
    stream = progress if progress is not None else sys.stderr
    tty = bool(getattr(stream, "isatty", lambda: False)())
    loop = asyncio.get_running_loop()

    while active or (pending and not stopped):
        now = loop.time()
        cooling = [t for t in cooling if t > now]
        free = size - len(active) - len(cooling)
        if pending and not stopped and free > 0:
            start, pending = pending[:free], pending[free:]
            if tty:
                stream.write(f"Executing run on {start} ({done}/{len(order)} done)\n")
                stream.flush()
            jid = await publish(list(start))
            deadline = loop.time() + timeout
            for minion in start:
                active[minion] = (jid, deadline)
        wakeups = [d for _, d in active.values()] + cooling
        if not wakeups:
            continue
        wait = max(0.0, min(wakeups) - loop.time())
        try:
            ret = await asyncio.wait_for(returns.get(), wait)
        except TimeoutError:
            ret = None
        if ret is not None and isinstance(ret, dict) and ret.get("jid") in probe_jids:
            minion = ret.get("id")
            asked_about = probe_jids[ret["jid"]]
            if minion in active and active[minion][0] == asked_about and probed.get(minion) == "asked":
                answer = ret.get("return")
                if isinstance(answer, dict) and answer and not ret.get("retcode"):
                    probed[minion] = "running"  # keeps its slot; asked again when the window ends
                else:  # not running the job: only a return already on its way can still come
                    active[minion] = (asked_about, min(active[minion][1], loop.time() + _SETTLE))
            ret = None
        if ret is not None:
            minion = ret.get("id") if isinstance(ret, dict) else None
            if minion in active and ret.get("jid") == active[minion][0]:
                del active[minion]
                probed.pop(minion, None)
                done += 1
                if batch_wait > 0:
                    cooling.append(loop.time() + batch_wait)
                retcode = ret.get("retcode", 0)
                if failhard and (retcode not in (0, None) or ret.get("success") is False):
                    stopped = True
                yield ret
        now = loop.time()
        if probe is not None:
            ask: dict[str, list[str]] = {}  # jid -> minions to probe now
            for minion, (jid, deadline) in active.items():
                if deadline <= now and probed.get(minion) != "asked":
                    ask.setdefault(jid, []).append(minion)
            for jid, ids in ask.items():
                probe_jid = await probe(sorted(ids), jid)
                if probe_jid:
                    probe_jids[probe_jid] = jid
                window = loop.time() + max(0.1, float(gather_job_timeout))
                for minion in ids:
                    probed[minion] = "asked"
                    active[minion] = (jid, window)
            now = loop.time()
        for minion, (jid, deadline) in list(active.items()):
            if deadline <= now:
                del active[minion]
                probed.pop(minion, None)
                done += 1
                if batch_wait > 0:
                    cooling.append(now + batch_wait)
                if failhard:
                    stopped = True
                yield _no_return(minion, jid)
    if tty:
        stream.write(f"Batch done: {done}/{len(order)} minions\n")
        stream.flush()

