"""EventBus: stamps, prefix subscriptions, bounded queues, thread hand-off, minion namespacing."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading

import pytest
from saline.errors import SaltInvocationError
from saline.master.events import (
    EventBus,
    minion_event,
    tag_job_new,
    tag_job_ret,
    tag_matches,
    tag_minion_refresh,
    tag_minion_start,
)


def run(coro):
    return asyncio.run(coro)


def test_salt_tags():
    assert tag_job_new("20240101120000123456") == "salt/job/20240101120000123456/new"
    assert tag_job_ret("1", "web1") == "salt/job/1/ret/web1"
    assert tag_minion_start("web1") == "salt/minion/web1/start"
    assert tag_minion_refresh("web1") == "minion/refresh/web1"


def test_publish_stamps_and_delivers_by_prefix():
    async def main():
        bus = EventBus()
        jobs = bus.subscribe("salt/job/")
        everything = bus.subscribe()
        event = bus.publish("salt/job/1/new", {"jid": "1", "_stamp": "forged"})
        bus.publish("salt/auth", {"id": "m"})
        assert event["data"]["_stamp"] != "forged"
        dt.datetime.fromisoformat(event["data"]["_stamp"])
        got = await jobs.get(1)
        assert got["tag"] == "salt/job/1/new" and got["data"]["jid"] == "1"
        assert await jobs.get(0.05) is None
        assert [(await everything.get(1))["tag"] for _ in range(2)] == ["salt/job/1/new", "salt/auth"]
        jobs.close()
        everything.close()
        assert bus.subscriber_count == 0

    run(main())


def test_async_iteration_ends_when_closed():
    async def main():
        bus = EventBus()
        sub = bus.subscribe("a")
        for i in range(3):
            bus.publish(f"a/{i}", {})
        seen = []
        async for event in sub:
            seen.append(event["tag"])
            if len(seen) == 3:
                sub.close()
        assert seen == ["a/0", "a/1", "a/2"]

    run(main())


def test_slow_subscriber_drops_oldest_and_never_blocks():
    async def main():
        bus = EventBus(queue_size=10)
        slow = bus.subscribe()
        for i in range(25):
            bus.publish(f"t/{i}", {"i": i})  # returns at once although nobody reads
        assert slow.dropped == 15
        tags = [(await slow.get(1))["tag"] for _ in range(10)]
        assert tags == [f"t/{i}" for i in range(15, 25)]

    run(main())


def test_threadsafe_publish_and_get():
    async def main():
        bus = EventBus()
        bus.attach()
        sub = bus.subscribe("x/")
        result = {}

        def worker():
            bus.publish_threadsafe("x/from-thread", {"n": 1})
            result["event"] = sub.get_threadsafe(5)
            result["none"] = sub.get_threadsafe(0.05)

        thread = threading.Thread(target=worker)
        thread.start()
        while thread.is_alive():
            await asyncio.sleep(0.01)
        assert result["event"]["data"]["n"] == 1 and result["none"] is None

    run(main())


def test_tag_matching_like_salt():
    assert tag_matches("salt/job/1/new", "*")
    assert tag_matches("salt/job/1/new", "salt/job/1/new")
    assert tag_matches("salt/job/1/ret/web1", "salt/job/*/ret/*")
    assert tag_matches("salt/job/1/ret/web1", r"salt/job/\d+/ret/web.")
    assert not tag_matches("salt/auth", "salt/job/*")
    assert not tag_matches("salt/auth", "([")


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("salt/job/123/ret/other", "minion/m1/salt/job/123/ret/other"),
        ("salt/job/123/new", "minion/m1/salt/job/123/new"),
        ("salt/auth", "minion/m1/salt/auth"),
        ("salt/key", "minion/m1/salt/key"),
        ("salt/minion/other/start", "minion/m1/salt/minion/other/start"),
        ("minion/refresh/other", "minion/m1/minion/refresh/other"),
        ("minion/other/x", "minion/m1/minion/other/x"),
        ("/salt/job/1/new", "minion/m1/salt/job/1/new"),
        ("myapp/deploy/done", "minion/m1/myapp/deploy/done"),
        ("salt/minion/m1/start", "salt/minion/m1/start"),
        ("minion_start", "salt/minion/m1/start"),
        ("minion/refresh/m1", "minion/refresh/m1"),
    ],
)
def test_minion_events_cannot_fake_master_tags(tag, expected):
    new_tag, data = minion_event("m1", tag, {"id": "other", "_stamp": "x", "retcode": 0})
    assert new_tag == expected
    assert data["id"] == "m1" and "_stamp" not in data
    master_tags = ("salt/job/", "salt/auth", "salt/key", "salt/minion/other/", "minion/refresh/other",
                   "minion/other/")
    assert not any(new_tag.startswith(p) for p in master_tags)


def test_minion_event_bad_input():
    for bad_id in ("", "a/b", "..", "a\x00", "a\nb", None):
        with pytest.raises(SaltInvocationError):
            minion_event(bad_id, "x", {})
    for bad_tag in ("", "/", None, "a\x00b"):
        with pytest.raises(SaltInvocationError):
            minion_event("m1", bad_tag, {})
    assert minion_event("m1", "x", [1, 2]) == ("minion/m1/x", {"data": [1, 2], "id": "m1"})


def test_publish_needs_a_tag():
    with pytest.raises(SaltInvocationError):
        EventBus().publish("", {})
