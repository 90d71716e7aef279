"""Packaging: every package folder is listed in pyproject.toml with the right import name, imports,
and lands in a built wheel at the right place."""

from __future__ import annotations

import importlib
import pathlib
import shutil
import subprocess
import sys
import tomllib
import zipfile

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
LISTED = SETUPTOOLS["packages"]
PACKAGE_DIR = SETUPTOOLS["package-dir"]

# the required top-level folders and their import names (DESIGN.md section 1)
TOP = {"core": "saline", "master": "saline.master", "minion": "saline.minion", "modules": "saline.modules",
       "states": "saline.states", "pillar": "saline.pillar"}


def package_folders() -> dict[str, pathlib.Path]:
    """Import name -> folder, for every folder holding an __init__.py under the top-level folders."""
    found: dict[str, pathlib.Path] = {}
    for folder, name in TOP.items():
        root = REPO / folder
        for init in sorted(root.rglob("__init__.py")):
            if "__pycache__" in init.parts:
                continue
            rel = init.parent.relative_to(root)
            found[".".join([name, *rel.parts])] = init.parent
    return found


FOUND = package_folders()


def test_top_level_folders_are_mapped():
    assert {PACKAGE_DIR[name] for name in TOP.values()} == set(TOP)
    for folder, name in TOP.items():
        assert PACKAGE_DIR[name] == folder


def test_package_list_is_explicit_and_has_no_duplicates():
    assert isinstance(LISTED, list)
    assert len(LISTED) == len(set(LISTED))


@pytest.mark.parametrize("name", sorted(FOUND))
def test_every_package_folder_is_listed(name):
    assert name in LISTED, f"{FOUND[name].relative_to(REPO)} has an __init__.py: add {name!r} to pyproject.toml"


@pytest.mark.parametrize("name", LISTED)
def test_every_listed_package_has_a_folder(name):
    assert name in FOUND, f"{name} is listed in pyproject.toml but no folder with __init__.py maps to it"


def _folder_of(name: str) -> pathlib.Path:
    """Where setuptools will look for package ``name`` given package-dir."""
    best = max((p for p in PACKAGE_DIR if name == p or name.startswith(p + ".")), key=len)
    rest = name[len(best):].lstrip(".")
    return REPO / PACKAGE_DIR[best] / pathlib.Path(*rest.split(".")) if rest else REPO / PACKAGE_DIR[best]


@pytest.mark.parametrize("name", sorted(FOUND))
def test_mapping_points_at_the_folder(name):
    assert _folder_of(name) == FOUND[name]


@pytest.mark.parametrize("name", sorted(FOUND))
def test_package_imports_from_its_folder(name):
    module = importlib.import_module(name)
    assert pathlib.Path(module.__file__).resolve() == (FOUND[name] / "__init__.py").resolve()


def test_console_scripts_resolve():
    for script, target in PYPROJECT["project"]["scripts"].items():
        module_name, _, attr = target.partition(":")
        assert callable(getattr(importlib.import_module(module_name), attr)), script
        assert module_name.rsplit(".", 1)[0] in LISTED or module_name in LISTED, script


def test_wheel_contains_every_module(tmp_path):
    """Build the wheel (offline, with the venv's setuptools) from a copy of the sources, so the
    build leaves nothing in the checkout, and check every .py file is inside."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    for folder in TOP:
        shutil.copytree(REPO / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
         str(src)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    wheels = list(tmp_path.glob("saline-*.whl"))
    assert len(wheels) == 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    missing = []
    for name, folder in FOUND.items():
        prefix = pathlib.PurePosixPath(*name.split("."))
        for source in folder.glob("*.py"):
            if str(prefix / source.name) not in names:
                missing.append(str(prefix / source.name))
    assert not missing, f"not in the wheel: {missing}"
    assert not any(n.startswith(("tests/", "core/", "docs/")) for n in names)
