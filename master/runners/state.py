"""``state.event``: watch the master's event bus from the command line."""

from __future__ import annotations

import json
from typing import Any

from saline.errors import SaltInvocationError
from saline.master.events import tag_matches

_POLL = 0.5  # seconds between checks that the caller is still listening


def format_event(tag: str, data: Any, pretty: bool = False) -> str:
    """One event as Salt prints it: the tag, a tab, then the data as JSON (indented and sorted if pretty)."""
    return f"{tag}\t{json.dumps(data, sort_keys=pretty, indent=4 if pretty else None, default=str)}"


def event(api: Any, tagmatch: str = "*", count: int = -1, quiet: bool = False, sock_dir: Any = None,
          pretty: bool = False, node: str = "master") -> None:
    """Print events whose tag matches ``tagmatch`` (glob or regex) as they happen.

    Stops after ``count`` matching events (-1: never); ``quiet=True`` prints nothing (useful to wait
    for events in a script).

    CLI Example: ``saline-run state.event 'salt/job/*/ret/*' count=3 pretty=True``
    """
    if node != "master":
        raise SaltInvocationError("state.event on the master reads the master's bus (node=master)")
    if not isinstance(count, int) or isinstance(count, bool):
        raise SaltInvocationError(f"count must be an integer, not {count!r}")
    bus = api.need("events", "state.event")
    sub = bus.subscribe("")
    try:
        remaining = count
        while remaining != 0:
            item = sub.get_threadsafe(_POLL)
            if item is None:
                continue
            if not tag_matches(item["tag"], str(tagmatch)):
                continue
            if not quiet:
                api.emit(format_event(item["tag"], item["data"], bool(pretty)))
            if remaining > 0:
                remaining -= 1
    finally:
        sub.close()
