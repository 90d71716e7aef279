"""State module ``pkgrepo``: apt source lines present or absent (through ``pkg.*_repo``)."""

from __future__ import annotations

from typing import Any

from saline.errors import SalineError
from saline.states.api import Plan, StateModule, ret

st = StateModule("pkgrepo", doc="Manage package repositories (apt source lists).")

_REPEAT_NOTE = ("This may cause pkg states to behave differently than stated if this action is repeated "
                "without test=True, due to the differences in the configured repositories.")


@st.state
def managed(ctx: Any, name: str, file: str | None = None, key_url: str | None = None,
            clean_file: bool = False, refresh: bool = True, refresh_db: bool | None = None,
            disabled: bool | None = None, enabled: bool | None = None,
            **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure the apt source line ``name`` is configured (in ``file``), optionally with its key."""
    if disabled is None:
        disabled = enabled is False
    repo = str(name)
    try:
        current = ctx.salt["pkg.get_repo"](repo)
    except SalineError as exc:
        return ret(name, False, {}, f"Failed to examine repo '{repo}': {exc}")
    wanted_file = file or None
    up_to_date = (
        current
        and bool(current.get("disabled")) == bool(disabled)
        and (wanted_file is None or current.get("file") == wanted_file)
        and not key_url
        and not clean_file
    )
    if clean_file and current and current.get("file") == wanted_file:
        # clean_file only matters when the file holds other lines too
        others = [e for entries in ctx.salt["pkg.list_repos"]().values() for e in entries
                  if e.get("file") == wanted_file and e.get("line") != current.get("line")]
        up_to_date = not others and bool(current.get("disabled")) == bool(disabled) and not key_url
    if up_to_date:
        return ret(name, True, {}, f"Package repo '{repo}' already configured")

    def apply(actx: Any) -> dict[str, Any]:
        try:
            actx.salt["pkg.mod_repo"](repo, file=wanted_file, disabled=bool(disabled), clean_file=clean_file,
                                      key_url=key_url, refresh=refresh if refresh_db is None else refresh_db)
        except SalineError as exc:
            return ret(name, False, {}, f"Failed to configure repo '{repo}': {exc}")
        return ret(name, True, {"repo": repo}, f"Configured package repo '{repo}'")

    return Plan(name, {"repo": repo}, f"Package repo '{repo}' would be configured. {_REPEAT_NOTE}", apply)


@st.state
def absent(ctx: Any, name: str, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure the apt source line ``name`` is not configured in any source list."""
    repo = str(name)
    try:
        current = ctx.salt["pkg.get_repo"](repo)
    except SalineError as exc:
        return ret(name, False, {}, f"Failed to examine repo '{repo}': {exc}")
    if not current:
        return ret(name, True, {}, f"Package repo {repo} is absent")

    def apply(actx: Any) -> dict[str, Any]:
        try:
            actx.salt["pkg.del_repo"](repo)
        except SalineError as exc:
            return ret(name, False, {}, f"Failed to remove repo {repo}: {exc}")
        return ret(name, True, {"repo": repo}, f"Removed repo {repo}")

    return Plan(name, {"repo": repo}, f"Package repo {repo} will be removed. {_REPEAT_NOTE}", apply)
