"""Batch runs ask slow minions ``saltutil.find_job`` (like Salt's batch) instead of dropping them at -t."""

from __future__ import annotations

import asyncio

from saline.master.batch import NO_RESPONSE, run_batch


class Minions:
    """Each minion answers its job after ``delays[id]`` seconds (None: never, it is gone); a probe is
    answered with the job record while the job runs, ``{}`` after, nothing when the minion is gone."""

    def __init__(self, delays, gone=()):
        self.delays = delays
        self.gone = set(gone)
        self.queue: asyncio.Queue = asyncio.Queue()
        self.running: dict[str, str] = {}
        self.probes: list[tuple[list[str], str]] = []
        self.count = 0

    def _jid(self):
        self.count += 1
        return f"2024010112000000{self.count:04d}"

    async def publish(self, ids):
        loop = asyncio.get_running_loop()
        jid = self._jid()
        for mid in ids:
            if self.delays.get(mid) is not None:  # None: the job never runs there (gone, or never got it)
                self.running[mid] = jid
                loop.call_later(self.delays[mid], self._done, jid, mid)
        return jid

    def _done(self, jid, mid):
        self.running.pop(mid, None)
        self.queue.put_nowait({"jid": jid, "id": mid, "return": True, "retcode": 0, "success": True})

    async def probe(self, ids, jid):
        probe_jid = self._jid()
        self.probes.append((ids, jid))
        for mid in ids:
            if mid in self.gone:
                continue
            record = {"jid": jid, "fun": "test.sleep"} if self.running.get(mid) == jid else {}
            self.queue.put_nowait({"jid": probe_jid, "id": mid, "return": record, "retcode": 0})
        return probe_jid


async def collect(fake, ids, **kw):
    return [r async for r in run_batch(ids, 1, fake.publish, fake.queue, kw.pop("timeout"), probe=fake.probe,
                                       **kw)]


def test_running_minion_keeps_its_slot_past_the_timeout():
    fake = Minions({"a": 0.5, "b": 0.05})
    rets = asyncio.run(collect(fake, ["a", "b"], timeout=0.1, gather_job_timeout=0.15))
    assert [(r["id"], r["return"]) for r in rets] == [("a", True), ("b", True)]
    assert fake.probes and fake.probes[0][0] == ["a"]  # asked, and asked again while it ran
    assert len([p for p in fake.probes if p[0] == ["a"]]) >= 2


def test_gone_minion_is_no_response_after_one_window_and_the_batch_goes_on():
    fake = Minions({"a": None, "b": 0.05}, gone={"a"})
    loop_start = asyncio.new_event_loop()
    try:
        started = loop_start.time()
        rets = loop_start.run_until_complete(collect(fake, ["a", "b"], timeout=0.1, gather_job_timeout=0.2))
        elapsed = loop_start.time() - started
    finally:
        loop_start.close()
    assert [(r["id"], r["return"]) for r in rets] == [("a", NO_RESPONSE), ("b", True)]
    assert 0.3 <= elapsed < 1.0


def test_minion_not_running_the_job_settles_fast():
    fake = Minions({"a": None, "b": 0.05})  # alive, answers {}: it never got the job
    rets = asyncio.run(collect(fake, ["a", "b"], timeout=0.1, gather_job_timeout=5))
    assert [(r["id"], r["return"]) for r in rets] == [("a", NO_RESPONSE), ("b", True)]
