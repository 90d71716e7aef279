"""The highstate outputter against real Salt's output, byte for byte.

golden/<name>.json holds a ``{minion: return}`` document real Salt 3007 returned; golden/<name>.<opts>.txt
is what Salt's own highstate outputter printed for it with the options named in OPTIONS.yaml
(regenerate with Salt's ``salt.output.out_format(data, "highstate", opts)``).
"""

from __future__ import annotations

import json
import pathlib

import pytest
import yaml
from saline.output import render

GOLDEN = pathlib.Path(__file__).resolve().parent / "golden"
OPTIONS = yaml.safe_load((GOLDEN / "OPTIONS.yaml").read_text())


def _pairs() -> list[tuple[str, str]]:
    return [(p.stem, opt) for p in sorted(GOLDEN.glob("*.json")) for opt in sorted(OPTIONS)]


@pytest.mark.parametrize(("name", "opt"), _pairs(), ids=lambda v: v)
def test_matches_salt_byte_for_byte(name: str, opt: str) -> None:
    data = json.loads((GOLDEN / f"{name}.json").read_text())
    expected = (GOLDEN / f"{name}.{opt}.txt").read_text()
    assert render(data, "highstate", {"color": False, **OPTIONS[opt]}) == expected


def test_colour_only_when_asked() -> None:
    data = json.loads((GOLDEN / "mixed.json").read_text())
    assert "\033[" not in render(data, "highstate", {"color": False})
    assert "\033[0;31m" in render(data, "highstate", {"color": True})


def test_summary_counts_and_total_time() -> None:
    ret = {"local": {
        "test_|-a_|-a_|-nop": {"name": "a", "result": True, "changes": {}, "comment": "ok",
                               "__run_num__": 0, "start_time": "10:00:00.000001", "duration": 600.0},
        "test_|-b_|-bee_|-nop": {"name": "bee", "result": None, "changes": {"x": 1}, "comment": "would",
                                 "__run_num__": 1, "start_time": "10:00:00.000002", "duration": 500.0},
        "test_|-c_|-c_|-nop": {"name": "c", "result": False, "changes": {}, "comment": "bad\nlines",
                               "__run_num__": 2, "start_time": "10:00:00.000003", "duration": 2.0},
    }}
    text = render(ret, "highstate", {"color": False})
    assert "        Name: bee\n" in text
    assert "     Comment: bad\n              lines\n" in text
    assert "Succeeded: 2 (unchanged=1, changed=1)\nFailed:    1\n" in text
    assert "Total states run:     3\nTotal run time:   1.102 s\n" in text
    # states are printed in __run_num__ order whatever the dict order
    reordered = {"local": dict(reversed(list(ret["local"].items())))}
    assert render(reordered, "highstate", {"color": False}) == text
