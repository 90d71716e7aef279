"""Runner behaviour beyond the oracle cases: the planning contract, argument errors, retry, parallel,
failhard, ordering and the unless/onlyif/creates checks, with small state modules made here."""

from __future__ import annotations

import time
from typing import Any

import pytest
from saline.loader import Context, Module
from saline.states.api import Plan, StateModule, ret
from saline.states.engine.runner import run_chunks
from saline.states.engine.runner_requisites import order_chunks

# An execution module with one query and one action, reached through ctx.salt like real ones.
fake_mod = Module("fakefs")
WRITES: list[str] = []


@fake_mod.query
def exists(ctx: Any, path: str) -> bool:
    return path in WRITES


@fake_mod.action
def write(ctx: Any, path: str) -> bool:
    WRITES.append(path)
    return True


st = StateModule("fake")


@st.state
def present(ctx: Any, name: str) -> Any:
    if ctx.salt["fakefs.exists"](name):
        return ret(name, True, {}, "already there")
    return Plan(name, {"new": name}, f"{name} would be written",
                lambda real: ret(name, bool(real.salt["fakefs.write"](name)), {"new": name}, "written"))


@st.state
def sneaky(ctx: Any, name: str) -> Any:
    ctx.salt["fakefs.write"](name)  # an action while planning: must be refused
    return ret(name, True, {}, "wrote while planning")


@st.state
def needs(ctx: Any, name: str, size: int) -> Any:
    return ret(name, True, {}, f"size {size}")


ATTEMPTS: list[float] = []


@st.state
def flaky(ctx: Any, name: str, succeed_on: int = 3) -> Any:
    ATTEMPTS.append(time.monotonic())
    return ret(name, len(ATTEMPTS) >= succeed_on, {}, f"attempt {len(ATTEMPTS)}")


@st.state
def slow(ctx: Any, name: str, seconds: float = 0.3, **kwargs: Any) -> Any:
    time.sleep(seconds)
    return ret(name, True, {"slept": seconds}, "slept")


@st.state
def broken(ctx: Any, name: str) -> Any:
    raise RuntimeError("boom")


def _loader(name: str) -> StateModule | None:
    if name == "fake":
        return st
    from saline.states.registry import load_state_module

    return load_state_module(name)


@pytest.fixture(autouse=True)
def _fake_module(monkeypatch: pytest.MonkeyPatch) -> None:
    import saline.loader as loader

    WRITES.clear()
    ATTEMPTS.clear()
    monkeypatch.setitem(loader._loaded, "fakefs", fake_mod)


def chunk(id_: str, fun: str, state: str = "fake", order: int = 10000, **kw: Any) -> dict[str, Any]:
    return {"state": state, "__id__": id_, "name": kw.pop("name", id_), "fun": fun, "__sls__": "t",
            "__env__": "base", "order": order, **kw}


def run(chunks: list[dict[str, Any]], test: bool = False, **opts: Any) -> dict[str, dict[str, Any]]:
    ctx = Context({"id": "local", "test": test, **opts})
    return run_chunks(ctx, chunks, test=test, loader=_loader)


def by_id(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r.get("__id__"): r for r in results.values()}


def test_plan_is_reported_under_test_and_applied_otherwise() -> None:
    tested = by_id(run([chunk("/a", "present")], test=True))["/a"]
    assert tested["result"] is None
    assert tested["changes"] == {"new": "/a"}
    assert tested["comment"] == "/a would be written"
    assert WRITES == []
    applied = by_id(run([chunk("/a", "present")]))["/a"]
    assert (applied["result"], applied["comment"], WRITES) == (True, "written", ["/a"])
    again = by_id(run([chunk("/a", "present")]))["/a"]
    assert (again["result"], again["changes"], WRITES) == (True, {}, ["/a"])


def test_action_during_planning_is_refused() -> None:
    for test in (False, True):
        result = by_id(run([chunk("/s", "sneaky")], test=test))["/s"]
        assert result["result"] is False
        assert result["comment"].startswith("An exception occurred in this state: ")
        assert "ActionRefusedError" in result["comment"]
        assert "cannot run while planning" in result["comment"]
    assert WRITES == []


def test_argument_errors_are_results_not_crashes() -> None:
    results = run([
        chunk("m", "needs"),
        chunk("x", "needs", size=1, colour="red"),
        chunk("y", "needs", size=1, colour="red", shape="round"),
        chunk("u", "nosuch"),
        chunk("v", "run", state="nosuchmod"),
        chunk("ok", "needs", size=2),
    ])
    assert results["fake_|-m_|-m_|-needs"]["comment"] == "Missing parameter size for state fake.needs\n"
    assert results["fake_|-x_|-x_|-needs"]["comment"] == (
        "'colour' is an invalid keyword argument for 'fake.needs'")
    assert results["fake_|-y_|-y_|-needs"]["comment"] == (
        "'colour' and 'shape' are invalid keyword arguments for 'fake.needs'")
    assert results["fake_|-u_|-u_|-nosuch"]["comment"] == (
        "State 'fake.nosuch' was not found in SLS 't'\nReason: 'fake.nosuch' is not available.\n")
    assert results["nosuchmod_|-v_|-v_|-run"]["comment"].startswith("State 'nosuchmod.run' was not found")
    assert {tag: r["result"] for tag, r in results.items() if r["result"] is not False} == {
        "fake_|-ok_|-ok_|-needs": True}
    # chunks of one order run sorted by state, name and function, like Salt
    assert [t.split("_|-")[1] for t in sorted(results, key=lambda t: results[t]["__run_num__"])] == [
        "m", "ok", "u", "x", "y", "v"]


