"""Steps of oracle-recorded cases (tests/cases/git, tests/cases/pip) run against Saline in-process.

A case is a list of steps: ``state`` steps run through ``state.single`` and compare the one state's
result, comment and changes; ``call`` steps call a module function and compare ``{"ret": ...}`` or
``{"error": first line}``. The case's world (its scenario) puts placeholders in (``fmt``) and takes
host-specific values out (``normalize``), so a case recorded by real Salt on one machine is compared on
another.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from saline.errors import SalineError
from saline.loader import Context, reset_cache


def state_result(ret: dict[str, Any]) -> dict[str, Any]:
    """The one state result of a run, reduced to what cases compare."""
    (res,) = ret.values()
    return {"result": res["result"], "changes": res["changes"], "comment": res["comment"]}


def make_ctx(base: Path, minion_id: str) -> Context:
    """A fresh masterless context whose cache and file root live under ``base``."""
    reset_cache()
    opts = {"id": minion_id, "file_client": "local", "cachedir": str(base / "cache"), "test": False,
            "file_roots": {"base": [str(base / "srv-salt")]}, "pillar_roots": {"base": []}}
    return Context(opts, grains_loader=lambda: {"os_family": "Debian", "os": "Debian", "id": minion_id,
                                                "kernel": "Linux"})


def run_step(ctx: Context, world: Any, step: dict[str, Any]) -> dict[str, Any]:
    """What Saline answers for ``step``, normalised by ``world``."""
    if "state" in step:
        spec = step["state"]
        args = world.fmt(spec.get("args") or {})
        out = ctx.salt["state.single"](spec["fun"], test=bool(spec.get("test")), **args)
        assert isinstance(out, dict), out
        return world.normalize(state_result(out))
    spec = step["call"]
    try:
        ret = ctx.salt[spec["fun"]](*world.fmt(spec.get("args") or []), **world.fmt(spec.get("kwargs") or {}))
    except SalineError as exc:
        return world.normalize({"error": (str(exc).splitlines() or [""])[0]})  # the oracle keeps line 1
    return world.normalize({"ret": ret})
