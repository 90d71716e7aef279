"""A requisite cycle fails with Salt's "Recursive requisite found" and the cycle spelled out."""

from __future__ import annotations

import json


def test_cycle_is_spelled_out(saline_call) -> None:
    saline_call.write_state("cyc.sls", "A:\n  test.nop:\n    - require:\n      - test: B\n"
                                       "B:\n  test.nop:\n    - require:\n      - test: C\n"
                                       "C:\n  test.nop:\n    - require:\n      - test: A\n")
    rc, out, _err = saline_call("state.apply", "cyc", "--out=json")
    results = json.loads(out)["local"]
    assert rc == 1
    first = min(results.values(), key=lambda r: r["__run_num__"])
    assert first["result"] is False
    assert first["comment"] == "Recursive requisite found: test: C -> test: A -> test: B -> test: C"
    others = sorted(r["comment"] for r in results.values() if r is not first)
    assert others == ["One or more requisite failed: cyc.B", "One or more requisite failed: cyc.C"]
