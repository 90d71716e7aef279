"""Compiler cases checked against real Salt's answers (tests/cases/compiler/*.yaml).

Each case is a tiny state tree; ``expected`` was produced by Salt 3007 through the oracle
(``regen_oracle_cases.py``): the high data of ``state.show_sls``/``state.show_highstate``, the
low chunks ``state.apply`` would run, or the errors Salt refused the tree with. Saline must give
the same high data and the same chunks, in the same order. For refused trees Saline must refuse too,
with Salt's messages (``saline_errors`` lists the wording Saline uses where Salt only crashed).
"""

from __future__ import annotations

import pathlib
from typing import Any

import pytest
import yaml
from saline.loader import Context

CASES = pathlib.Path(__file__).resolve().parents[2] / "cases" / "compiler"
GRAINS = {"id": "web1", "host": "web1", "os": "Debian", "os_family": "Debian", "osrelease": "12",
          "osmajorrelease": 12, "oscodename": "bookworm", "kernel": "Linux"}
# Salt messages that are artefacts of its own crashes after the real error was found.
SALT_CRASH_NOISE = ("TypeError:", "AttributeError:", "Error when rendering state with contents")


def load_cases() -> list[Any]:
    return [pytest.param(yaml.safe_load(p.read_text()), id=p.stem) for p in sorted(CASES.glob("*.yaml"))]


def make_ctx(case: dict[str, Any], tmp_path: pathlib.Path) -> Context:
    roots = {"base": [str(tmp_path / "base")]}
    trees = {"base": case.get("files") or {}, **(case.get("envs") or {})}
    for env, files in trees.items():
        for rel, text in files.items():
            path = tmp_path / env / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        roots[env] = [str(tmp_path / env)]
    opts = {"file_roots": roots, "pillar_roots": {"base": [str(tmp_path / "pillar")]},
            "state_auto_order": True, "state_top": "top.sls", "renderer": "jinja|yaml",
            "id": GRAINS["id"], "saltenv": None, **(case.get("config") or {})}
    ctx = Context(opts)
    ctx.grains = dict(GRAINS)
    ctx.pillar = dict(case.get("pillar") or {})
    return ctx


def run_case(case: dict[str, Any], ctx: Context) -> tuple[Any, Any, list[str]]:
    """``(high, low, errors)`` the way Salt's compiled_low pipeline produces them."""
    from saline.states.engine import compiler

    if case.get("highstate"):
        from saline.top import highstate_matches

        matches, errors = highstate_matches(ctx)
        high, render_errors = compiler.render_highstate(ctx, matches)
        errors = errors + render_errors
    else:
        high, errors = compiler.render_high(ctx, case["sls"], case.get("saltenv") or "base")
    try:
        return high, compiler.compile_low(high, ctx.opts, render_errors=errors), []
    except compiler.StateCompileError as exc:
        return high, None, exc.errors


@pytest.mark.parametrize("case", load_cases())
def test_compiler_case(case: dict[str, Any], tmp_path: pathlib.Path) -> None:
    expected = case["expected"]
    ctx = make_ctx(case, tmp_path)
    high, low, errors = run_case(case, ctx)
    if "high" in expected:
        assert high == expected["high"]
    if expected["status"] == "ok":
        assert errors == []
        assert low == expected["low"]
        return
    assert errors, "Salt refused this tree; Saline compiled it"
    salt_errors = [e for e in expected["errors"] if not e.startswith(SALT_CRASH_NOISE)]
    wanted = case.get("saline_errors") or salt_errors
    for message in wanted:
        assert message in errors
