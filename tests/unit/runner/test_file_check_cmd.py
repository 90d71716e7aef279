"""file.managed checks the new contents with check_cmd before installing them; the runner does not run
check_cmd a second time afterwards (as in Salt, whose results these are)."""

from __future__ import annotations

import json


def test_check_cmd_guards_file_managed(saline_call, tmp_path) -> None:
    out_dir = tmp_path / "out"
    saline_call.write_state("cc.sls", f"""
good:
  file.managed:
    - name: {out_dir}/good.conf
    - makedirs: True
    - contents: ok
    - check_cmd: grep -q ok
bad:
  file.managed:
    - name: {out_dir}/bad.conf
    - makedirs: True
    - contents: nope
    - check_cmd: grep -q ok
""")
    _rc, out, _err = saline_call("state.apply", "cc", "--out=json")
    results = {r["__id__"]: r for r in json.loads(out)["local"].values()}
    assert (results["good"]["result"], results["good"]["comment"]) == (True, f"File {out_dir}/good.conf updated")
    assert (results["bad"]["result"], results["bad"]["comment"]) == (False, "check_cmd execution failed")
    assert sorted(p.name for p in out_dir.iterdir()) == ["good.conf"]