def test_exception_in_state_is_a_failed_result() -> None:
    result = by_id(run([chunk("b", "broken")]))["b"]
    assert result["result"] is False
    assert "RuntimeError: boom" in result["comment"]


def test_retry_until_success_with_attempt_comments() -> None:
    result = by_id(run([chunk("f", "flaky", retry={"attempts": 5, "interval": 0})]))["f"]
    assert result["result"] is True
    assert result["comment"] == (
        'Attempt 1: Returned a result of "False", with the following comment: "attempt 1"\n'
        'Attempt 2: Returned a result of "False", with the following comment: "attempt 2"\n'
        "attempt 3")
    assert result["__run_num__"] == 2  # every attempt takes a run number, like Salt
    assert len(ATTEMPTS) == 3


def test_retry_under_test_only_describes_it() -> None:
    result = by_id(run([chunk("f", "flaky", retry=True)], test=True))["f"]
    assert result["comment"] == ("attempt 1  The state would be retried every 30 seconds (with a splay of up "
                                 "to 0 seconds) a maximum of 2 times or until a result of True is returned")
    assert len(ATTEMPTS) == 1


def test_parallel_states_run_at_the_same_time() -> None:
    began = time.monotonic()
    results = by_id(run([chunk("p1", "slow", parallel=True), chunk("p2", "slow", order=10001, parallel=True),
                         chunk("after", "needs", order=10002, size=1, require=[{"fake": "p1"}])]))
    assert time.monotonic() - began < 0.55
    assert results["p1"]["__parallel__"] is True and results["p2"]["__parallel__"] is True
    assert results["p1"]["changes"] == {"slept": 0.3}
    assert results["p1"]["duration"] >= 290
    assert results["after"]["result"] is True


def test_failhard_option_stops_the_run() -> None:
    results = by_id(run([chunk("b", "broken"), chunk("n", "needs", order=10001, size=1)], failhard=True))
    assert list(results) == ["b"]
    # under test=True failhard is ignored, like Salt
    assert list(by_id(run([chunk("b", "broken"), chunk("n", "needs", order=10001, size=1)], test=True,
                          failhard=True))) == ["b", "n"]


def test_order_first_last_and_names() -> None:
    chunks = [chunk("z", "needs", order="last"), chunk("m", "needs", order=5),
              chunk("a", "needs", order="first"), {**chunk("n", "needs"), "order": None}]
    chunks[3].pop("order")
    assert [c["__id__"] for c in order_chunks(chunks)] == ["a", "m", "n", "z"]
    assert [c["order"] for c in chunks] == [0, 5, 105, 1000105]


def test_require_failure_comment_and_sls_requisite() -> None:
    dependent = {**chunk("n", "needs", order=10001, size=1, require=[{"sls": "t"}]), "__sls__": "other"}
    results = by_id(run([chunk("b", "broken"), dependent]))
    assert results["n"]["comment"] == "One or more requisite failed: t.b"
    assert results["n"]["result"] is False


def test_onlyif_unless_creates_and_check_cmd(tmp_path: Any) -> None:
    marker = tmp_path / "made"
    results = by_id(run([
        chunk("o1", "present", name=str(tmp_path / "o1"), onlyif="false"),
        chunk("o2", "present", name=str(tmp_path / "o2"), onlyif=["true", f"test -d {tmp_path}"]),
        chunk("u1", "present", name=str(tmp_path / "u1"), unless=[{"fun": "fakefs.exists", "path": "/nope"}]),
        chunk("c1", "present", name=str(tmp_path / "c1"), creates=str(tmp_path)),
        chunk("k1", "present", name=str(marker), check_cmd=["false"]),
    ]))
    assert (results["o1"]["result"], results["o1"]["comment"], results["o1"]["skip_watch"]) == (
        True, "onlyif condition is false", True)
    assert results["o2"]["comment"] == "written"
    assert results["u1"]["comment"] == "written"
    assert results["c1"]["comment"] == f"{tmp_path} exists"
    assert (results["k1"]["result"], results["k1"]["comment"]) == (
        False, "check_cmd determined the state failed")


def test_onlyif_runs_under_test_but_the_state_does_not_change_anything(tmp_path: Any) -> None:
    results = by_id(run([chunk("o", "present", name="/x", onlyif=f"test -d {tmp_path}")], test=True))
    assert results["o"]["result"] is None
    assert WRITES == []


def test_start_time_and_duration_shape() -> None:
    result = by_id(run([chunk("s", "slow", seconds=0.05)]))["s"]
    assert len(result["start_time"]) in (8, 15) and result["start_time"][2] == ":"
    assert 45 <= result["duration"] < 1000
    assert result["__run_num__"] == 0 and result["__sls__"] == "t"
