"""Fill in ``expect`` and ``after`` of tests/cases/{ssh,cron,archive}/*.yaml by running real Salt.

Developer tool, not a test (needs the Salt oracle). Usage::

    .venv/bin/python tests/unit/access/record_cases.py ssh/auth_absent [...]   # or --all

Same procedure as tests/unit/file_states/regen_oracle_cases.py (which does the work); cron cases
(``setup_cron``) get root's crontab set first and shown as ``CRONTAB`` in the trees.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "file_states"))
import file_states_support
import regen_oracle_cases

ROOT = pathlib.Path(__file__).resolve().parents[2] / "cases"


def _with_crontab(snapshot):  # type: ignore[no-untyped-def]
    def wrapped(root: str, skip: tuple[str, ...] = ()) -> dict:
        tree = snapshot(root, skip)
        done = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
        tree["CRONTAB"] = done.stdout if done.returncode == 0 else None
        return tree

    return wrapped


def main(argv: list[str]) -> None:
    from saline.yamlload import safe_load

    paths = sorted(p for a in ("ssh", "cron", "archive") for p in (ROOT / a).glob("*.yaml")) \
        if argv == ["--all"] else [ROOT / f"{n.removesuffix('.yaml')}.yaml" for n in argv]
    plain = file_states_support.snapshot
    for path in paths:
        case = safe_load(path.read_text())
        if "setup_cron" in case:
            subprocess.run(["crontab", "-"], input=str(case["setup_cron"]), text=True, check=True)
            regen_oracle_cases.snapshot = _with_crontab(plain)
        else:
            regen_oracle_cases.snapshot = plain
        try:
            regen_oracle_cases.record(path)
        finally:
            if "setup_cron" in case:
                subprocess.run(["crontab", "-r"], capture_output=True, check=False)


if __name__ == "__main__":
    main(sys.argv[1:])
