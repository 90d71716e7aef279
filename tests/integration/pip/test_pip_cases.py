"""Every case under tests/cases/pip/ run against Saline, in-process, with a real virtualenv and wheels.

Expectations were recorded from Salt 3007.8 by ``record_oracle.py`` (see :mod:`scenario`); steps marked
``salt_differs`` keep a hand-written expectation and say why Saline differs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from saline.loader import reset_cache

from tests.integration.pip.scenario import World, pip_env
from tests.support.oracle_steps import make_ctx, run_step

CASES = Path(__file__).resolve().parents[2] / "cases" / "pip"


@pytest.fixture
def world(pip_world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    for key, value in pip_env(pip_world.wheels).items():
        monkeypatch.setenv(key, value)
    pip_world.reset()
    return pip_world


@pytest.mark.parametrize("path", sorted(CASES.glob("*.yaml")), ids=lambda p: p.stem)
def test_case(path: Path, world: World) -> None:
    case = yaml.safe_load(path.read_text())
    ctx = make_ctx(world.base, "pip-test")
    for number, step in enumerate(case["steps"], 1):
        if world.do(step):
            continue
        got = run_step(ctx, world, step)
        assert got == step["expect"], f"{path.name} step {number}: {step.get('state') or step.get('call')}"
    reset_cache()
