"""The examples of docs/modules/pip.md run as shown (``/srv/venv`` and ``/srv/wheels`` become temp paths):
the console session prints what the page shows, and the SLS example plans, applies and is idempotent."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from tests.integration.pip.scenario import World

DOC = (Path(__file__).parents[3] / "docs" / "modules" / "pip.md").read_text()


def blocks(lang: str) -> list[str]:
    return [body for kind, body in re.findall(r"^```(\w*)\n(.*?)^```", DOC, re.S | re.M) if kind == lang]


@pytest.fixture
def paths(pip_world: World, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    pip_world.reset()
    return {"/srv/venv": str(pip_world.venv), "/srv/wheels": str(pip_world.wheels)}


def localize(text: str, paths: dict[str, str]) -> str:
    for old, new in paths.items():
        text = text.replace(old, new)
    return text


def no_pids(text: str) -> str:
    """Without process ids and the versions of the virtualenv's bundled pip and setuptools (they depend
    on the Python that made it)."""
    text = re.sub(r"(pid:\n\s+)\d+", r"\g<1>N", text)
    text = re.sub(r"\b(pip|setuptools)==[\w.]+", r"\1==N", text)
    return re.sub(r"^(local:\n    )\d+(\.\d+)+\n\Z", r"\1N\n", text)


def test_console_session_and_sls_example(saline_call: Any, paths: dict[str, str]) -> None:
    (session,) = [b for b in blocks("") if b.startswith("$ ")]
    steps = re.split(r"^\$ ", localize(session, paths), flags=re.M)[1:]
    assert len(steps) == 7
    for chunk in steps:
        command, _, expected = chunk.partition("\n")
        argv = shlex.split(command)
        assert argv[:2] == ["saline-call", "--local"]
        rc, out, err = saline_call(*argv[2:])
        assert (rc, no_pids(out)) == (0, no_pids(expected)), (argv, err)

    (sls,) = blocks("yaml")
    saline_call.write_state("deps.sls", localize(sls, paths))

    def run(*extra: str) -> dict[str, Any]:
        rc, out, err = saline_call("state.apply", "deps", "--out=json", *extra)
        assert rc == 0, err
        data = json.loads(out)["local"]
        return {v["__id__"]: (v["result"], v["changes"], v["comment"]) for v in data.values()}

    planned = run("test=True")
    assert planned == {
        "webapp-deps": (None, {}, "Python package(s) set to be installed:\nsaline-demo>=2.0\nsaline-extra"),
        "old-tool": (True, {}, "Package is not installed."),
    }
    applied = run()
    assert applied["webapp-deps"] == (True, {"saline-demo==2.0": "Installed", "saline-extra==1.0": "Installed"},
                                      "All packages were successfully installed")
    again = run()
    assert again["webapp-deps"] == (True, {}, "Python package saline-demo>=2.0 was already installed\n"
                                              "Python package saline-extra was already installed\n"
                                              "All specified packages are already installed")


def test_every_function_and_state_is_documented() -> None:
    from saline.loader import load_module
    from saline.states.registry import load_state_module

    module = load_module("pip", lambda: {})
    assert sorted(module.functions) == ["freeze", "install", "is_installed", "list", "list_all_versions",
                                        "list_upgrades", "uninstall", "upgrade", "upgrade_available", "version"]
    assert [name for name in module.functions if f"`pip.{name}`" not in DOC] == []
    states = load_state_module("pip")
    assert states is not None
    assert [name for name in states.functions if f"`pip.{name}`" not in DOC] == []
