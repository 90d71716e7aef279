"""State module ``test``: states that report fixed outcomes, for trying out requisites and outputters.

They touch nothing. The ``*_with_changes`` states return a :class:`Plan`, so test mode reports them
with ``result: None`` and the pretended change, like every state that would change something.
"""

from __future__ import annotations

import random
from typing import Any

from saline.errors import SaltInvocationError
from saline.states.api import Plan, StateModule, ret

st = StateModule("test", doc="States with fixed outcomes, for testing state trees and requisites.")

_CHANGES = {"testing": {"old": "Unchanged", "new": "Something pretended to change"}}


def _changes() -> dict[str, Any]:
    return {"testing": dict(_CHANGES["testing"])}


@st.state
def nop(ctx: Any, name: str, **kwargs: Any) -> dict[str, Any]:
    """Do nothing and succeed (a placeholder to hang requisites on)."""
    return succeed_without_changes(ctx, name)


@st.state
def succeed_without_changes(ctx: Any, name: str, comment: str = "Success!", **kwargs: Any) -> dict[str, Any]:
    """Succeed without changes."""
    return ret(name, True, {}, comment)


@st.state
def fail_without_changes(ctx: Any, name: str, comment: str = "Failure!", **kwargs: Any) -> dict[str, Any]:
    """Fail without changes (also in test mode)."""
    if ctx.test:
        return ret(name, False, {}, "If we weren't testing, this would be a failure!")
    return ret(name, False, {}, comment)


@st.state
def succeed_with_changes(ctx: Any, name: str, comment: str = "Success!", **kwargs: Any) -> Plan:
    """Succeed and report a pretended change."""
    return Plan(name, _changes(), "If we weren't testing, this would be successful with changes",
                lambda _ctx: ret(name, True, _changes(), comment))


@st.state
def fail_with_changes(ctx: Any, name: str, comment: str = "Failure!", **kwargs: Any) -> Plan:
    """Fail while reporting a pretended change."""
    return Plan(name, _changes(), "If we weren't testing, this would be failed with changes",
                lambda _ctx: ret(name, False, _changes(), comment))


@st.state
def show_notification(ctx: Any, name: str, text: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """Succeed with ``text`` (default: the name) as the comment."""
    return ret(name, True, {}, text if text is not None else name)


def _pick(value: Any, option: str) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() == "random":
        return random.choice((True, False))
    raise SaltInvocationError(
        f"You have specified the state option '{option}' with invalid arguments. "
        "It must be either True, False, or 'Random'"
    )


@st.state
def configurable_test_state(ctx: Any, name: str, changes: Any = True, result: Any = True, comment: str = "",
                            warnings: Any = None, allow_test_mode_failure: bool = False) -> dict[str, Any]:
    """Report the given ``changes`` (True/False/"Random"), ``result`` and ``comment``.

    In test mode the result is None when changes are reported, True otherwise (False with
    ``allow_test_mode_failure`` and ``result: False``), and the comment defaults to "This is a test".
    """
    out = ret(name, False, _changes() if _pick(changes, "changes") else {}, comment)
    out["result"] = _pick(result, "result")
    if warnings is not None:
        if isinstance(warnings, str):
            out["warnings"] = [warnings]
        elif isinstance(warnings, list):
            out["warnings"] = warnings
        else:
            raise SaltInvocationError(
                "You have specified the state option 'warnings' with invalid arguments. "
                "It must be a string or a list of strings"
            )
    if ctx.test:
        if allow_test_mode_failure and result is False:
            out["result"] = False
        else:
            out["result"] = True if changes is False else None
        out["comment"] = comment or "This is a test"
    return out


_TYPE_LABELS = {bool: "<class 'bool'>", int: "<class 'int'>", str: "(<class 'str'>,)",
                list: "<class 'list'>", dict: "<class 'dict'>"}


def _lookup(pillar: dict[str, Any], key: str) -> tuple[bool, Any]:
    data: Any = pillar
    for part in str(key).split(":"):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return False, None
    return True, data


@st.state
def check_pillar(ctx: Any, name: str, present: Any = None, boolean: Any = None, integer: Any = None,
                 string: Any = None, listing: Any = None, dictionary: Any = None,
                 verbose: bool = False) -> dict[str, Any]:
    """Check pillar keys (``a:b`` paths) exist and have the given types."""
    if not (present or boolean or integer or string or listing or dictionary):
        raise SaltInvocationError("Missing required argument text.")
    checks: list[tuple[type | None, Any]] = [(None, present), (bool, boolean), (int, integer), (str, string),
                                             (list, listing), (dict, dictionary)]
    out = ret(name, True, {}, "")
    failed: dict[str, type | None] = {}
    fine: dict[str, type | None] = {}
    for kind, keys in checks:
        for key in [keys] if isinstance(keys, str) else keys or []:
            found, value = _lookup(ctx.pillar, key)
            if not found or value == "":
                failed[key] = None
            elif kind is not None and not (isinstance(value, kind)
                                           and not (kind is int and isinstance(value, bool))):
                failed[key] = kind
            else:
                fine[key] = kind
    for key, kind in failed.items():
        out["result"] = False
        out["comment"] += f'Pillar key "{key}" ' + (
            "is missing.\n" if kind is None else f"is not {_TYPE_LABELS[kind]}.\n")
    if verbose and fine:
        out["comment"] += "Those keys passed the check:\n" + "".join(
            f"- {key} ({_TYPE_LABELS.get(kind) if kind else None})\n" for key, kind in fine.items())
    return out


@st.watch
def mod_watch(ctx: Any, name: str, sfun: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """Run when a watched state changed: report which watched states had changes."""
    running = kwargs.get("__running__") or {}
    reqs = kwargs.get("__reqs__") or {}
    changed = []
    for req in reqs.get("watch", []):
        tag = f"{req['state']}_|-{req['__id__']}_|-{req['name']}_|-{req['fun']}"
        if (running.get(tag) or {}).get("changes"):
            changed.append(f"{req['state']}: {req['__id__']}")
    return {
        "name": name,
        "result": kwargs.get("result", True),
        "comment": kwargs.get("comment", "Watch statement fired."),
        "changes": kwargs.get("changes", {"Requisites with changes": changed}),
    }
