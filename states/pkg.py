"""State module ``pkg``: packages installed at a version, the latest, removed, purged, held.

Planning asks the ``pkg`` execution module (installed versions, candidates, selections) and
returns a :class:`Plan` naming exactly the packages to change; applying makes one ``pkg.install``
(or remove/purge) call for all of them. Comments and ``changes`` follow Salt's wording.
"""

from __future__ import annotations

from typing import Any

from saline.errors import SalineError
from saline.states.api import Plan, StateModule, ret

st = StateModule("pkg", doc="Manage installed packages.")


def _targets(name: str, pkgs: Any, version: Any) -> dict[str, str | None]:
    """``{package: wanted version or None}`` from Salt's name/pkgs/version arguments."""
    if pkgs:
        wanted: dict[str, str | None] = {}
        for item in pkgs:
            if isinstance(item, dict):
                wanted.update({str(k): None if v is None else str(v) for k, v in item.items()})
            else:
                wanted[str(item)] = None
        return wanted
    return {str(name): None if version in (None, "") else str(version)}


def _version_matches(ctx: Any, installed: str, wanted: str) -> bool:
    wanted = wanted.strip()
    for op in (">=", "<=", "==", ">", "<", "="):
        if wanted.startswith(op):
            cmp = ctx.salt["pkg.version_cmp"](installed, wanted[len(op):].strip())
            return {">=": cmp >= 0, "<=": cmp <= 0, ">": cmp > 0, "<": cmp < 0}.get(op, cmp == 0)
    if wanted.endswith("*"):
        return installed.startswith(wanted[:-1])
    return ctx.salt["pkg.version_cmp"](installed, wanted) == 0


def _refresh(ctx: Any, refresh: Any) -> None:
    if refresh and not ctx.planning:
        ctx.salt["pkg.refresh_db"]()


def _spec(pkg: str, version: str | None) -> str:
    return f"{pkg}={version}" if version else pkg


