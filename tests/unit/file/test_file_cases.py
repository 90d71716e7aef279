"""Run every data-driven case in tests/cases/file/ through ``ctx.salt`` on real files in a temp dir."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
import saline.errors
from saline.loader import Context

sys.path.insert(0, str(Path(__file__).parent))
import file_case_support

CASES = file_case_support.load_cases()


def make_ctx(tmp: Path, case: dict[str, Any]) -> Context:
    opts = {
        "pillar": {}, "test": bool(case.get("test")), "file_client": "local",
        "file_roots": {"base": [file_case_support.file_root(str(tmp))]}, "cachedir": str(tmp.parent / "cache"),
    }
    ctx = Context(opts, grains_loader=lambda: {})
    return ctx.planning_view() if case.get("planning") else ctx


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_file_case(case_file: Path, tmp_path: Path) -> None:
    case = file_case_support.load(case_file)
    uses_salt_urls = "salt://" in repr(case.get("args")) + repr(case.get("kwargs"))
    if uses_salt_urls and importlib.util.find_spec("saline.fileclient_local") is None:
        pytest.skip("the local file client is not there yet")
    tmp = tmp_path / "t"
    tmp.mkdir()
    file_case_support.setup(case, str(tmp))
    ctx = make_ctx(tmp, case)
    args, kwargs = file_case_support.args_of(case, str(tmp))
    fun = ctx.salt[case["function"]]
    if "error" in case:
        assert hasattr(saline.errors, case["error"]), case["error"]
        with pytest.raises(saline.errors.SalineError) as info:
            fun(*args, **kwargs)
        file_case_support.check_error(case, str(tmp), info.value)
    else:
        ret = fun(*args, **kwargs)
        file_case_support.check_return(case, str(tmp), ret)
    file_case_support.check_files(case, str(tmp))
    leftovers = [p.name for p in tmp.rglob("*.saline-tmp")]
    assert leftovers == [], leftovers
