"""cmd.run_chroot on a tiny real chroot (dash and sleep with their libraries): mounts, cleanup, leftovers."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from saline.loader import Context


def _copy_with_libs(binary: str, root: Path, name: str) -> None:
    (root / "bin").mkdir(parents=True, exist_ok=True)
    shutil.copy2(binary, root / "bin" / name)
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    for word in out.split():
        if word.startswith("/") and os.path.exists(word):
            dest = root / word.lstrip("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(word, dest)


@pytest.fixture
def chroot(tmp_path: Path) -> Path:
    if os.geteuid() != 0 or not shutil.which("ldd") or not os.path.exists("/bin/dash"):
        pytest.skip("needs root, ldd and dash")
    root = tmp_path / "root"
    _copy_with_libs("/bin/dash", root, "sh")
    _copy_with_libs(shutil.which("sleep") or "/bin/sleep", root, "sleep")
    for sub in ("proc", "dev", "sys"):
        (root / sub).mkdir()
    probe = subprocess.run(["mount", "-t", "proc", "proc", str(root / "proc")], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("mount is not permitted here")
    subprocess.run(["umount", str(root / "proc")], check=True)
    return root


def _mounted_under(root: Path) -> list[str]:
    with open("/proc/mounts") as handle:
        return [line.split()[1] for line in handle if line.split()[1].startswith(str(root))]


def test_run_chroot(chroot: Path) -> None:
    ctx = Context({})
    ret = ctx.salt["cmd.run_chroot"](
        str(chroot), "echo inside; test -d /proc/1 && echo proc; sleep 60 >/dev/null 2>&1 & echo started")
    assert ret["retcode"] == 0 and ret["stdout"] == "inside\nproc\nstarted"
    assert _mounted_under(chroot) == []  # everything mounted for the command is gone again
    # the backgrounded sleep was killed with the chroot's other leftovers
    real = os.path.realpath(chroot)
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            link = os.path.realpath(f"/proc/{entry}/root")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        assert not (link.startswith(real) and state not in ("Z", "X")), entry


def test_run_chroot_failure_sets_retcode(chroot: Path) -> None:
    ctx = Context({})
    ret = ctx.salt["cmd.run_chroot"](str(chroot), "exit 3")
    assert ret["retcode"] == 3 and ctx.retcode == 3


def test_run_chroot_missing_root(tmp_path: Path) -> None:
    from saline.errors import CommandExecutionError

    with pytest.raises(CommandExecutionError, match="does not exist"):
        Context({}).salt["cmd.run_chroot"](str(tmp_path / "nope"), "true")
