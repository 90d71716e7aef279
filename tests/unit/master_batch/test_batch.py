"""Batch execution with a fake publish and return stream (no daemon)."""

from __future__ import annotations

import asyncio
import io

import pytest
from saline.errors import SaltInvocationError
from saline.master.batch import NO_RESPONSE, batch_size, run_batch


@pytest.mark.parametrize(
    ("batch", "total", "size"),
    [("3", 10, 3), (3, 10, 3), ("10%", 10, 1), ("25%", 10, 2), ("50%", 7, 3), ("5%", 10, 1), ("%50", 4, 2),
     ("100%", 4, 4), ("20", 3, 20)],
)
def test_batch_size(batch, total, size):
    assert batch_size(batch, total) == size


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "%", "1%0%", "0%", "", "1.5"])
def test_bad_batch_size(bad):
    with pytest.raises(SaltInvocationError, match="Data must be in the form of %10, 10% or 3"):
        batch_size(bad, 10)


class FakeMinions:
    """Answers each publish after a per-minion delay; records concurrency."""

    def __init__(self, delays, retcodes=None):
        self.delays = delays
        self.retcodes = retcodes or {}
        self.queue: asyncio.Queue = asyncio.Queue()
        self.running: set[str] = set()
        self.peak = 0
        self.publishes: list[list[str]] = []
        self.start_times: dict[str, float] = {}

    async def publish(self, ids):
        loop = asyncio.get_running_loop()
        jid = f"2024010112000000{len(self.publishes):04d}"
        self.publishes.append(ids)
        for mid in ids:
            self.start_times[mid] = loop.time()
            self.running.add(mid)
            self.peak = max(self.peak, len(self.running))
            delay = self.delays.get(mid)
            if delay is not None:
                loop.call_later(delay, self._answer, jid, mid)
        # noise: a return for another job and a minion outside the batch
        self.queue.put_nowait({"jid": "19990101000000000000", "id": ids[0], "return": "old"})
        return jid

    def _answer(self, jid, mid):
        self.running.discard(mid)
        code = self.retcodes.get(mid, 0)
        self.queue.put_nowait({"jid": jid, "id": mid, "return": True, "retcode": code, "success": code == 0})


async def collect(minions, batch, fake, **kw):
    return [r async for r in run_batch(minions, batch, fake.publish, fake.queue, kw.pop("timeout", 5), **kw)]


def test_at_most_n_at_once_and_everyone_returns():
    async def main():
        ids = [f"m{i}" for i in range(7)]
        fake = FakeMinions({m: 0.01 * (i % 3 + 1) for i, m in enumerate(ids)})
        rets = await collect(ids, 2, fake)
        assert sorted(r["id"] for r in rets) == ids
        assert fake.peak == 2
        assert fake.publishes[0] == ["m0", "m1"]
        assert all(r["return"] is True for r in rets)

    asyncio.run(main())


def test_next_starts_as_each_returns():
    async def main():
        fake = FakeMinions({"slow": 0.3, "fast": 0.02, "next": 0.02})
        rets = await collect(["slow", "fast", "next"], 2, fake)
        # "next" started when "fast" returned, long before "slow" did
        assert fake.start_times["next"] - fake.start_times["slow"] < 0.2
        assert [r["id"] for r in rets] == ["fast", "next", "slow"]

    asyncio.run(main())


def test_percent_batch():
    async def main():
        ids = [f"m{i}" for i in range(8)]
        fake = FakeMinions(dict.fromkeys(ids, 0.01))
        await collect(ids, "25%", fake)
        assert fake.peak == 2

    asyncio.run(main())


def test_timeout_frees_the_slot():
    async def main():
        fake = FakeMinions({"a": None, "b": 0.01, "c": 0.01})
        rets = await collect(["a", "b", "c"], 1, fake, timeout=0.1)
        by_id = {r["id"]: r for r in rets}
        assert by_id["a"]["return"] == NO_RESPONSE and by_id["a"]["retcode"] == 1
        assert by_id["b"]["return"] is True and by_id["c"]["return"] is True

    asyncio.run(main())


def test_batch_wait_delays_the_next_start():
    async def main():
        fake = FakeMinions({"a": 0.01, "b": 0.01})
        await collect(["a", "b"], 1, fake, batch_wait=0.2)
        assert fake.start_times["b"] - fake.start_times["a"] >= 0.2

    asyncio.run(main())


def test_failhard_stops_new_starts():
    async def main():
        fake = FakeMinions({"a": 0.01, "b": 0.01, "c": 0.01}, retcodes={"a": 1})
        rets = await collect(["a", "b", "c"], 1, fake, failhard=True)
        assert [r["id"] for r in rets] == ["a"]
        assert fake.publishes == [["a"]]

    asyncio.run(main())


def test_progress_only_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    async def main():
        plain, tty = io.StringIO(), Tty()
        await collect(["a", "b"], 1, FakeMinions({"a": 0.01, "b": 0.01}), progress=plain)
        await collect(["a", "b"], 1, FakeMinions({"a": 0.01, "b": 0.01}), progress=tty)
        assert plain.getvalue() == ""
        assert "Executing run on ['a'] (0/2 done)" in tty.getvalue()
        assert "Executing run on ['b'] (1/2 done)" in tty.getvalue()

    asyncio.run(main())


def test_no_minions_no_publish():
    async def main():
        fake = FakeMinions({})
        assert await collect([], "10%", fake) == []
        assert fake.publishes == []

    asyncio.run(main())
