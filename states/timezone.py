"""State module ``timezone``: the system time zone and whether the hardware clock keeps UTC."""

from __future__ import annotations

from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.states.api import Plan, StateModule, ret

st = StateModule("timezone", doc="Manage the system time zone.")


@st.state
def system(ctx: Any, name: str, utc: Any = True, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure the system time zone is ``name`` (``Europe/Paris``); with ``utc`` true (the default) the
    hardware clock is also set to keep UTC. As in Salt, ``utc: False`` leaves the clock mode alone."""
    try:
        same_zone = ctx.salt["timezone.zone_compare"](name)
    except (SaltInvocationError, CommandExecutionError) as exc:
        return ret(name, False, {}, f"Unable to compare desired timezone '{name}' to system timezone: {exc}")
    clock_utc = ctx.salt["timezone.get_hwclock"]() != "localtime"
    set_clock = bool(utc) and not clock_utc
    if same_zone and not set_clock:
        notes = [f"Timezone {name} already set"] + ([f"UTC already set to {name}"] if utc else [])
        return ret(name, True, {}, ", ".join(notes))

    planned = ([] if same_zone else [f"Timezone {name} needs to be set"])
    planned += [f"UTC needs to be set to {utc}"] if set_clock else []

    def apply(actx: Any) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        messages: list[str] = []
        ok = True
        if not same_zone:
            done = actx.salt["timezone.set_zone"](name)
            if done is True:
                changes["timezone"] = name
                messages.append(f"Set timezone {name}")
            else:
                ok = False
                messages.append(f"Failed to set timezone: {done}" if isinstance(done, str) else
                                "Failed to set timezone")
        if set_clock:
            if actx.salt["timezone.set_hwclock"]("UTC"):
                changes["utc"] = utc
                messages.append(f"Set UTC to {utc}")
            else:
                ok = False
                messages.append(f"Failed to set UTC to {utc}")
        return ret(name, ok, changes, ", ".join(messages))

    return Plan(name, {}, ", ".join(planned), apply)
