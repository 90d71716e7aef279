"""Write Saline's own results into a case's ``saline_differs`` (with a ``why``) where they differ from Salt.

Usage: ``python tests/unit/system_states/note_differs.py CASE-STEM 'why it differs'``. Review the diff
before committing: only deliberate differences belong there.
"""

from __future__ import annotations

import pathlib
import sys
import tempfile

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import test_system_state_cases as t
from system_states_support import PHASES, build_tree, snapshot, subst


def note(stem: str, why: str) -> None:
    path = t.CASES / f"{stem}.yaml"
    raw = yaml.safe_load(path.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        base = pathlib.Path(tmp)
        work = base / "w"
        work.mkdir()
        case = subst(raw, {"{W}": str(work)})
        build_tree(work, case.get("tree"))
        opts = case.get("opts") or {}
        got = {}
        for phase in PHASES:
            got[phase] = t._run(base, opts, case, phase.startswith("test"))
        got = subst(got, {str(work): "{W}"})
        after = subst(snapshot(work), {str(work): "{W}"})
    differs: dict = {"why": why}
    for phase in PHASES:
        delta = {k: v for k, v in got[phase].items() if raw["expect"][phase].get(k, object()) != v}
        if delta:
            differs[phase] = delta
    if after != raw["after"]:
        differs["after"] = after
    raw["saline_differs"] = differs
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=110))


if __name__ == "__main__":
    note(sys.argv[1], sys.argv[2])
