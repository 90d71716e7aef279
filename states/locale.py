"""State module ``locale``: locales generated, and the system locale."""

from __future__ import annotations

from typing import Any

from saline.errors import CommandExecutionError
from saline.states.api import Plan, StateModule, ret

st = StateModule("locale", doc="Manage locales.")


@st.state
def system(ctx: Any, name: str, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure the system locale (``LANG``) is ``name``."""
    try:
        if ctx.salt["locale.get_locale"]() == name:
            return ret(name, True, {}, f"System locale {name} already set")
    except CommandExecutionError as exc:
        return ret(name, False, {}, f"Failed to set system locale: {exc}")

    def apply(actx: Any) -> dict[str, Any]:
        try:
            if actx.salt["locale.set_locale"](name):
                return ret(name, True, {"locale": name}, f"Set system locale {name}")
        except CommandExecutionError as exc:
            return ret(name, False, {}, f"Failed to set system locale: {exc}")
        return ret(name, False, {}, f"Failed to set system locale to {name}")

    return Plan(name, {}, f"System locale {name} needs to be set", apply)


@st.state
def present(ctx: Any, name: str, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure locale ``name`` is generated (available)."""
    if ctx.salt["locale.avail"](name):
        return ret(name, True, {}, f"Locale {name} is already present")

    def apply(actx: Any) -> dict[str, Any]:
        try:
            done = actx.salt["locale.gen_locale"](name)
        except CommandExecutionError as exc:
            return ret(name, False, {}, f"Failed to generate locale {name}: {exc}")
        if done:
            return ret(name, True, {"locale": name}, f"Generated locale {name}")
        return ret(name, False, {}, f"Failed to generate locale {name}")

    return Plan(name, {}, f"Locale {name} needs to be generated", apply)
