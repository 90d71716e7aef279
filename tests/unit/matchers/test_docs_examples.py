"""The targeting examples in docs/targeting.md give the answers the page shows."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from saline.matchers import match

DOC = Path(__file__).resolve().parents[3] / "docs" / "targeting.md"


def test_targeting_examples():
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- test: targeting-examples -->\n```yaml\n(.*?)```", text, re.S)
    assert block, "docs/targeting.md lost its tested example block"
    case = yaml.safe_load(block.group(1))
    assert len(case["checks"]) >= 15
    for check in case["checks"]:
        got = match(check["tgt"], check["tgt_type"], case["minion_id"], case["grains"], case["pillar"],
                    nodegroups=case["nodegroups"])
        assert got is check["expected"], check


def test_every_target_type_is_documented():
    from saline.matchers import TARGET_TYPES

    text = DOC.read_text(encoding="utf-8")
    for name in TARGET_TYPES:
        assert f"| `{name}`" in text, name