@st.state
def installed(ctx: Any, name: str, version: Any = None, refresh: Any = None, fromrepo: str | None = None,
              skip_verify: bool = False, pkgs: Any = None, sources: Any = None, hold: Any = None,
              reinstall: bool = False, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure packages are installed (at ``version`` when given); ``hold`` pins them afterwards."""
    if sources:
        wanted: dict[str, str | None] = {str(next(iter(s))): None for s in sources}
    else:
        wanted = _targets(name, pkgs, version)
    current = ctx.salt["pkg.list_pkgs"]()
    todo: dict[str, dict[str, str]] = {}
    already: list[str] = []
    for pkg, ver in wanted.items():
        have = current.get(pkg, "")
        if have and (ver is None or _version_matches(ctx, have, ver)) and not reinstall:
            already.append(_spec(pkg, ver))
            continue
        if ver is None or ver.startswith((">", "<", "=")) or ver.endswith("*"):
            target = ctx.salt["pkg.latest_version"](pkg, refresh=False) or have or ""
            if not target and not sources:
                return ret(name, False, {}, f"The following packages failed to install/update: {pkg}")
        else:
            target = ver
        todo[pkg] = {"new": target if not sources else "", "old": have}
    held_plan = _hold_plan(ctx, list(wanted)) if hold else []
    if not todo and not held_plan:
        return ret(name, True, {},
                   "All specified packages are already installed and are at the desired version")

    def apply(actx: Any) -> dict[str, Any]:
        _refresh(actx, refresh)
        try:
            changes = actx.salt["pkg.install"](
                name=None if pkgs or sources else name, pkgs=[{p: wanted[p]} for p in todo] if pkgs else None,
                sources=sources, version=wanted.get(str(name)) if not pkgs and not sources else None,
                fromrepo=fromrepo, skip_verify=skip_verify, reinstall=reinstall,
            ) if todo else {}
        except SalineError as exc:
            return ret(name, False, {}, f"An error was encountered while installing package(s): {exc}")
        if hold:
            for pkg, held in actx.salt["pkg.hold"](pkgs=list(wanted)).items():
                if held["changes"]:
                    changes.setdefault(pkg, {})["hold"] = held["changes"]
        missing = [p for p in todo if p not in changes and not (hold and p in held_plan)]
        if missing:
            return ret(name, False, changes,
                       f"The following packages failed to install/update: {', '.join(missing)}")
        if len(wanted) == 1 and not already:
            return ret(name, True, changes, f"{len(todo)} targeted package was installed/updated.")
        lines = [f"The following packages were installed/updated: {', '.join(sorted(todo))}"] if todo else []
        if already:
            lines.append(f"The following packages were already installed: {', '.join(already)}")
        return ret(name, True, changes, "\n".join(lines))

    return Plan(name, todo,
                f"The following packages would be installed/updated: {', '.join(sorted(todo or held_plan))}",
                apply)


@st.state
def latest(ctx: Any, name: str, refresh: Any = None, fromrepo: str | None = None, pkgs: Any = None,
           skip_verify: bool = False, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure packages are installed at the newest version apt offers (pins honoured)."""
    names = list(_targets(name, pkgs, None))
    current = ctx.salt["pkg.list_pkgs"]()
    todo: dict[str, dict[str, str]] = {}
    for pkg in names:
        newer = ctx.salt["pkg.latest_version"](pkg, refresh=False)
        if newer:
            todo[pkg] = {"new": newer, "old": current.get(pkg, "")}
        elif pkg not in current:
            return ret(name, False, {}, f"No information found for '{pkg}'.")
    if not todo:
        if len(names) == 1:
            return ret(name, True, {}, f"Package {names[0]} is already up-to-date")
        return ret(name, True, {}, "All packages are up-to-date")

    def apply(actx: Any) -> dict[str, Any]:
        _refresh(actx, refresh)
        try:
            changes = actx.salt["pkg.install"](pkgs=list(todo), fromrepo=fromrepo, skip_verify=skip_verify)
        except SalineError as exc:
            return ret(name, False, {}, f"An error was encountered while installing package(s): {exc}")
        failed = [p for p in todo if p not in changes]
        if failed:
            return ret(name, False, changes, f"The following packages failed to update: {', '.join(failed)}")
        return ret(name, True, changes,
                   f"The following packages were successfully installed/upgraded: {', '.join(sorted(todo))}")

    return Plan(name, todo, f"The following packages would be installed/upgraded: {', '.join(sorted(todo))}",
                apply)


def _uninstall(ctx: Any, action: str, name: str, pkgs: Any) -> dict[str, Any] | Plan:
    names = list(_targets(name, pkgs, None))
    current = ctx.salt["pkg.list_pkgs"]()
    present = [p for p in names if p in current]
    if not present:
        if action == "purge":
            return ret(name, True, {}, "None of the targeted packages are installed or partially installed")
        return ret(name, True, {}, "All specified packages are already absent")
    verb = "removed" if action == "remove" else "purged"

    def apply(actx: Any) -> dict[str, Any]:
        try:
            changes = actx.salt[f"pkg.{action}"](pkgs=present)
        except SalineError as exc:
            return ret(name, False, {}, f"An error was encountered while {action[:-1]}ing packages: {exc}")
        still = [p for p in present if p in actx.salt["pkg.list_pkgs"]()]
        if still:
            return ret(name, False, changes, f"The following packages were not {verb}: {', '.join(still)}.")
        return ret(name, True, changes, f"All targeted packages were {verb}.")

    planned = {p: {"new": verb, "old": ""} for p in present}
    return Plan(name, planned, f"The following packages will be {verb}: {', '.join(present)}.", apply)


@st.state
def removed(ctx: Any, name: str, pkgs: Any = None, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure packages are not installed (configuration files are kept)."""
    return _uninstall(ctx, "remove", name, pkgs)


@st.state
def purged(ctx: Any, name: str, pkgs: Any = None, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure packages are not installed and their configuration files are gone."""
    return _uninstall(ctx, "purge", name, pkgs)


def _hold_plan(ctx: Any, names: list[str], state: str = "hold") -> list[str]:
    """Names whose dpkg selection is not yet ``state``."""
    held_now = set(ctx.salt["pkg.get_selections"](state="hold").get("hold", []))
    return [n for n in names if (n in held_now) != (state == "hold")]


def _hold_state(ctx: Any, name: str, pkgs: Any, state: str) -> dict[str, Any] | Plan:
    names = list(_targets(name, pkgs, None))
    todo = _hold_plan(ctx, names, state)
    if not todo:
        return ret(name, True, {}, "No changes made")
    fun = "pkg.hold" if state == "hold" else "pkg.unhold"

    def apply(actx: Any) -> dict[str, Any]:
        result = actx.salt[fun](pkgs=todo)
        changes = {p: r for p, r in result.items() if r["changes"]}
        failed = [r["comment"] for r in result.values() if not r["result"]]
        comments = [r["comment"].rstrip(".") if state == "hold" else r["comment"] for r in result.values()]
        return ret(name, not failed, changes, "\n".join(failed or comments))

    verb = "held" if state == "hold" else "unheld"
    return Plan(name, {p: {"old": "install" if state == "hold" else "hold", "new": state} for p in todo},
                f"The following package{'s' if len(todo) > 1 else ''} would be {verb}: {', '.join(todo)}",
                apply)


@st.state
def held(ctx: Any, name: str, pkgs: Any = None, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure packages are held at their installed version."""
    return _hold_state(ctx, name, pkgs, "hold")


@st.state
def unheld(ctx: Any, name: str, pkgs: Any = None, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure packages are not held."""
    return _hold_state(ctx, name, pkgs, "install")
