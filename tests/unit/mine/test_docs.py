"""docs/mine.md: the mine_functions example gives the mine.valid output shown next to it (the haproxy
template of the page is rendered by tests/integration/cluster/test_mine.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from saline.loader import Context

DOC = Path(__file__).resolve().parents[3] / "docs" / "mine.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(), re.S)


def test_mine_functions_example_matches_valid(tmp_path) -> None:
    config = yaml.safe_load(blocks("yaml")[0])
    expected = json.loads(blocks("json")[0])["local"]
    ctx = Context({"id": "lb1", "cachedir": str(tmp_path), **config}, grains_loader=lambda: {})
    assert ctx.salt["mine.valid"]() == expected
    assert list(ctx.salt["mine.valid"]()) == list(expected)


def haproxy_template() -> str:
    return blocks("jinja")[0]
