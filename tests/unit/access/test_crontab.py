"""Properties of Salt's crontab layout (saline.crontab): rendering and parsing round-trip, edits are stable."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as s
from saline import crontab

_word = s.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789/-_.", min_size=1, max_size=12)
_cmd = s.lists(_word, min_size=1, max_size=4).map(" ".join)
_time = s.sampled_from(["*", "0", "5", "*/5", "1-3", "1,2"])
_comment = s.none() | s.lists(_word, min_size=1, max_size=3).map(" ".join)
_ident = s.none() | _word


@s.composite
def tabs(draw: s.DrawFn) -> crontab.Tab:
    tab = crontab.empty()
    tab["pre"] = draw(s.lists(s.sampled_from(["# mine", "0 1 * * * /bin/true", "MAILTO=x"]), max_size=3))
    names = draw(s.lists(s.from_regex(r"[A-Z][A-Z_]{0,6}", fullmatch=True), max_size=3, unique=True))
    tab["env"] = [{"name": n, "value": draw(_word)} for n in names]
    for _ in range(draw(s.integers(0, 4))):
        job = {f: draw(_time) for f in crontab.TIME_FIELDS}
        job.update(cmd=draw(_cmd), identifier=draw(_ident), comment=draw(_comment), commented=draw(s.booleans()))
        tab["crons"].append(job)
    for _ in range(draw(s.integers(0, 2))):
        tab["special"].append({"spec": draw(s.sampled_from(["@daily", "@reboot"])), "cmd": draw(_cmd),
                               "identifier": draw(_ident), "comment": draw(_comment),
                               "commented": draw(s.booleans())})
    return tab



@given(tabs())
def test_render_parse_round_trip(tab: crontab.Tab) -> None:
    text = crontab.render(tab)
    parsed = crontab.parse(text)
    assert crontab.render(parsed) == text
    assert parsed["pre"] == tab["pre"] and parsed["env"] == tab["env"]
    assert [(j["cmd"], j["identifier"], j["commented"]) for j in parsed["crons"]] == \
        [(j["cmd"], j["identifier"], j["commented"]) for j in tab["crons"]]


@given(tabs(), _cmd, _ident, _time, _comment)
def test_set_job_then_present(tab: crontab.Tab, cmd: str, ident: str | None, minute: str, comment: str | None) -> None:
    tab = crontab.parse(crontab.render(tab))
    ident = ident or cmd  # the state always passes one
    edited, status = crontab.set_job(tab, minute, "*", "*", "*", "*", cmd, comment=comment, identifier=ident)
    assert status in ("new", "updated", "present")
    reread = crontab.parse(crontab.render(edited))
    assert crontab.set_job(reread, minute, "*", "*", "*", "*", cmd, comment=comment, identifier=ident)[1] \
        == "present"
    assert crontab.check(reread, cmd, identifier=ident, minute=minute, hour="*", daymonth="*", month="*",
                         dayweek="*", comment=comment, commented=False) == "present"
    removed, said = crontab.remove_job(reread, cmd, identifier=ident)
    assert said == "removed" and len(removed["crons"]) == len(reread["crons"]) - 1


def test_random_fields_pick_once_and_stay() -> None:
    tab, status = crontab.set_job(crontab.empty(), "random", "random", "random", "2", "*", "job", identifier="j",
                                  rng=random.Random(1))
    job = tab["crons"][0]
    assert status == "new" and job["minute"].isdigit() and 1 <= int(job["daymonth"]) <= 28
    assert crontab.set_job(tab, "random", "random", "random", "2", "*", "job", identifier="j")[1] == "present"
    ranged, _ = crontab.set_job(crontab.empty(), "10:20", "*", "*", "*", "*", "job", identifier="j")
    assert 10 <= int(ranged["crons"][0]["minute"]) <= 20
