"""DESIGN.md section 1 import rules, checked statically (AST) on every import statement, including
the lazy ones inside functions:

- core imports none of the other folders;
- states imports core only (a state reaches execution functions through ctx);
- modules imports core; the ``state`` execution module (modules/state.py, state_*.py) may also
  import states;
- pillar imports core;
- minion may import core, modules, states, pillar;
- master imports core and pillar; master and minion never import each other;
- nothing (tests included) imports a folder by its bare name (``import modules``, ``from core ...``).
"""

from __future__ import annotations

import ast
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
FOLDERS = {"core": "saline", "master": "saline.master", "minion": "saline.minion", "modules": "saline.modules",
           "states": "saline.states", "pillar": "saline.pillar"}
LAYER_OF_PACKAGE = {v: k for k, v in FOLDERS.items() if k != "core"}

ALLOWED = {
    "core": {"core"},
    "states": {"core", "states"},
    "modules": {"core", "modules"},
    "pillar": {"core", "pillar"},
    "minion": {"core", "modules", "states", "pillar", "minion"},
    "master": {"core", "pillar", "master"},
}


def allowed_layers(layer: str, path: pathlib.Path) -> set[str]:
    if layer == "modules" and (path.stem == "state" or path.stem.startswith("state_")):
        return ALLOWED[layer] | {"states"}
    return ALLOWED[layer]


def layer_of(module: str) -> str | None:
    """The folder that import name ``module`` lives in (None when it is not Saline's)."""
    if module != "saline" and not module.startswith("saline."):
        return None
    parts = module.split(".")
    if len(parts) >= 2 and f"saline.{parts[1]}" in LAYER_OF_PACKAGE:
        return LAYER_OF_PACKAGE[f"saline.{parts[1]}"]
    return "core"


def own_package(layer: str, path: pathlib.Path) -> list[str]:
    rel = path.relative_to(REPO / layer).with_suffix("")
    parts = [*FOLDERS[layer].split("."), *rel.parts]
    return parts if path.name == "__init__.py" else parts[:-1]


def imports_of(path: pathlib.Path, package: list[str] | None) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in ``path``; relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                assert package is not None, f"{path}:{node.lineno}: relative import outside a package"
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            # `from saline import master` names a subpackage too
            found.extend((node.lineno, f"{name}.{alias.name}") for alias in node.names
                         if f"{name}.{alias.name}" in LAYER_OF_PACKAGE)
    return found


def python_files(folder: str) -> list[pathlib.Path]:
    return sorted(p for p in (REPO / folder).rglob("*.py") if "__pycache__" not in p.parts)


SOURCES = [(layer, path) for layer in FOLDERS for path in python_files(layer)]


def test_there_is_something_to_scan():
    assert len(SOURCES) > 20


@pytest.mark.parametrize(("layer", "path"), SOURCES, ids=[str(p.relative_to(REPO)) for _, p in SOURCES])
def test_imports_point_down(layer, path):
    allowed = allowed_layers(layer, path)
    bad = []
    for line, name in imports_of(path, own_package(layer, path)):
        target = layer_of(name)
        if target is not None and target not in allowed:
            bad.append(f"{path.relative_to(REPO)}:{line}: {layer} must not import {name} ({target})")
    assert not bad, "\n".join(bad)


BARE = set(FOLDERS)


@pytest.mark.parametrize("folder", [*FOLDERS, "tests", "bench", "docs"])
def test_no_bare_folder_imports(folder):
    bad = []
    for path in python_files(folder) if (REPO / folder).is_dir() else []:
        for line, name in imports_of(path, None if folder in ("tests", "bench", "docs") else
                                     own_package(folder, path)):
            if name.split(".")[0] in BARE:
                bad.append(f"{path.relative_to(REPO)}:{line}: import {name} (use saline.*)")
    assert not bad, "\n".join(bad)


# ---- the checker itself ---------------------------------------------------------------------------

def test_layer_of():
    assert layer_of("saline") == "core"
    assert layer_of("saline.loader") == "core"
    assert layer_of("saline.output.nested") == "core"
    assert layer_of("saline.modules.cmd") == "modules"
    assert layer_of("saline.states.engine.runner") == "states"
    assert layer_of("saline.minion") == "minion"
    assert layer_of("yaml") is None
    assert layer_of("salinex") is None


def test_checker_catches_violations(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("def f():\n    from saline.modules import cmd\n\nfrom saline import master\nfrom . import y\n")
    found = imports_of(bad, ["saline", "states"])
    names = [n for _, n in found]
    assert "saline.modules" in names and "saline.master" in names and "saline.states" in names
    assert {layer_of(n) for n in names} >= {"modules", "master"}
