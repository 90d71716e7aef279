"""The ``alternatives`` module against update-alternatives with temp alternatives and admin dirs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from saline.errors import ActionRefusedError, SaltInvocationError
from saline.loader import Context

pytestmark = pytest.mark.skipif(shutil.which("update-alternatives") is None, reason="needs update-alternatives")


@pytest.fixture
def salt(tmp_path: Path) -> dict:
    for d in ("alt", "admin", "bin", "link"):
        (tmp_path / d).mkdir()
    for tool in ("a", "b"):
        (tmp_path / "bin" / tool).write_text(tool)
    ctx = Context({"id": "t", "alternatives.altdir": str(tmp_path / "alt"),
                   "alternatives.admindir": str(tmp_path / "admin")})
    ctx.grains = {"os_family": "Debian"}
    return ctx.salt


def test_lifecycle(salt: dict, tmp_path: Path) -> None:
    a, b, link = str(tmp_path / "bin/a"), str(tmp_path / "bin/b"), str(tmp_path / "link/tool")
    assert salt["alternatives.show_current"]("t-tool") is False
    assert salt["alternatives.show_link"]("t-tool") is False
    assert salt["alternatives.check_exists"]("t-tool", a) is False
    assert "no alternatives for t-tool" in salt["alternatives.display"]("t-tool")
    assert "using" in salt["alternatives.install"]("t-tool", link, a, 50)
    salt["alternatives.install"]("t-tool", link, b, "10")
    assert salt["alternatives.show_link"]("t-tool") == link
    assert salt["alternatives.show_current"]("t-tool") == a
    assert salt["alternatives.check_installed"]("t-tool", a) and not salt["alternatives.check_installed"]("t-tool", b)
    assert salt["alternatives.check_exists"]("t-tool", b)
    assert salt["alternatives.display"]("t-tool").splitlines()[0] == "t-tool - auto mode"
    salt["alternatives.set"]("t-tool", b)
    assert salt["alternatives.show_current"]("t-tool") == b
    assert salt["alternatives.display"]("t-tool").splitlines()[0] == "t-tool - manual mode"
    salt["alternatives.auto"]("t-tool")
    assert salt["alternatives.show_current"]("t-tool") == a
    salt["alternatives.remove"]("t-tool", a)
    assert salt["alternatives.show_current"]("t-tool") == b
    assert Path(link).read_text() == "b"
    salt["alternatives.remove"]("t-tool", b)
    assert salt["alternatives.show_current"]("t-tool") is False
    assert not Path(link).exists()


def test_errors(salt: dict, tmp_path: Path) -> None:
    with pytest.raises(SaltInvocationError, match="priority"):
        salt["alternatives.install"]("t-tool", str(tmp_path / "link/tool"), str(tmp_path / "bin/a"), "high")
    with pytest.raises(SaltInvocationError, match="Invalid alternative name"):
        salt["alternatives.show_current"]("../etc")
    out = salt["alternatives.install"]("t-tool", str(tmp_path / "link/tool"), str(tmp_path / "bin/none"), 1)
    assert "error" in out and "bin/none" in out
    assert "error" in salt["alternatives.set"]("t-tool", str(tmp_path / "bin/a"))


def test_actions_refused_while_planning(salt: dict, tmp_path: Path) -> None:
    ctx = Context({"id": "t", "alternatives.altdir": str(tmp_path / "alt")}).planning_view()
    with pytest.raises(ActionRefusedError):
        ctx.salt["alternatives.auto"]("t-tool")
