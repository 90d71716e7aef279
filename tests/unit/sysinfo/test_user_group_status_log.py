"""user/group read functions, status and log modules, through the registry and saline-call."""

from __future__ import annotations

import grp
import logging
import os
import pwd
import re
import subprocess
import sys

import pytest
from saline.loader import Context


@pytest.fixture
def salt() -> object:
    return Context({"pillar": {}}, grains_loader=lambda: {"os_family": "Debian"}).salt


def test_user_info_matches_passwd(salt) -> None:
    info = salt["user.info"]("root")
    assert info["uid"] == 0 and info["gid"] == 0 and info["name"] == "root"
    assert info["home"] == pwd.getpwnam("root").pw_dir
    assert "root" in info["groups"]
    assert set(info) == {"gid", "groups", "home", "name", "passwd", "shell", "uid", "fullname",
                         "roomnumber", "workphone", "homephone", "other"}


def test_user_info_missing_is_empty(salt) -> None:
    assert salt["user.info"]("no-such-user-saline") == {}


def test_user_gecos_split() -> None:
    from saline.modules.user import _gecos

    assert _gecos("Ann Smith,12,555-1,555-2,extra,more") == {
        "fullname": "Ann Smith", "roomnumber": "12", "workphone": "555-1", "homephone": "555-2",
        "other": "extra,more",
    }
    assert _gecos("")["fullname"] == ""


def test_user_lists(salt) -> None:
    users = salt["user.list_users"]()
    assert users == sorted(users) and "root" in users
    assert [u["name"] for u in salt["user.getent"]()] == [e.pw_name for e in pwd.getpwall()]
    assert "root" in salt["user.list_groups"]("root")


def test_group_info(salt) -> None:
    assert salt["group.info"]("root") == {"name": "root", "passwd": "x", "gid": 0,
                                          "members": grp.getgrnam("root").gr_mem}
    assert salt["group.info"]("no-such-group-saline") == {}
    assert salt["group.info"](0)["name"] == "root"
    assert len(salt["group.getent"]()) == len(grp.getgrall())


def test_status_shapes(salt) -> None:
    up = salt["status.uptime"]()
    assert set(up) == {"seconds", "since_iso", "since_t", "days", "time", "users"}
    assert re.fullmatch(r"\d+:\d\d", up["time"]) and up["seconds"] >= 0
    load = salt["status.loadavg"]()
    assert set(load) == {"1-min", "5-min", "15-min"}
    assert salt["status.time"]("%Y") == __import__("datetime").datetime.now().strftime("%Y")
    mem = salt["status.meminfo"]()
    assert mem["MemTotal"]["unit"] == "kB" and int(mem["MemTotal"]["value"]) > 0
    cpu = salt["status.cpuinfo"]()
    assert isinstance(cpu.get("flags", []), list)
    disk = salt["status.diskusage"]("/")
    assert disk["/"]["total"] >= disk["/"]["available"] > 0


def test_status_pid_and_procs(salt) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "saline-marker-xyz"])
    try:
        assert str(proc.pid) in salt["status.pid"]("saline-marker-xyz").split("\n")
        assert salt["status.procs"]()[str(proc.pid)]["cmd"].endswith("saline-marker-xyz")
    finally:
        proc.kill()
        proc.wait()
    assert str(os.getpid()) not in salt["status.pid"]("pytest").split("\n")


def test_status_bad_pattern(salt) -> None:
    from saline.errors import CommandExecutionError

    with pytest.raises(CommandExecutionError, match="invalid pattern"):
        salt["status.pid"]("(")


def test_log_levels(salt, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="saline.modules.log")
    assert salt["log.warning"]("disk %s full", "/var") is True
    assert salt["log.debug"]("detail") is True
    messages = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert ("WARNING", "disk /var full") in messages and ("DEBUG", "detail") in messages
