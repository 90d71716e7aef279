"""Data-driven template cases (tests/cases/jinja/*.yaml) whose ``expected`` values came from Salt 3007.8.

A case: ``template`` (written at ``path``, default ``case/<name>.sls``), optional ``files``,
``grains``, ``pillar`` (or ``pillar_yaml``: pillar text rendered by the YAML renderer, so it is
ordered like Salt's), ``context``, ``opts``, ``sls``, ``renderer`` (default ``jinja``) and
``expected`` (text for ``jinja``, data otherwise). ``oracle_update.py`` refreshes ``expected``
from real Salt; nothing here runs Salt.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from saline.renderers import render_file, render_string

CASES = Path(__file__).resolve().parents[2] / "cases" / "jinja"


def _load() -> list[Any]:
    out = []
    for path in sorted(CASES.glob("*.yaml")):
        case = yaml.safe_load(path.read_text())
        out.append(pytest.param(case, id=path.stem))
    return out


def _plain(value: Any) -> Any:
    """What Salt's JSON output shows: tuples as lists, ordered dicts as dicts."""
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("case", _load())
def test_case(case: dict[str, Any], tree: Any, request: pytest.FixtureRequest) -> None:
    name = request.node.callspec.id
    rel = case.get("path") or f"case/{name}.sls"
    files = {**(case.get("files") or {}), rel: case["template"]}
    ctx = tree(files, grains={"id": "oracle", **(case.get("grains") or {})},
                   pillar=case.get("pillar"), id="oracle", **(case.get("opts") or {}))
    if case.get("pillar_yaml"):
        ctx.pillar = render_string(ctx, case["pillar_yaml"], "yaml")
    renderer = case.get("renderer", "jinja")
    result = render_file(ctx, rel, "base", sls=case.get("sls", ""), default_renderer=renderer,
                         context=case.get("context"))
    expected = case["expected"]
    if isinstance(result, str):
        assert result == expected
    else:
        assert _plain(result) == expected
