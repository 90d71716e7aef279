"""The find_job wait loop (saline.master.gather.Gatherer) on a fake clock: Salt's order of events."""

from __future__ import annotations

from saline.master.gather import SETTLE, Gatherer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make(expected=("a", "b"), timeout=5, gjt=10):
    clock = Clock()
    return clock, Gatherer("20260101000000000000", expected, timeout, gjt, clock=clock)


def test_all_returned_before_the_timeout_is_done_without_probe():
    clock, g = make()
    assert g.step() == ("wait", 5)
    g.add_return("a", {"return": True})
    clock.now += 1
    g.add_return("b", {"return": True})
    assert g.step() == ("done", None) and g.probes == 0


def test_timeout_probes_the_missing_then_running_minion_is_waited_for_and_reprobed():
    clock, g = make()
    g.add_return("a", {"return": True})
    clock.now += 5
    assert g.step() == ("probe", ["b"])
    g.probed("20260101000000000001", ["b"])
    assert g.step() == ("wait", 10)
    g.add_probe_answer("b", {"jid": g.jid, "fun": "test.sleep"})
    clock.now += 10
    assert g.step() == ("probe", ["b"])  # it said it was running: ask again after the window
    g.probed("20260101000000000002", ["b"])
    clock.now += 3
    g.add_return("b", {"return": True})
    assert g.step() == ("done", None) and g.missing == set()


def test_no_answer_to_the_probe_ends_after_one_window():
    clock, g = make()
    clock.now += 5
    assert g.step() == ("probe", ["a", "b"])
    g.probed("20260101000000000001", ["a", "b"])
    clock.now += 9.9
    assert g.step()[0] == "wait"
    clock.now += 0.2
    assert g.step() == ("done", None) and g.missing == {"a", "b"}


def test_empty_answers_settle_quickly():
    clock, g = make()
    clock.now += 5
    g.step()
    g.probed("20260101000000000001", ["a", "b"])
    g.add_probe_answer("a", {})
    assert g.step()[0] == "wait" and g.window_end == clock.now + 10  # b has not answered yet
    g.add_probe_answer("b", {})
    assert g.step() == ("wait", SETTLE)
    clock.now += SETTLE
    assert g.step() == ("done", None)


def test_failed_probe_counts_as_not_running_and_late_runner_keeps_its_own_deadline():
    clock, g = make(timeout=20, gjt=2)
    clock.now += 20
    g.step()
    g.probed("20260101000000000001", ["a", "b"])
    g.add_probe_answer("a", "ERROR: something", retcode=1)
    g.add_probe_answer("b", {"jid": g.jid})
    clock.now += 2
    assert g.step() == ("probe", ["a", "b"])
    g.probed("20260101000000000002", ["a", "b"])
    clock.now += 2  # nobody answers this time, but b's deadline (20 s after its answer) is not over
    assert g.step() == ("wait", 16)
    clock.now += 16
    assert g.step() == ("done", None)


def test_open_ended_waits_the_timeout_and_takes_whatever_came():
    clock, g = make(expected=(), timeout=3)
    g.open_ended = True
    g.add_return("x", {"return": True})
    assert g.step() == ("wait", 3)
    clock.now += 3
    assert g.step() == ("done", None) and set(g.returned) == {"x"}
