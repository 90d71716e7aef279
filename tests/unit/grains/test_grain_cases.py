"""Data-driven grains cases: one YAML file per distribution under tests/cases/grains/.

Each case records the files a host would have (``/etc/os-release``, ``/proc/cpuinfo`` ...), the
facts that are not files (host name, uname, interface addresses), and the grains Salt reports for
that host. ``absent`` lists grains that must not be there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from saline.minion.grains import HostFacts, core_grains
from saline.minion.grains.ifaddrs import Interface

CASES = sorted((Path(__file__).parents[2] / "cases" / "grains").glob("*.yaml"))


def build_root(case: dict[str, Any], root: Path) -> None:
    for path, content in (case.get("files") or {}).items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    for path in case.get("dirs") or []:
        (root / path.lstrip("/")).mkdir(parents=True, exist_ok=True)
    for path, dest in (case.get("symlinks") or {}).items():
        link = root / path.lstrip("/")
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(dest, link)


def facts_for(case: dict[str, Any], root: Path) -> HostFacts:
    interfaces = [
        Interface(name, spec.get("hwaddr"), list(spec.get("inet") or []), list(spec.get("inet6") or []))
        for name, spec in (case.get("interfaces") or {}).items()
    ]
    return HostFacts(
        root=str(root),
        hostname=case["hostname"],
        uname=tuple(case["uname"]),  # type: ignore[arg-type]
        interfaces=interfaces,
        environ={"PATH": "/usr/local/bin:/usr/bin:/bin", "SHELL": "/bin/bash"},
        resolve=False,
    )


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_grains_case(case_file: Path, tmp_path: Path) -> None:
    case = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    build_root(case, tmp_path)
    grains = core_grains(case.get("opts") or {}, facts_for(case, tmp_path))
    expected = dict(case["expected"])
    absent = expected.pop("absent", [])
    mismatches = {
        key: {"expected": value, "got": grains.get(key, "<missing>")}
        for key, value in expected.items()
        if grains.get(key, "<missing>") != value
    }
    assert not mismatches, mismatches
    present = [key for key in absent if key in grains]
    assert not present, {key: grains[key] for key in present}


def test_cases_cover_the_required_distributions() -> None:
    names = {c.stem for c in CASES}
    assert {"debian12", "ubuntu2204", "rocky9", "alpine319_docker", "debian11_lxc"} <= names


def test_every_case_checks_the_os_grains() -> None:
    for case_file in CASES:
        expected = yaml.safe_load(case_file.read_text(encoding="utf-8"))["expected"]
        for key in ("os", "os_family", "osfullname", "osrelease", "oscodename"):
            assert key in expected, f"{case_file.name} does not check {key}"
