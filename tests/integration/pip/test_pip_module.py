"""pip module and states beyond the recorded cases: arguments really reach pip (no index options from the
environment here), argument errors, requirement files from the fileserver, editable installs, targets.

One virtualenv for all pip tests (conftest.py); every test starts with the test packages removed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from saline.errors import CommandExecutionError, CommandNotFoundError, SaltInvocationError
from saline.loader import Context, reset_cache

from tests.integration.pip.scenario import World


@pytest.fixture
def world(pip_world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    # offline, but no find-links from the environment: a test gets wheels only by asking for them
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    pip_world.reset()
    return pip_world


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[Context]:
    reset_cache()
    opts = {"id": "pip-test", "file_client": "local", "cachedir": str(tmp_path / "cache"), "test": False,
            "file_roots": {"base": [str(tmp_path / "srv")]}, "pillar_roots": {"base": []}}
    (tmp_path / "srv").mkdir()
    yield Context(opts, grains_loader=lambda: {"os_family": "Debian", "os": "Debian", "id": "pip-test"})
    reset_cache()


def state(ctx: Context, fun: str, test: bool = False, **kwargs: Any) -> tuple[Any, Any, Any]:
    out = ctx.salt["state.single"](fun, test=test, **kwargs)
    (res,) = out.values()
    return res["result"], res["changes"], res["comment"]


def installed(world: World) -> dict[str, str]:
    rows = json.loads(world.pip("list", "--format=json").stdout)
    return {r["name"]: r["version"] for r in rows if r["name"].startswith("saline")}


def test_index_arguments_reach_pip(world: World, ctx: Context) -> None:
    venv = str(world.venv)
    missing = ctx.salt["pip.install"](pkgs="saline-demo", bin_env=venv)
    assert missing["retcode"] != 0 and "No matching distribution" in missing["stderr"]
    assert ctx.retcode != 0
    done = ctx.salt["pip.install"](pkgs=["saline-demo==1.0"], bin_env=venv, find_links=str(world.wheels))
    assert done["retcode"] == 0 and "Successfully installed saline-demo-1.0" in done["stdout"]
    by_env = ctx.salt["pip.install"](pkgs="saline-extra", bin_env=venv, env_vars={"PIP_FIND_LINKS": str(world.wheels)})
    assert by_env["retcode"] == 0
    assert installed(world) == {"saline-demo": "1.0", "saline-extra": "1.0"}
    assert ctx.salt["pip.list_all_versions"]("saline-demo", bin_env=venv) is None
    assert ctx.salt["pip.list_all_versions"]("saline-demo", bin_env=venv, find_links=str(world.wheels),
                                             include_beta=True) == ["1.0", "2.0", "3.0b1"]


def test_bin_env_forms(world: World, ctx: Context, tmp_path: Path) -> None:
    venv = world.venv
    version = ctx.salt["pip.version"](bin_env=str(venv))
    assert version and version[0].isdigit()
    assert ctx.salt["pip.version"](bin_env=str(venv / "bin" / "python")) == version
    assert ctx.salt["pip.version"](bin_env=str(venv / "bin" / "pip")) == version
    with pytest.raises(CommandNotFoundError, match=r"Access denied to .*nowhere, could not find a pip binary"):
        ctx.salt["pip.list"](bin_env=str(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandNotFoundError, match="Could not find a pip binary in virtualenv"):
        ctx.salt["pip.version"](bin_env=str(tmp_path / "empty"))


def test_argument_errors(world: World, ctx: Context, tmp_path: Path) -> None:
    venv = str(world.venv)
    with pytest.raises(CommandExecutionError, match="mutually exclusive"):
        ctx.salt["pip.install"](pkgs="x", bin_env=venv, no_index=True, index_url="https://pypi.org/simple")
    with pytest.raises(CommandExecutionError, match="is not a valid URL or path"):
        ctx.salt["pip.install"](pkgs="x", bin_env=venv, find_links=str(tmp_path / "nowhere"))
    with pytest.raises(CommandExecutionError, match="is not a valid URL"):
        ctx.salt["pip.install"](pkgs="x", bin_env=venv, index_url="pypi.org/simple")
    with pytest.raises(CommandExecutionError, match="only supports the values s, i, w, and b"):
        ctx.salt["pip.install"](pkgs="x", bin_env=venv, exists_action="z")
    with pytest.raises(SaltInvocationError, match="not a valid timeout"):
        ctx.salt["pip.install"](pkgs="x", bin_env=venv, timeout=1.5)
    with pytest.raises(CommandExecutionError, match="must specify an egg"):
        ctx.salt["pip.install"](bin_env=venv, editable="git+https://example.com/repo.git")
    with pytest.raises(CommandExecutionError, match="is not a dictionary"):
        ctx.salt["pip.install"](pkgs="x", bin_env=venv, env_vars=["A=1"])
    with pytest.raises(CommandExecutionError, match=r"parent directory .* does not exist"):
        ctx.salt["pip.install"](pkgs="x", bin_env=venv, log=str(tmp_path / "no" / "pip.log"))
    assert ctx.salt["pip.install"](bin_env=venv) == {"retcode": 0, "stdout": "No packages to install."}
    assert installed(world) == {}


def test_state_failures_and_user(world: World, ctx: Context) -> None:
    venv = str(world.venv)
    assert state(ctx, "pip.installed", name="saline-demo", bin_env=venv, user="no-such-user-xyz") == (
        False, {}, "User no-such-user-xyz does not exist")
    result, changes, comment = state(ctx, "pip.installed", name="saline-demo", bin_env=venv)
    assert (result, changes) == (False, {})
    assert comment.startswith("Failed to install packages: saline-demo. Error: ")
    assert "No matching distribution found for saline-demo" in comment
    assert state(ctx, "pip.installed", name="saline-demo >>1", bin_env=venv)[2].startswith(
        "pip raised an exception while parsing 'saline-demo >>1': ")


def test_pip_bin_target_and_test_mode(world: World, ctx: Context, tmp_path: Path) -> None:
    links = str(world.wheels)
    assert state(ctx, "pip.installed", test=True, name="saline-demo", pip_bin=str(world.venv / "bin" / "pip"),
                 find_links=links) == (None, {}, "Python package saline-demo is set to be installed")
    assert installed(world) == {}
    assert state(ctx, "pip.installed", name="saline-demo<2", pip_bin=str(world.venv / "bin" / "pip"),
                 find_links=links) == (True, {"saline-demo==1.0": "Installed"},
                                       "All packages were successfully installed")
    target = tmp_path / "target"
    res = ctx.salt["pip.install"](pkgs="saline-demo==2.0", bin_env=str(world.venv), find_links=links,
                                  target=str(target))
    assert res["retcode"] == 0, res
    assert (target / "saline_demo" / "__init__.py").read_text() == 'VERSION = "2.0"\n'
    assert installed(world) == {"saline-demo": "1.0"}  # --target leaves the environment alone


def test_requirements_from_the_fileserver(world: World, ctx: Context, tmp_path: Path) -> None:
    (tmp_path / "srv" / "app").mkdir()
    (tmp_path / "srv" / "app" / "requirements.txt").write_text("saline-extra\nsaline-demo==2.0\n")
    args = {"name": "app", "requirements": "salt://app/requirements.txt", "bin_env": str(world.venv),
            "find_links": str(world.wheels)}
    assert state(ctx, "pip.installed", test=True, **args) == (
        None, {}, "Requirements file 'salt://app/requirements.txt' will be processed.")
    assert installed(world) == {}
    assert state(ctx, "pip.installed", **args) == (
        True, {"requirements": True}, "Successfully processed requirements file salt://app/requirements.txt.")
    assert installed(world) == {"saline-demo": "2.0", "saline-extra": "1.0"}
    assert state(ctx, "pip.installed", **args) == (True, {}, "Requirements were already installed.")
    missing = ctx.salt["pip.install"](requirements="salt://app/missing.txt", bin_env=str(world.venv))
    assert missing == {"result": False, "comment": "pip requirements file 'salt://app/missing.txt' not found"}
    out = ctx.salt["pip.uninstall"](requirements=str(tmp_path / "srv" / "app" / "requirements.txt"),
                                    bin_env=str(world.venv))
    assert out["retcode"] == 0 and installed(world) == {}


# A PEP 517/660 build backend in the project itself (no setuptools or wheel needed, nothing downloaded):
# the editable wheel holds a .pth file pointing at the project directory.
BACKEND = """
import base64, hashlib, os, zipfile

