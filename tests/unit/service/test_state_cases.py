"""``service`` states through the real state runner, against an in-memory service backend.

One YAML file per case in tests/cases/service/: the backend's starting state and failure knobs, the
states to run (with requisites), test mode or not, and the expected results, backend calls and
final state. Cases marked ``oracle: true`` were checked against Salt 3007.8 (debian_service on a
real init script); the others follow Salt's code paths (failures, systemd-only arguments, masks).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import saline.loader as loader
import yaml
from saline.errors import CommandExecutionError
from saline.loader import Context, Module
from saline.states.engine.runner import run_chunks

CASES = sorted((Path(__file__).parents[2] / "cases" / "service").glob("*.yaml"))
DEFAULTS = {"available": True, "running": False, "enabled": False, "masked": False, "runtime_masked": False}


class Backend:
    """The fake service manager: one service, its state, knobs that make calls fail, and a call log."""

    def __init__(self, system: dict[str, Any]) -> None:
        self.state = {**DEFAULTS, **system}
        self.calls: list[str] = []

    def knob(self, key: str) -> Any:
        return self.state.get(key)

    def act(self, verb: str, kwargs: dict[str, Any], **changes: Any) -> bool:
        shown = " ".join(f"{k}={v}" for k, v in sorted(kwargs.items()) if v not in (None, False))
        self.calls.append(f"{verb} {shown}".strip())
        if self.knob(f"{verb}_raises"):
            raise CommandExecutionError(self.knob(f"{verb}_raises"))
        if self.knob(f"{verb}_fails"):
            return False
        if not self.knob(f"{verb}_noop"):
            self.state.update(changes)
        return True


BACKEND: Backend = Backend({})


def _make_module(systemd: bool) -> Module:
    mod = Module("service", backend="fake-systemd" if systemd else "fake-sysv")

    @mod.query
    def available(ctx: Any, name: str) -> bool:
        return bool(BACKEND.state["available"])

    @mod.query
    def status(ctx: Any, name: str, sig: Any = None) -> bool:
        return bool(BACKEND.state["running"])

    @mod.query
    def enabled(ctx: Any, name: str, **kwargs: Any) -> bool:
        return bool(BACKEND.state["enabled"])

    @mod.query
    def disabled(ctx: Any, name: str) -> bool:
        return not BACKEND.state["enabled"]

    @mod.action
    def stop(ctx: Any, name: str, timeout: Any = None) -> bool:
        return BACKEND.act("stop", {"timeout": timeout}, running=False)

    @mod.action
    def enable(ctx: Any, name: str, **kwargs: Any) -> bool:
        return BACKEND.act("enable", {}, enabled=True)

    @mod.action
    def disable(ctx: Any, name: str, **kwargs: Any) -> bool:
        return BACKEND.act("disable", {}, enabled=False)

    if systemd:
        @mod.action
        def start(ctx: Any, name: str, no_block: bool = False, unmask: bool = False,
                  unmask_runtime: bool = False, timeout: Any = None) -> bool:
            return BACKEND.act("start", {"no_block": no_block, "unmask": unmask, "timeout": timeout}, running=True)

        @mod.action
        def restart(ctx: Any, name: str, no_block: Any = None, unmask: bool = False,
                    unmask_runtime: bool = False, timeout: Any = None) -> bool:
            return BACKEND.act("restart", {"no_block": no_block, "timeout": timeout}, running=True)

        @mod.query
        def masked(ctx: Any, name: str, runtime: bool = False) -> bool:
            return bool(BACKEND.state["runtime_masked" if runtime else "masked"])

        @mod.action
        def mask(ctx: Any, name: str, runtime: bool = False) -> bool:
            return BACKEND.act("mask", {"runtime": runtime}, **{"runtime_masked" if runtime else "masked": True})

        @mod.action(name="unmask")
        def unmask_(ctx: Any, name: str, runtime: bool = False) -> bool:
            return BACKEND.act("unmask", {"runtime": runtime},
                               **{"runtime_masked" if runtime else "masked": False})
    else:
        @mod.action
        def start(ctx: Any, name: str, timeout: Any = None) -> bool:
            return BACKEND.act("start", {"timeout": timeout}, running=True)

        @mod.action
        def restart(ctx: Any, name: str, timeout: Any = None) -> bool:
            return BACKEND.act("restart", {"timeout": timeout}, running=True)

    @mod.action(name="reload")
    def reload_(ctx: Any, name: str, timeout: Any = None) -> bool:
        return BACKEND.act("reload", {"timeout": timeout})

    @mod.action
    def force_reload(ctx: Any, name: str, timeout: Any = None) -> bool:
        return BACKEND.act("force_reload", {"timeout": timeout})

    return mod


MODULES = {"sysv": _make_module(False), "systemd": _make_module(True)}


def _chunks(states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    chunks = []
    for order, spec in enumerate(states, start=1):
        args = dict(spec.get("args") or {})
        chunks.append({"state": spec.get("state", "service"), "__id__": spec["id"],
                       "name": args.pop("name", spec.get("name", "web")), "fun": spec["fun"], "__sls__": "case",
                       "__env__": "base", "order": order, **args})
    return chunks


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    global BACKEND
    case = yaml.safe_load(path.read_text())
    BACKEND = Backend(case.get("system") or {})
    monkeypatch.setitem(loader._loaded, "service", MODULES[case.get("backend", "sysv")])
    test = bool(case.get("test", False))
    results = run_chunks(Context({"id": "t", "test": test}), _chunks(case["states"]), test=test)
    by_id = {r["__id__"]: r for r in results.values()}
    for id_, want in case["expect"].items():
        got = {k: by_id[id_][k] for k in want}
        assert got == want, f"{path.name}: {id_}"
    assert BACKEND.calls == case.get("calls", []), path.name
    final = case.get("final")
    if final:
        assert {k: BACKEND.state[k] for k in final} == final, path.name


def test_no_backend_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(loader._loaded, "service", None)
    ctx = Context({"id": "t"}, grains_loader=lambda: {"os": "Plan9", "osfinger": "Plan9-4"})
    results = run_chunks(ctx, _chunks([{"id": "svc", "fun": "running"}]))
    (res,) = results.values()
    assert res["result"] is False
    assert res["comment"] == "No service execution module loaded: check support for service management on Plan9-4 "
