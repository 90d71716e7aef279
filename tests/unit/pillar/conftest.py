"""Run oracle-style cases (tests/cases/pillar, tests/unit/top/cases) through saline-call's code path.

A case gives ``grains`` (exactly what the minion sees), ``config`` (extra minion options),
``file_roots``/``pillar_roots`` (``{saltenv: {relpath: text}}``) and ``calls``. Each call is run
in-process the way ``saline-call --local`` runs it: options loaded from a real config file, the
``pillar=`` keyword turned into ``opts["pillar_override"]``, a fresh context per call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml


def write_tree(base: Path, spec: dict[str, dict[str, str]] | None) -> dict[str, list[str]]:
    roots: dict[str, list[str]] = {}
    for env, files in (spec or {}).items():
        root = base / env
        root.mkdir(parents=True)
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        roots[env] = [str(root)]
    if not roots:
        (base / "base").mkdir(parents=True)
        roots["base"] = [str(base / "base")]
    return roots


class CaseRunner:
    def __init__(self, tmp_path: Path, case: dict[str, Any]) -> None:
        self.case = case
        self.grains = dict(case.get("grains") or {})
        self.grains.setdefault("id", "web1")
        root = tmp_path / "root"
        self.config_dir = tmp_path / "etc"
        self.config_dir.mkdir(parents=True)
        options = {
            "id": self.grains["id"],
            "file_client": "local",
            "root_dir": str(root),
            "file_roots": write_tree(root / "file_roots", case.get("file_roots")),
            "pillar_roots": write_tree(root / "pillar_roots", case.get("pillar_roots")),
            **(case.get("config") or {}),
        }
        (self.config_dir / "minion").write_text(yaml.safe_dump(options), encoding="utf-8")

    def context(self, kwargs: dict[str, Any] | None = None) -> Any:
        from saline.config import load_config
        from saline.minion.call import make_context

        opts = load_config("minion", str(self.config_dir))
        if isinstance((kwargs or {}).get("pillar"), dict):
            opts["pillar_override"] = kwargs["pillar"]
        ctx = make_context(opts)
        ctx.grains = dict(self.grains)
        return ctx

    def call(self, fun: str, args: list[Any] | None = None, kwargs: dict[str, Any] | None = None) -> tuple[Any, int]:
        """``(return value as JSON would carry it, retcode)``; SalineError propagates."""
        from saline.minion.call import call_function

        ctx = self.context(kwargs)
        ret = call_function(ctx, fun, list(args or []), dict(kwargs or {}))
        return json.loads(json.dumps(ret, default=str)), ctx.retcode


def check_case(tmp_path: Path, case: dict[str, Any]) -> None:
    """Every call of ``case`` returns its ``expected`` value, or fails with its ``error`` text."""
    from saline.errors import SalineError

    runner = CaseRunner(tmp_path, case)
    for call in case["calls"]:
        label = f"{call['fun']} {call.get('args', '')} {call.get('kwargs', '')}"
        if "error" in call:
            with pytest.raises(SalineError) as info:
                runner.call(call["fun"], call.get("args"), call.get("kwargs"))
            assert call["error"] in str(info.value), label
            continue
        ret, retcode = runner.call(call["fun"], call.get("args"), call.get("kwargs"))
        if "errors_like" in call:  # Saline reports errors where Salt returned nothing or crashed
            assert isinstance(ret, list) and len(ret) == len(call["errors_like"]), (label, ret)
            for text, wanted in zip(ret, call["errors_like"], strict=True):
                assert wanted in text, (label, ret)
            assert retcode, label
            continue
        assert ret == call["expected"], label
        if isinstance(ret, dict) and call["fun"] == "state.show_top":
            assert list(ret) == list(call["expected"]), (label, "saltenv order")
        assert bool(retcode) == bool(call.get("retcode", 0)), label


@pytest.fixture
def case_runner(tmp_path: Path):
    """``case_runner(case) -> CaseRunner`` for one case dict (see the module docstring)."""
    return lambda case: CaseRunner(tmp_path, case)


@pytest.fixture
def check_oracle_case(tmp_path: Path):
    """``check_oracle_case(case)``: run every call of the case and compare with what Salt returned."""
    return lambda case: check_case(tmp_path, case)