NAME, VERSION = "saline-edit", "0.1"
INFO = "saline_edit-0.1.dist-info"


def _wheel(directory, files):
    files = dict(files)
    files[INFO + "/METADATA"] = "Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (NAME, VERSION)
    files[INFO + "/WHEEL"] = "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    rows = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        rows.append("%s,sha256=%s,%d" % (path, digest, len(text.encode())))
    files[INFO + "/RECORD"] = "\\n".join(rows + [INFO + "/RECORD,,"]) + "\\n"
    name = "saline_edit-0.1-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, {"saline_edit/__init__.py": ""})


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, {"saline_edit.pth": os.path.abspath(".") + "\\n"})
"""


def test_editable_local_project(world: World, ctx: Context, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "saline_edit").mkdir(parents=True)
    (project / "saline_edit" / "__init__.py").write_text("")
    (project / "backend.py").write_text(BACKEND)
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n')
    planned = state(ctx, "pip.installed", test=True, name="edit", editable=str(project), bin_env=str(world.venv))
    assert planned == (None, {}, 'Package will be installed in editable mode (i.e. setuptools "develop mode") '
                                 f"from {project}.")
    result = state(ctx, "pip.installed", name="edit", editable=str(project), bin_env=str(world.venv))
    assert result == (True, {"editable": True}, f"Package successfully installed from VCS checkout {project}.")
    assert installed(world) == {"saline-edit": "0.1"}
    world.pip("uninstall", "-y", "-q", "saline-edit")


def test_upgrade_and_removed_failure(world: World, ctx: Context) -> None:
    world.pip("install", "-q", "--find-links", str(world.wheels), "saline-demo==1.0")
    assert ctx.salt["pip.list_upgrades"](bin_env=str(world.venv)) == {}  # no index, nothing known
    upgraded = ctx.salt["pip.upgrade"](bin_env=str(world.venv))
    assert upgraded == {"changes": {}, "result": True, "comment": ""}
    assert state(ctx, "pip.removed", name="Saline_Demo", bin_env=str(world.venv)) == (
        True, {"Saline_Demo": "Removed"}, "Package was successfully removed.")
    assert installed(world) == {}


def test_requirement_files_are_copied_for_the_runas_user(tmp_path: Path) -> None:
    """pip running as ``user`` reads copies it owns (the originals may sit in a private directory),
    including the files they chain to with ``-r``."""
    import pwd
    import shutil

    from saline.modules.pip import _readable_copies

    nobody = pwd.getpwnam("nobody")
    private = tmp_path / "private"
    (private / "sub").mkdir(parents=True)
    (private / "req.txt").write_text("# comment\n-r sub/more.txt\nsaline-demo==2.0\n")
    (private / "sub" / "more.txt").write_text("--requirement ../last.txt\nsaline-extra\n")
    (private / "last.txt").write_text("saline-other\n")
    private.chmod(0o700)
    tmp, passed = _readable_copies([str(private / "req.txt")], "nobody")
    try:
        assert passed == [f"{tmp}/req.txt"]
        copies = {str(p.relative_to(tmp)): p for p in Path(tmp).rglob("*.txt")}
        assert sorted(copies) == ["last.txt", "req.txt", "sub/more.txt"]
        assert all(p.stat().st_uid == nobody.pw_uid for p in copies.values())
        assert Path(tmp).stat().st_uid == nobody.pw_uid
        assert copies["sub/more.txt"].read_text() == "--requirement ../last.txt\nsaline-extra\n"
    finally:
        shutil.rmtree(tmp)


def test_list_all_versions_with_a_pip_older_than_21_2(tmp_path: Path, ctx: Context) -> None:
    """Before ``pip index`` existed, the versions are read from pip's error about an impossible one
    (a stand-in executable answers as pip 20.2 does)."""
    old_pip = tmp_path / "pip"
    old_pip.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = --version ]; then echo "pip 20.2.4 from /usr/lib/python3/dist-packages/pip (python 3.9)"; '
        "exit 0; fi\n"
        'echo "$@" > "$(dirname "$0")/argv"\n'
        'echo "ERROR: Could not find a version that satisfies the requirement saline-demo==versions '
        '(from versions: 1.0, 2.0, 3.0b1)" >&2\nexit 1\n')
    old_pip.chmod(0o755)
    assert ctx.salt["pip.list_all_versions"]("saline-demo", bin_env=str(old_pip)) == ["1.0", "2.0"]
    assert (tmp_path / "argv").read_text() == "install saline-demo==versions\n"
    assert ctx.salt["pip.list_all_versions"]("saline-demo", bin_env=str(old_pip), include_beta=True) == [
        "1.0", "2.0", "3.0b1"]


def test_list_and_upgrades_with_a_pip_older_than_9(tmp_path: Path, ctx: Context) -> None:
    """pip 8 has no JSON output: ``pip.list`` reads ``pip freeze`` and ``list_upgrades`` pip's text
    (a stand-in executable answers as pip 8.1 does)."""
    old_pip = tmp_path / "pip"
    old_pip.write_text(
        "#!/bin/sh\n"
        'case "$1 $2" in\n'
        '  "--version "*) echo "pip 8.1.2 from /usr/lib/python2.7/dist-packages (python 2.7)" ;;\n'
        '  "freeze "*) printf "%s\\n" "Saline-Demo==1.0" "-e git+https://example.com/x.git@abc#egg=saline-x" '
        '"## FIXME: could not find svn URL" "odd line" ;;\n'
        '  "list --outdated") echo "Saline-Demo (1.0) - Latest: 2.0 [wheel]" ;;\n'
        "  *) exit 3 ;;\n"
        "esac\n")
    old_pip.chmod(0o755)
    assert ctx.salt["pip.list"](bin_env=str(old_pip)) == {
        "pip": "8.1.2", "Saline-Demo": "1.0", "saline-x": "git+https://example.com/x.git@abc"}
    assert ctx.salt["pip.list"]("saline-d", bin_env=str(old_pip)) == {"Saline-Demo": "1.0"}
    assert ctx.salt["pip.list_upgrades"](bin_env=str(old_pip)) == {"Saline-Demo": "2.0 [wheel]"}
