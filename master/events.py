"""The master's event bus (asyncio): Salt's tags, bounded subscriber queues, minion namespacing.

``publish(tag, data)`` never blocks: each subscriber has a bounded queue and a slow subscriber loses
its *oldest* events (counted in ``dropped``), so a stuck ``saline-run state.event`` cannot stall the
master. Events a minion sends are renamed under its own id by :func:`minion_event` before they are
published, so a minion can never produce a master tag such as ``salt/job/<jid>/ret/<other id>``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fnmatch
import re
import threading
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from saline.errors import SaltInvocationError

DEFAULT_QUEUE_SIZE = 1000
_ID_BAD = re.compile(r"[/\\\x00-\x1f\x7f]")


# ---- Salt's tags ---------------------------------------------------------------------------------

def tag_job_new(jid: str) -> str:
    return f"salt/job/{jid}/new"


def tag_job_ret(jid: str, minion_id: str) -> str:
    return f"salt/job/{jid}/ret/{minion_id}"


def tag_minion_start(minion_id: str) -> str:
    return f"salt/minion/{minion_id}/start"


def tag_minion_refresh(minion_id: str) -> str:
    return f"minion/refresh/{minion_id}"


TAG_AUTH = "salt/auth"
TAG_KEY = "salt/key"


def stamp() -> str:
    """Salt's ``_stamp``: the UTC time as ISO 8601 with microseconds."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def tag_matches(tag: str, tagmatch: str) -> bool:
    """Salt's ``state.event`` matching: exact tag, else a glob, else a regular expression."""
    if tagmatch in ("", "*") or tag == tagmatch:
        return True
    if fnmatch.fnmatch(tag, tagmatch):
        return True
    try:
        return re.match(tagmatch, tag) is not None
    except re.error:
        return False


def minion_event(minion_id: str, tag: Any, data: Any) -> tuple[str, dict[str, Any]]:
    """The (tag, data) to publish for an event a minion sent (DESIGN §3 property 9).

    Only the minion's own start and refresh tags keep their Salt names
    (``salt/minion/<id>/start``, ``minion/refresh/<id>``; ``minion_start`` means the former); any
    other tag becomes ``minion/<id>/<tag>``. ``data["id"]`` is always the sender and a ``_stamp``
    the minion sent is replaced by the master's.
    """
    if not isinstance(minion_id, str) or not minion_id or _ID_BAD.search(minion_id) or minion_id in (".", ".."):
        raise SaltInvocationError(f"Invalid minion id {minion_id!r} for an event")
    if not isinstance(tag, str) or not tag.strip("/") or "\x00" in tag:
        raise SaltInvocationError(f"Invalid event tag {tag!r} from minion {minion_id}")
    body = dict(data) if isinstance(data, dict) else {"data": data}
    body.pop("_stamp", None)
    body["id"] = minion_id
    if tag in ("minion_start", tag_minion_start(minion_id)):
        return tag_minion_start(minion_id), body
    if tag == tag_minion_refresh(minion_id):
        return tag, body
    return f"minion/{minion_id}/{tag.lstrip('/')}", body


# ---- the bus -------------------------------------------------------------------------------------

class Subscription:
    """Events whose tag starts with ``prefix``, in order, oldest dropped when the queue is full."""

    def __init__(self, bus: EventBus, prefix: str, maxsize: int) -> None:
        self.bus = bus
        self.prefix = prefix
        self.dropped = 0
        self._queue: deque[dict[str, Any]] = deque(maxlen=maxsize)
        self._wakeup = asyncio.Event()
        self._closed = False

    def _put(self, event: dict[str, Any]) -> None:
        if len(self._queue) == self._queue.maxlen:
            self.dropped += 1  # deque(maxlen) drops the oldest on append
        self._queue.append(event)
        self._wakeup.set()

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self

    async def __anext__(self) -> dict[str, Any]:
        while not self._queue:
            if self._closed:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()
        return self._queue.popleft()

    async def get(self, timeout: float | None = None) -> dict[str, Any] | None:
        """The next event, or None after ``timeout`` seconds (or when the subscription is closed)."""
        try:
            return await asyncio.wait_for(self.__anext__(), timeout)
        except (TimeoutError, StopAsyncIteration):
            return None

    def get_threadsafe(self, timeout: float | None = None) -> dict[str, Any] | None:
        """:meth:`get` for code running in another thread (runners run in executor threads)."""
        loop = self.bus.loop
        if loop is None:
            raise RuntimeError("the event bus is not attached to a running event loop")
        return asyncio.run_coroutine_threadsafe(self.get(timeout), loop).result()

    def close(self) -> None:
        self._closed = True
        self._wakeup.set()
        self.bus._subscribers.discard(self)

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()


class EventBus:
    """In-process publish/subscribe of ``{"tag": ..., "data": {..., "_stamp": ...}}`` events."""

    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        self.loop: asyncio.AbstractEventLoop | None = None
        self._subscribers: set[Subscription] = set()
        self._lock = threading.Lock()

    def attach(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Bind the bus to the daemon's loop (done on first use from inside a running loop)."""
        self.loop = loop or asyncio.get_running_loop()

    def publish(self, tag: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Deliver an event to every matching subscriber now (call from the loop's thread)."""
        if not isinstance(tag, str) or not tag:
            raise SaltInvocationError("An event needs a non-empty string tag")
        body = dict(data or {})
        body["_stamp"] = stamp()
        event = {"tag": tag, "data": body}
        for sub in list(self._subscribers):
            if tag.startswith(sub.prefix):
                sub._put(event)
        return event

    def publish_threadsafe(self, tag: str, data: dict[str, Any] | None = None) -> None:
        """:meth:`publish` from another thread: scheduled on the bus's loop."""
        if self.loop is None:
            raise RuntimeError("the event bus is not attached to a running event loop")
        self.loop.call_soon_threadsafe(self.publish, tag, data)

    def subscribe(self, prefix: str = "", maxsize: int | None = None) -> Subscription:
        """A subscription to tags starting with ``prefix`` (``""``: everything).

        Use as ``async for event in bus.subscribe("salt/job/")`` or with ``async with``; close it
        when done so the bus stops filling its queue.
        """
        if self.loop is None:
            try:
                self.attach()
            except RuntimeError:
                pass  # created outside a loop: attach() later
        sub = Subscription(self, prefix, maxsize or self.queue_size)
        self._subscribers.add(sub)
        return sub

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)
