"""Fill in ``expect`` and ``after`` of tests/cases/{ssh,cron,archive}/*.yaml by running real Salt.

Developer tool, not a test (needs the Salt oracle). Usage::

    .venv/bin/python tests/unit/access/record_cases.py ssh/auth_absent [...]   # or --all

Same procedure as tests/unit/file_states/regen_oracle_cases.py (which does the work); cron cases
(``setup_cron``) run as a fresh user ``CRONUSER`` whose crontab is shown as ``CRONTAB`` in the trees.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys
import tempfile
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).parent))
sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "file_states"))
import archive_build
import file_states_support
import regen_oracle_cases
from test_access_cases import state_of

ROOT = pathlib.Path(__file__).resolve().parents[2] / "cases"


def record_cron(path: pathlib.Path, case: dict) -> None:
    user = f"salcron{uuid.uuid4().hex[:8]}"
    subprocess.run(["useradd", "-M", "-d", "/nonexistent", user], check=True, capture_output=True)
    try:
        if case["setup_cron"] is not None:
            subprocess.run(["crontab", "-u", user, "-"], input=str(case["setup_cron"]), text=True, check=True)
        regen_oracle_cases.snapshot = lambda root, skip=(): state_of(root, user)
        with tempfile.TemporaryDirectory() as tmp:
            copy = pathlib.Path(tmp, path.name)
            copy.write_text(path.read_text().replace("CRONUSER", user))
            regen_oracle_cases.record(copy)
            path.write_text(copy.read_text().replace(user, "CRONUSER"))
    finally:
        subprocess.run(["crontab", "-u", user, "-r"], capture_output=True, check=False)
        subprocess.run(["userdel", user], capture_output=True, check=False)
        regen_oracle_cases.snapshot = file_states_support.snapshot


def main(argv: list[str]) -> None:
    from saline.yamlload import safe_load

    paths = sorted(p for a in ("ssh", "cron", "archive") for p in (ROOT / a).glob("*.yaml")) \
        if argv == ["--all"] else [ROOT / f"{n.removesuffix('.yaml')}.yaml" for n in argv]
    regen_oracle_cases.build_tree = archive_build.build
    for path in paths:
        case = safe_load(path.read_text())
        if "setup_cron" in case:
            record_cron(path, case)
        else:
            regen_oracle_cases.record(path)


if __name__ == "__main__":
    main(sys.argv[1:])
