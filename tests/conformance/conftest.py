"""Collects the corpus results and prints the pass count at the end of the session."""

from __future__ import annotations

import re
from typing import Any

import pytest

_RESULTS = pytest.StashKey[dict]()
_MISSING_FUNCTION = re.compile(r"'([\w.]+)' is not available|has no attribute '([\w]+\.[\w.]+)'")


@pytest.fixture
def corpus_results(request: pytest.FixtureRequest) -> dict[str, Any]:
    """``{case name: [problems]}`` shared by the corpus tests of this session."""
    return request.config.stash.setdefault(_RESULTS, {})


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    results = config.stash.get(_RESULTS, None)
    if not results:
        return
    passed = sorted(name for name, problems in results.items() if not problems)
    failed = {name: problems for name, problems in results.items() if problems}
    write = terminalreporter.write_line
    terminalreporter.section("corpus conformance")
    write(f"corpus conformance: {len(passed)}/{len(results)} cases pass")
    for name, problems in sorted(failed.items()):
        missing = sorted({a or b for p in problems for a, b in _MISSING_FUNCTION.findall(p)})
        reason = f"missing functions: {', '.join(missing)}" if missing else problems[0][:300]
        write(f"  FAIL {name}: {reason}")
