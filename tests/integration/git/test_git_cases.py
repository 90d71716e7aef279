"""Every case under tests/cases/git/ run against Saline, in-process, with real repositories.

Expectations were recorded from Salt 3007.8 by ``record_oracle.py`` (see :mod:`scenario`); steps marked
``salt_differs`` keep a hand-written expectation where Salt crashes or reports something unusable, and
say why.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from saline.loader import reset_cache

from tests.integration.git.scenario import WORLD_ENV, World, note_head
from tests.support.oracle_steps import make_ctx, run_step

CASES = Path(__file__).resolve().parents[2] / "cases" / "git"


def _cases() -> list[Path]:
    return sorted(CASES.glob("*.yaml"))


@pytest.fixture
def git_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for key, value in WORLD_ENV.items():
        if key != "GIT_CONFIG_GLOBAL":
            monkeypatch.setenv(key, value)
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


@pytest.mark.parametrize("path", _cases(), ids=lambda p: p.stem)
def test_case(path: Path, git_env: Path) -> None:
    case = yaml.safe_load(path.read_text())
    world = World(git_env)
    ctx = make_ctx(git_env, "git-test")
    for number, step in enumerate(case["steps"], 1):
        if world.do(step):
            continue
        got = run_step(ctx, world, step)
        note_head(world, step)
        got = world.normalize(world.fmt(got))
        assert got == step["expect"], f"{path.name} step {number}: {step.get('state') or step.get('call')}"
    reset_cache()
