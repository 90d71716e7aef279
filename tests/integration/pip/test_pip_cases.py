"""Every case under tests/cases/pip/ run against Saline, in-process, with a real virtualenv and wheels.

Expectations were recorded from Salt 3007.8 by ``record_oracle.py`` (see :mod:`scenario`); steps marked
``salt_differs`` keep a hand-written expectation and say why Saline differs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from saline.errors import SalineError
from saline.loader import Context, reset_cache

from tests.integration.pip.scenario import World, pip_env, state_result

CASES = Path(__file__).resolve().parents[2] / "cases" / "pip"


def make_ctx(base: Path) -> Context:
    reset_cache()
    opts = {"id": "pip-test", "file_client": "local", "cachedir": str(base / "cache"), "test": False,
            "file_roots": {"base": [str(base / "srv-salt")]}, "pillar_roots": {"base": []}}
    return Context(opts, grains_loader=lambda: {"os_family": "Debian", "os": "Debian", "id": "pip-test",
                                                "kernel": "Linux"})


def run_step(ctx: Context, world: World, step: dict[str, Any]) -> dict[str, Any]:
    if "state" in step:
        spec = step["state"]
        out = ctx.salt["state.single"](spec["fun"], test=bool(spec.get("test")), **world.fmt(spec.get("args") or {}))
        assert isinstance(out, dict), out
        return world.normalize(state_result(out))
    spec = step["call"]
    try:
        ret = ctx.salt[spec["fun"]](*world.fmt(spec.get("args") or []), **world.fmt(spec.get("kwargs") or {}))
    except SalineError as exc:
        return world.normalize({"error": (str(exc).splitlines() or [""])[0]})
    return world.normalize({"ret": ret})


@pytest.fixture
def world(pip_world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    for key, value in pip_env(pip_world.wheels).items():
        monkeypatch.setenv(key, value)
    pip_world.reset()
    return pip_world


@pytest.mark.parametrize("path", sorted(CASES.glob("*.yaml")), ids=lambda p: p.stem)
def test_case(path: Path, world: World) -> None:
    case = yaml.safe_load(path.read_text())
    ctx = make_ctx(world.base)
    for number, step in enumerate(case["steps"], 1):
        if world.do(step):
            continue
        got = run_step(ctx, world, step)
        assert got == step["expect"], f"{path.name} step {number}: {step.get('state') or step.get('call')}"
    reset_cache()
