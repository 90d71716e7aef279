"""Result records of the state runner in Salt's shape: timings, key order and the fixed comments."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

CORE_KEYS = ("name", "changes", "result", "comment")


def now() -> datetime.datetime:
    return datetime.datetime.now()


def start_time(moment: datetime.datetime) -> str:
    """Salt's ``start_time``: local wall-clock time, ``HH:MM:SS.ffffff`` (no fraction when it is 0)."""
    return moment.time().isoformat()


def duration_ms(start: datetime.datetime, end: datetime.datetime) -> float:
    """Milliseconds with microsecond precision, as Salt computes ``duration``."""
    delta = end - start
    return (delta.days * 86400 * 1_000_000 + delta.seconds * 1_000_000 + delta.microseconds) / 1000.0


def fake_timing() -> tuple[str, float]:
    """Start time and (near zero) duration for states that did not run."""
    begin = now()
    return start_time(begin), duration_ms(begin, now())


def unify(ret: dict[str, Any]) -> dict[str, Any]:
    """A list comment becomes lines; a non-None result becomes a bool (like Salt's output unifier)."""
    if isinstance(ret.get("comment"), list):
        ret["comment"] = "\n".join(str(line) for line in ret["comment"])
    if ret.get("result") is not None:
        ret["result"] = bool(ret["result"])
    return ret


def content_error(ret: Any) -> str | None:
    """Why a state return is malformed, or None."""
    if not isinstance(ret, Mapping):
        return "Malformed state return. Data must be a dictionary type."
    if not isinstance(ret.get("changes"), dict):
        return "'Changes' should be a dictionary."
    missing = [key for key in CORE_KEYS if key not in ret]
    if missing:
        return f"The following keys were not present in the state return: {', '.join(missing)}."
    return None


def ordered(ret: Mapping[str, Any]) -> dict[str, Any]:
    """Core keys first in Salt's order (name, changes, result, comment), then the others as given."""
    out = {key: ret[key] for key in CORE_KEYS if key in ret}
    out.update((key, value) for key, value in ret.items() if key not in out)
    return out


def skipped(low: Mapping[str, Any], run_num: int, comment: str, result: bool = False,
            state_ran: bool | None = None) -> dict[str, Any]:
    """A state that did not run (failed requisite, onchanges/onfail not triggered, ...)."""
    begin, duration = fake_timing()
    ret: dict[str, Any] = {"changes": {}, "result": result, "duration": duration, "start_time": begin,
                           "comment": comment}
    if state_ran is not None:
        ret["__state_ran__"] = state_ran
    ret["__run_num__"] = run_num
    for key in ("__sls__", "__id__", "name"):
        ret[key] = low.get(key)
    return ret


def missing_requisites_comment(lost: Mapping[str, list[dict[str, Any]]]) -> str:
    comment = "The following requisites were not found:\n"
    for kind, reqs in lost.items():
        if not reqs:
            continue
        comment += f"{' ' * 19}{kind}:\n"
        for req in reqs:
            key, value = next(iter(req.items()))
            comment += f"{' ' * 23}{key}: {value}\n"
    return comment


def listen_error(state: str, ident: str, run_num: int) -> tuple[str, dict[str, Any]]:
    """The result Salt reports for a ``listen`` naming a state that does not exist."""
    tag = f"Listen_Error_|-listen_{ident}_|-listen_{state}_|-Listen_Error"
    return tag, {
        "comment": f"Referenced state {state}: {ident} does not exist",
        "name": f"listen_{state}:{ident}",
        "result": False,
        "changes": {},
        "__run_num__": run_num,
    }
