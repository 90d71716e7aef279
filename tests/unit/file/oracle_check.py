"""Check the ``file`` cases against real Salt (the oracle), not part of the test suite.

Run with the oracle's Python (see /work/shared/oracle/README.md):

    ~/.cache/saline-oracle/salt-venv/bin/python tests/unit/file/oracle_check.py [case-name ...]

Each case in tests/cases/file/ without a ``salt:`` key runs through ``salt.client.Caller`` with a
throw-away masterless configuration; the return, the error and the files must meet the case's
expectations exactly as they do for Saline. Cases with ``salt:`` document a deliberate difference.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import file_case_support


def caller_for(base: str, test: bool):  # pragma: no cover - needs the oracle
    import salt.client
    import salt.config

    conf = os.path.join(base, "conf")
    os.makedirs(conf)
    root = os.path.join(base, "root")
    with open(os.path.join(conf, "minion"), "w") as handle:
        handle.write(
            f"file_client: local\nroot_dir: {root}\nid: oracle\n"
            f"file_roots:\n  base: [{os.path.join(base, 'srv')}]\npillar_roots:\n  base: [{base}/pillar]\n")
    opts = salt.config.minion_config(os.path.join(conf, "minion"))
    opts["test"] = test
    return salt.client.Caller(mopts=opts)


def run_case(path) -> str | None:  # pragma: no cover - needs the oracle
    case = file_case_support.load(path)
    if "salt" in case:
        return "skip"
    with tempfile.TemporaryDirectory() as base:
        tmp = os.path.join(base, "t")
        os.makedirs(tmp)
        file_case_support.setup(case, tmp)
        args, kwargs = file_case_support.args_of(case, tmp)
        caller = caller_for(base, bool(case.get("test")))
        try:
            try:
                ret = caller.cmd(case["function"], *args, **kwargs)
            except Exception as exc:  # Salt's own exception types
                if "error" not in case:
                    raise
                file_case_support.check_error(case, tmp, exc)
            else:
                if "error" in case:
                    raise AssertionError(f"expected {case['error']}, got return {ret!r}")
                file_case_support.check_return(case, tmp, ret)
            file_case_support.check_files(case, tmp)
        except AssertionError as exc:
            return f"FAIL {exc}"
        except Exception:
            return "ERROR " + traceback.format_exc(limit=2)
    return None


def main(names: list[str]) -> int:  # pragma: no cover - needs the oracle
    failures = 0
    for path in file_case_support.load_cases():
        if names and path.stem not in names:
            continue
        outcome = run_case(path)
        if outcome == "skip":
            print(f"skip  {path.stem}")
        elif outcome:
            failures += 1
            print(f"FAIL  {path.stem}: {outcome}")
        else:
            print(f"ok    {path.stem}")
    return 1 if failures else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
