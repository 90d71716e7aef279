"""State module ``alternatives``: alternative groups registered, removed, in auto mode or set to a path."""

from __future__ import annotations

from typing import Any

from saline.states.api import Plan, StateModule, ret

st = StateModule("alternatives", doc="Manage the alternatives system.")


def _ret(name: str, result: bool | None, changes: dict[str, Any], comment: str,
         **extra: Any) -> dict[str, Any]:
    # Salt's alternatives states echo their arguments (path, link, priority) in the return
    return {**ret(name, result, changes, comment), **extra}


@st.state
def install(ctx: Any, name: str, link: str, path: str, priority: Any, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure ``path`` is registered as an alternative of group ``name`` (master link ``link``) with
    ``priority``."""
    echo = {"link": link, "path": path, "priority": priority}
    try:
        int(str(priority))
    except ValueError:
        return _ret(name, False, {}, f"Alternative for {name} not installed: priority '{priority}' must be an "
                    "integer", **echo)
    if ctx.salt["alternatives.check_exists"](name, path):
        return _ret(name, True, {}, f"Alternative {path} for {name} is already registered", **echo)

    def apply(actx: Any) -> dict[str, Any]:
        out = actx.salt["alternatives.install"](name, link, path, priority)
        if not actx.salt["alternatives.check_exists"](name, path):
            return _ret(name, False, {}, f"Alternative for {name} not installed: {out}", **echo)
        if actx.salt["alternatives.check_installed"](name, path):
            comment = f"Alternative for {name} set to path {path} with priority {priority}"
        else:
            comment = f"Alternative {path} for {name} registered with priority {priority} and not set to default"
        return _ret(name, True, {"name": name, **echo}, comment, **echo)

    return Plan(name, {}, f"Alternative will be set for {name} to {path} with priority {priority}", apply,
                extra=echo)


@st.state
def remove(ctx: Any, name: str, path: str, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure ``path`` is not registered as an alternative of group ``name``."""
    if not ctx.salt["alternatives.check_exists"](name, path):
        current = ctx.salt["alternatives.show_current"](name)
        if current:
            return _ret(name, True, {}, f"Alternative for {name} is set to it's default path {current}", path=path)
        return _ret(name, False, {}, f"Alternative for {name} doesn't exist", path=path)

    def apply(actx: Any) -> dict[str, Any]:
        actx.salt["alternatives.remove"](name, path)
        if actx.salt["alternatives.check_exists"](name, path):
            return _ret(name, False, {}, f"Alternative {path} for {name} could not be removed", path=path)
        current = actx.salt["alternatives.show_current"](name)
        if current:
            return _ret(name, True, {"path": current},
                        f"Alternative for {name} removed. Falling back to path {current}", path=path)
        return _ret(name, True, {}, f"Alternative for {name} removed", path=path)

    return Plan(name, {}, f"Alternative for {name} will be removed", apply, extra={"path": path})


@st.state
def auto(ctx: Any, name: str, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure alternative group ``name`` is in automatic mode."""
    if ctx.salt["alternatives.show_link"](name) is False:
        return ret(name, False, {}, f"Alternative for {name} doesn't exist")
    lines = ctx.salt["alternatives.display"](name).splitlines()
    if lines and lines[0].endswith(" auto mode"):
        return ret(name, True, {}, f"{name} already in auto mode")

    def apply(actx: Any) -> dict[str, Any]:
        return ret(name, True, {"result": actx.salt["alternatives.auto"](name)}, "")

    return Plan(name, {}, f"{name} will be put in auto mode", apply)


@st.state(name="set")
def set_(ctx: Any, name: str, path: str, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure alternative group ``name`` points to ``path`` (which must be registered)."""
    if ctx.salt["alternatives.show_current"](name) == path:
        return _ret(name, True, {}, f"Alternative for {name} already set to {path}", path=path)
    display = ctx.salt["alternatives.display"](name)
    if not any(line.startswith(path) for line in display.splitlines()):
        return _ret(name, False, {}, f"Alternative {path} for {name} doesn't exist", path=path)

    def apply(actx: Any) -> dict[str, Any]:
        actx.salt["alternatives.set"](name, path)
        current = actx.salt["alternatives.show_current"](name)
        if current == path:
            return _ret(name, True, {"path": current}, f"Alternative for {name} set to path {current}", path=path)
        return _ret(name, False, {}, f"Alternative for {name} not updated", path=path)

    return Plan(name, {}, f"Alternative for {name} will be set to path {path}", apply, extra={"path": path})
