"""Module ``event``: send events to the master's event bus from a minion job.

The master files them under ``minion/<this minion's id>/<tag>`` (a minion can never fake a master event);
``saline-run state.event`` shows them. Without a master (``saline-call --local``) there is no bus to send
to: the functions say so and return False.
"""

from __future__ import annotations

from typing import Any

from saline.errors import SaltInvocationError
from saline.loader import Context, Module

mod = Module("event", doc="Send events to the master's event bus.")


def _fire(ctx: Context, tag: Any, data: Any) -> bool:
    if not isinstance(tag, str) or not tag.strip("/"):
        raise SaltInvocationError("the event tag must be a non-empty string")
    request = ctx.scratch.get("master_request")
    if request is None:
        ctx.log.warning("event %s not sent: this call has no master connection (masterless)", tag)
        return False
    reply = request("_event", {"tag": tag, "data": data if data is not None else {}})
    return isinstance(reply, dict) and "tag" in reply


@mod.action
def send(ctx: Context, tag: str, data: Any = None, **kwargs: Any) -> bool:
    """Send event ``tag`` with ``data`` (a dict) to the master's bus; True when the master took it.

    CLI Example: ``saline '*' event.send myapp/deployed '{version: 2}'``
    """
    return _fire(ctx, tag, data)


@mod.action
def fire_master(ctx: Context, data: Any, tag: str, **kwargs: Any) -> bool:
    """Salt's older spelling: send ``data`` under ``tag`` to the master's bus.

    CLI Example: ``saline '*' event.fire_master '{status: ok}' myapp/health``
    """
    return _fire(ctx, tag, data)
