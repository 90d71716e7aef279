"""Check the ``cmd`` cases (tests/cases/cmd/*.yaml) against real Salt; not part of the test suite.

    ~/.cache/saline-oracle/salt-venv/bin/python tests/unit/cmd/oracle_check.py

Cases with a ``salt:`` key document a deliberate difference and are skipped. Only the return value
and the error type are compared (Salt's job retcode is not visible through ``Caller``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import yaml

CASES = sorted((Path(__file__).resolve().parents[2] / "cases" / "cmd").glob("*.yaml"))


def main() -> int:  # pragma: no cover - needs the oracle
    import salt.client
    import salt.config

    failures = 0
    with tempfile.TemporaryDirectory() as base:
        conf = os.path.join(base, "minion")
        with open(conf, "w") as handle:
            handle.write(f"file_client: local\nroot_dir: {base}/root\nid: oracle\n")
        caller = salt.client.Caller(mopts=salt.config.minion_config(conf))
        for path in CASES:
            case = yaml.safe_load(path.read_text())
            if "salt" in case:
                print(f"skip  {path.stem}")
                continue
            try:
                ret = caller.cmd(case["function"], *case.get("args", []), **case.get("kwargs", {}))
            except Exception as exc:
                ok = type(exc).__name__ == case.get("error")
                print(f"{'ok  ' if ok else 'FAIL'}  {path.stem}: raised {type(exc).__name__}: {str(exc)[:80]}")
                failures += not ok
                continue
            expect = case.get("expect")
            if isinstance(ret, dict) and isinstance(expect, dict):
                ret = {k: v for k, v in ret.items() if k in expect}
            ok = "error" not in case and ret == expect
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'}  {path.stem}" + ("" if ok else f": {ret!r} != {expect!r}"))
    return 1 if failures else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
