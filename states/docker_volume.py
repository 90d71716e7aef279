"""State module ``docker_volume``: volumes present (with a driver) or absent.

Unlike Salt's, ``absent`` honours ``test=True`` (Salt removes the volume even in a dry run).
"""

from __future__ import annotations

from typing import Any

from saline.errors import SalineError
from saline.states.api import Plan, StateModule, ret

st = StateModule("docker_volume", doc="Manage Docker volumes.")


def _find(ctx: Any, name: str) -> dict[str, Any] | None:
    for volume in ctx.salt["docker.volumes"]().get("Volumes") or []:
        if volume.get("Name") == name:
            return volume
    return None


def _opts(driver_opts: Any) -> Any:
    if isinstance(driver_opts, list) and all(isinstance(x, dict) for x in driver_opts):
        merged: dict[str, Any] = {}
        for item in driver_opts:
            merged.update(item)
        return merged
    return driver_opts


@st.state
def present(ctx: Any, name: str, driver: str | None = None, driver_opts: Any = None,
            force: bool = False) -> dict[str, Any] | Plan:
    """Ensure volume ``name`` exists; with ``driver``, an existing volume using another driver is an
    error unless ``force`` (then it is removed and created again)."""
    name = str(name)
    driver_opts = _opts(driver_opts)
    try:
        volume = _find(ctx, name)
    except SalineError as exc:
        return ret(name, False, {}, str(exc))

    def create(actx: Any, changes: dict[str, Any]) -> dict[str, Any]:
        try:
            changes["created"] = actx.salt["docker.create_volume"](name, driver=driver, driver_opts=driver_opts)
        except SalineError as exc:
            return ret(name, False, changes, f"Failed to create volume '{name}': {exc}")
        return ret(name, True, changes, "")

    if volume is None:
        return Plan(name, {}, f"The volume '{name}' will be created", lambda actx: create(actx, {}))
    if driver is not None and volume.get("Driver") != driver:
        if not force:
            return ret(name, None if ctx.test else False, {},
                       f"Driver for existing volume '{name}' ('{volume.get('Driver')}') does not match specified "
                       f"driver ('{driver}') and force is False")

        def replace(actx: Any) -> dict[str, Any]:
            try:
                removed = actx.salt["docker.remove_volume"](name)
            except SalineError as exc:
                return ret(name, False, {}, f"Failed to remove volume '{name}': {exc}")
            return create(actx, {"removed": removed})

        return Plan(name, {}, f"The volume '{name}' will be replaced with a new one using the driver '{driver}'",
                    replace)
    return ret(name, True, {}, f"Volume '{name}' already exists.")


@st.state
def absent(ctx: Any, name: str, driver: str | None = None) -> dict[str, Any] | Plan:
    """Ensure volume ``name`` does not exist (it must not be in use by a container)."""
    name = str(name)
    try:
        volume = _find(ctx, name)
    except SalineError as exc:
        return ret(name, False, {}, str(exc))
    if volume is None:
        return ret(name, True, {}, f"Volume '{name}' already absent")

    def remove(actx: Any) -> dict[str, Any]:
        try:
            return ret(name, True, {"removed": actx.salt["docker.remove_volume"](name)}, "")
        except SalineError as exc:
            return ret(name, False, {}, f"Failed to remove volume '{name}': {exc}")

    return Plan(name, {}, f"Volume '{name}' will be removed", remove)
