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
from system_states_support import PHASES


def note(stem: str, why: str) -> None:
    path = t.CASES / f"{stem}.yaml"
    raw = yaml.safe_load(path.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        got, after = t.run_case(raw, pathlib.Path(tmp))
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
