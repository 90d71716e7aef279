"""Waiting for a job's returns the way Salt's client does: ``timeout``, then ``saltutil.find_job`` probes.

When ``timeout`` seconds pass and some expected minions have not returned, they are asked
``saltutil.find_job <jid>``. A minion that answers with its job record is still running the job: its
own deadline moves ``timeout`` seconds ahead, and ``gather_job_timeout`` seconds after each probe the
minions still missing are probed again, for as long as one of them says it is running. The wait ends
when every expected minion returned, or when a probe window passed with nobody running and every
missing minion's deadline is over. Those are reported ``Minion did not return. [No response]``: they
either answered the probe with ``{}`` (not running the job) or did not answer at all (down, gone).

One difference from Salt, for speed only: when every probed minion answered ``{}``, the wait ends
:data:`SETTLE` seconds later (room for a return that crossed the probe) instead of at the end of the
probe window; nothing they could still send would change the answer.

:class:`Gatherer` is transport-free: the caller feeds it messages and asks what to do next, so the
``saline`` CLI (over the master's local socket) and the master's runners (over its job cache) share it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

SETTLE = 0.5  # seconds to wait for a return in flight after all probed minions said "not running"


class Gatherer:
    """The returns of job ``jid`` from ``expected`` minions, with the find_job probe loop.

    - :meth:`add_return` for each return of the job (any minion, expected or not);
    - :meth:`add_probe_answer` for each answer to the current probe;
    - :meth:`step` tells what to do now: ``("wait", seconds)``, ``("probe", [minion ids])`` (publish
      ``saltutil.find_job <jid>`` to them, then :meth:`probed` with the probe's jid) or ``("done", None)``.
    """

    def __init__(self, jid: str, expected: Iterable[str], timeout: float, gather_job_timeout: float,
                 clock: Callable[[], float] = time.monotonic, open_ended: bool = False) -> None:
        self.jid = jid
        self.expected = set(expected)
        self.timeout = max(0.0, float(timeout))
        self.gather_job_timeout = max(0.1, float(gather_job_timeout))
        self.clock = clock
        now = clock()
        self.window_end = now + self.timeout  # end of the first wait, then of each probe window
        self.deadlines = {m: now + self.timeout for m in self.expected}
        self.returned: dict[str, dict[str, Any]] = {}
        self.probe_jids: list[str] = []
        self.probe_targets: set[str] = set()
        self.probe_answered: set[str] = set()
        self.running_seen = False
        self.probes = 0
        # no expected minions known (a target the master could not resolve): take what comes in ``timeout``
        self.open_ended = open_ended and not self.expected

    @property
    def missing(self) -> set[str]:
        return self.expected - set(self.returned)

    def add_return(self, minion: str, ret: dict[str, Any]) -> None:
        self.returned.setdefault(minion, ret)

    def add_probe_answer(self, minion: str, answer: Any, retcode: Any = 0) -> None:
        """One minion's ``saltutil.find_job`` answer: a non-empty job record means "still running"."""
        self.probe_answered.add(minion)
        if retcode not in (0, None) or not isinstance(answer, dict) or not answer or minion in self.returned:
            if not self.running_seen and (self.probe_targets & self.missing) <= self.probe_answered:
                # every probed minion said it is not running the job: only a return in flight can come
                self.window_end = min(self.window_end, self.clock() + SETTLE)
            return
        self.expected.add(minion)  # as Salt: a minion running the job is waited for, expected or not
        self.deadlines[minion] = self.clock() + self.timeout
        self.running_seen = True

    def probed(self, probe_jid: str | None, targets: Iterable[str]) -> None:
        """The probe was published (``probe_jid`` None when the master refused it)."""
        if probe_jid:
            self.probe_jids.append(probe_jid)
        self.probe_targets = set(targets)
        self.probe_answered = set()
        self.running_seen = False
        self.probes += 1
        self.window_end = self.clock() + self.gather_job_timeout

    def is_probe(self, jid: Any) -> bool:
        return jid in self.probe_jids[-1:]

    def step(self) -> tuple[str, Any]:
        now = self.clock()
        if self.open_ended:
            return ("wait", self.window_end - now) if now < self.window_end else ("done", None)
        missing = self.missing
        if not missing:
            return ("done", None)
        if now < self.window_end:
            return ("wait", self.window_end - now)
        if self.probes == 0 or self.running_seen:
            return ("probe", sorted(missing))
        later = [self.deadlines.get(m, 0.0) for m in missing if self.deadlines.get(m, 0.0) > now]
        if later:
            return ("wait", min(later) - now)
        return ("done", None)


def poll_returns(
    gather: Gatherer,
    returns_of: Callable[[str], dict[str, Any]],
    probe: Callable[[list[str]], str | None],
    interval: float = 0.05,
) -> dict[str, dict[str, Any]]:
    """Drive ``gather`` from the master's job cache (runners): ``returns_of(jid)`` gives the returns
    stored so far, ``probe(minions)`` publishes ``saltutil.find_job`` and gives its jid.
    Returns ``{minion: return dict}`` of the job."""
    while True:
        for mid, ret in returns_of(gather.jid).items():
            gather.add_return(mid, ret)
        if gather.probe_jids:
            for mid, ret in returns_of(gather.probe_jids[-1]).items():
                if mid not in gather.probe_answered:
                    gather.add_probe_answer(mid, ret.get("return"), ret.get("retcode"))
        action, value = gather.step()
        if action == "done":
            return dict(gather.returned)
        if action == "probe":
            gather.probed(probe(value), value)
            continue
        time.sleep(min(interval, max(value, 0.0)))
