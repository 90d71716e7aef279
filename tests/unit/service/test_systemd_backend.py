"""The systemd backend's commands and parsing, against a fake ``systemctl`` (no systemd on this machine).

The fake keeps units in memory and answers like systemctl 252 does (exit codes of ``status``,
``is-active``, ``is-enabled``; ``list-unit-files``/``list-units`` columns; ``show`` properties).
Every argv is recorded, so the tests check the exact command lines Saline builds.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import saline.modules.service_common as common
import saline.modules.service_systemd as sd
from saline.errors import CommandExecutionError
from saline.loader import Context


@dataclass
class Unit:
    active: bool = False
    file_state: str = "disabled"
    changed_on_disk: bool = False
    masked: bool = False
    props: dict[str, str] = field(default_factory=dict)


class FakeSystemd:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.units: dict[str, Unit] = {}
        self.pending: set[str] = set()  # unit files systemd has not loaded yet
        self.calls: list[list[str]] = []
        self.version = 252
        self.find_output = ""

    def _out(self, rc: int = 0, stdout: str = "", stderr: str = "") -> dict[str, Any]:
        return {"pid": 4242, "retcode": rc, "stdout": stdout, "stderr": stderr}

    def __call__(self, argv: list[str], **kwargs: Any) -> dict[str, Any]:
        argv = [str(a) for a in argv]
        self.calls.append(argv)
        args = list(argv)
        if args[:2] == ["systemd-run", "--scope"]:
            args = args[2:]
        tool, args = args[0], args[1:]
        if tool != "systemctl":
            return self._out(stdout=self.find_output if tool == "find" else "")
        if args == ["--version"]:
            return self._out(stdout=f"systemd {self.version} (fake)\n+PAM +AUDIT")
        words = [a for a in args if not a.startswith("--") and a not in ("-n", "0", "-P", "Id")]
        root = args[args.index("--root") + 1] if "--root" in args else None
        if root:
            words.remove(root)
        verb = words[0] if words else "list-units"
        unit = words[1] if len(words) > 1 else ""
        known = self.units.get(unit)
        if verb == "daemon-reload":
            for name in self.pending:
                self.units.setdefault(name, Unit())
            self.pending.clear()
            for u in self.units.values():
                u.changed_on_disk = False
            return self._out()
        if verb == "list-unit-files":
            return self._out(stdout="".join(f"{n:40} {u.file_state} -\n" for n, u in sorted(self.units.items())))
        if verb == "list-units":
            return self._out(stdout="".join(
                f"  {n} loaded {'active running' if u.active else 'inactive dead'} The {n}\n"
                for n, u in sorted(self.units.items())))
        if known is None:
            if verb in ("status", "is-active"):
                return self._out(4 if verb == "status" else 3, f"Unit {unit} could not be found.")
            return self._out(1, stderr=f"Failed to {verb} {unit}: Unit {unit} not found.")
        if verb == "status":
            note = (f"Warning: The unit file of {unit} changed on disk. Run 'systemctl daemon-reload' to reload "
                    "units.\n") if known.changed_on_disk else ""
            return self._out(0 if known.active else 3, f"● {unit}\n{note}")
        if verb == "is-active":
            return self._out(0 if known.active else 3, "active" if known.active else "inactive")
        if verb == "is-enabled":
            rc = 0 if known.file_state in ("enabled", "static", "alias", "indirect") else 1
            return self._out(rc, known.file_state)
        if verb == "show":
            if "-P" in args:
                return self._out(stdout=known.props.get("Id", unit))
            return self._out(stdout="".join(f"{k}={v}\n" for k, v in known.props.items()))
        if verb in ("start", "restart", "reload", "force-reload") and known.masked:
            return self._out(1, stderr=f"Running scope as unit: run-r1.scope\nFailed to {verb} {unit}: "
                                       f"Unit {unit} is masked.")
        if verb in ("start", "restart"):
            known.active = True
        elif verb == "stop":
            known.active = False
        elif verb in ("enable", "disable"):
            known.file_state = f"{verb}d"
        elif verb in ("mask", "unmask"):
            known.masked = verb == "mask"
            link = Path(root or "/", "etc/systemd/system", unit)
            if verb == "unmask" and link.is_symlink():
                link.unlink()
        return self._out()

    def verbs(self) -> list[str]:
        """The recorded commands, shell-joined, without the version probe."""
        return [shlex.join(c) for c in self.calls if c[-1] != "--version"]


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeSystemd:
    fake = FakeSystemd(tmp_path)
    monkeypatch.setattr(sd, "run_command", fake)
    monkeypatch.setattr(sd, "which", lambda name: f"/usr/bin/{name}")
    lib, etc, init_d = tmp_path / "lib", tmp_path / "etc", tmp_path / "init.d"
    for path in (lib, etc, init_d, tmp_path / "rc2.d"):
        path.mkdir()
    monkeypatch.setattr(sd, "SYSTEM_UNIT_PATHS", (str(lib),))
    monkeypatch.setattr(sd, "LOCAL_UNIT_PATH", str(etc))
    monkeypatch.setattr(common, "INIT_D", str(init_d))
    monkeypatch.setattr(common, "RC_DIR", str(tmp_path / "rc{}.d"))
    return fake


def ctx(**opts: Any) -> Context:
    c = Context({"id": "t", **opts}, grains_loader=lambda: {"kernel": "Linux"})
    c.scratch["service.runlevel"] = "2"
    return c


def add_unit(fake: FakeSystemd, name: str, **state: Any) -> None:
    fake.units[name] = Unit(**state)
    Path(sd.SYSTEM_UNIT_PATHS[0], name).write_text("[Service]\n")


def add_sysv(fake: FakeSystemd, name: str, enabled: bool) -> None:
    script = Path(common.INIT_D, name)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    if enabled:
        os.symlink(script, Path(common.RC_DIR.format(2), f"S01{name}"))


# ---- detection -----------------------------------------------------------------------------------------

def test_booted_only_when_pid1_is_systemd(tmp_path: Path) -> None:
    comm = tmp_path / "comm"
    comm.write_text("systemd\n")
    assert sd.booted(str(tmp_path / "none"), str(comm)) is True
    (tmp_path / "run").mkdir()
    comm.write_text("init\n")
    assert sd.booted(str(tmp_path / "run"), str(comm)) is True
    reason = sd.booted(str(tmp_path / "none"), str(comm))
    assert reason == f"PID 1 is not systemd (it is 'init') and {tmp_path / 'none'} does not exist"
    unknown = sd.booted(str(tmp_path / "none"), str(tmp_path / "nocomm"))
    assert unknown.startswith("PID 1 is not systemd (it is unknown)")


# ---- command construction ---------------------------------------------------------------------------

def test_unit_names_and_command_lines(fake: FakeSystemd) -> None:
    assert sd.unit_name("nginx") == "nginx.service"
    assert sd.unit_name("docker.socket") == "docker.socket"
    assert sd.unit_name("getty@tty1") == "getty@tty1.service"
    c = ctx()
    assert sd.systemctl_cmd(c, "status", "nginx") == ["systemctl", "status", "nginx.service", "-n", "0"]
    assert sd.systemctl_cmd(c, "start", "nginx", scope=True, no_block=True) == [
        "systemd-run", "--scope", "systemctl", "--no-block", "start", "nginx.service"]
    assert sd.systemctl_cmd(c, "enable", "x", root="/mnt") == ["systemctl", "--root", "/mnt", "enable", "x.service"]
    assert sd.systemctl_cmd(c, "show", "x", extra=["-P", "Id"]) == ["systemctl", "show", "x.service", "-P", "Id"]
    # no scope when the user turned it off, or systemd is too old for scopes
    assert sd.systemctl_cmd(ctx(**{"systemd.scope": False}), "start", "x", scope=True) == [
        "systemctl", "start", "x.service"]
    fake.version = 204
    assert sd.systemctl_cmd(ctx(), "start", "x", scope=True)[0] == "systemctl"


def test_start_stop_restart_reload(fake: FakeSystemd) -> None:
    add_unit(fake, "web.service")
    c = ctx(**{"systemd.scope": True})
    assert sd.status(c, "web") is False
    assert sd.start(c, "web") is True
    assert sd.status(c, "web") is True
    assert sd.restart(c, "web") is True
    assert sd.reload_(c, "web") is True
    assert sd.force_reload(c, "web") is True
    assert sd.stop(c, "web") is True
    assert sd.status(c, "web") is False
    assert fake.verbs() == [
        "systemctl is-active web.service",
        "systemctl status web.service -n 0",  # unit changed on disk? (before each change)
        "systemd-run --scope systemctl start web.service",
        "systemctl is-active web.service",
        "systemctl status web.service -n 0",
        "systemd-run --scope systemctl restart web.service",
        "systemctl status web.service -n 0",
        "systemd-run --scope systemctl reload web.service",
        "systemctl status web.service -n 0",
        "systemd-run --scope systemctl --no-block force-reload web.service",  # Salt's default for force_reload
        "systemctl status web.service -n 0",
        "systemd-run --scope systemctl stop web.service",
        "systemctl is-active web.service",
    ]


def test_daemon_reload_when_unit_file_changed_or_new(fake: FakeSystemd) -> None:
    add_unit(fake, "web.service", changed_on_disk=True)
    c = ctx(**{"systemd.scope": False})
    sd.start(c, "web")
    assert fake.verbs()[:3] == ["systemctl status web.service -n 0", "systemctl --system daemon-reload",
                                "systemctl start web.service"]
    # a new unit file in /etc/systemd/system that systemd has not loaded yet
    fake.calls.clear()
    Path(sd.LOCAL_UNIT_PATH, "new.service").write_text("[Service]\n")
    fake.pending.add("new.service")
    assert sd.available(c, "new") is True  # planning-safe: no reload from a query
    assert "systemctl --system daemon-reload" not in fake.verbs()
    assert sd.start(c, "new") is True
    assert "systemctl --system daemon-reload" in fake.verbs()
    assert fake.units["new.service"].active


def test_failures_raise_with_systemctl_message(fake: FakeSystemd) -> None:
    add_unit(fake, "web.service", masked=True)
    c = ctx()
    with pytest.raises(CommandExecutionError, match=r"^Failed to start web.service: Unit web.service is masked.$"):
        sd.start(c, "web")
    with pytest.raises(CommandExecutionError, match="not found"):
        sd.restart(c, "nosuch")
    assert sd.stop(c, "nosuch") is False  # stop returns a bool, like Salt


def test_stop_of_the_minion_itself_does_not_block(fake: FakeSystemd) -> None:
    add_unit(fake, "saline-minion.service", active=True)
    c = ctx(**{"systemd.scope": False})
    assert sd.stop(c, "saline-minion") is True
    assert fake.verbs()[-1] == "systemctl --no-block stop saline-minion.service"
    add_unit(fake, "web.service", active=True)
    sd.stop(c, "web", no_block=True)
    assert fake.verbs()[-1] == "systemctl --no-block stop web.service"


def test_unmask_before_start(fake: FakeSystemd) -> None:
    add_unit(fake, "web.service", masked=True)
    link = fake.root / "etc" / "systemd" / "system" / "web.service"
    link.parent.mkdir(parents=True)
    link.symlink_to("/dev/null")
    c = ctx(**{"systemd.scope": False})
    assert sd.masked(c, "web", root=str(fake.root)) is True
    assert sd.masked(c, "web", runtime=True, root=str(fake.root)) is False
    assert sd.unmask_(c, "web", root=str(fake.root)) is True
    assert f"systemctl --root {fake.root} unmask web.service" in fake.verbs()
    assert sd.masked(c, "web", root=str(fake.root)) is False
    fake.calls.clear()
    assert sd.unmask_(c, "web", root=str(fake.root)) is True  # not masked: no command
    assert [v for v in fake.verbs() if "unmask" in v] == []
    assert sd.mask(c, "web", runtime=True) is True
    assert fake.verbs()[-1] == "systemctl mask --runtime web.service"


# ---- queries ------------------------------------------------------------------------------------------

def test_available_and_missing(fake: FakeSystemd) -> None:
    add_unit(fake, "web.service")
    c = ctx()
    assert sd.available(c, "web") is True
    assert sd.missing(c, "web") is False
    assert sd.available(c, "nosuch") is False
    fake.version = 219  # before 231: read "Loaded:" from the status output
    assert sd.available(c, "nosuch") is False


def test_enabled_disabled_aliases_templates_and_sysv(fake: FakeSystemd) -> None:
    add_unit(fake, "web.service", file_state="enabled")
    add_unit(fake, "db.service", file_state="disabled")
    add_unit(fake, "sshd.service", file_state="alias", props={"Id": "ssh.service"})
    add_unit(fake, "ssh.service", file_state="enabled")
    add_sysv(fake, "legacy", enabled=True)
    add_sysv(fake, "oldoff", enabled=False)
    c = ctx()
    assert sd.enabled(c, "web") is True
    assert sd.enabled(c, "db") is False
    assert sd.disabled(c, "db") is True
    assert sd.enabled(c, "sshd") is True
    assert "systemctl show sshd.service -P Id" in fake.verbs()
    assert sd.enabled(c, "legacy") is True
    assert sd.enabled(c, "oldoff") is False
    fake.find_output = f"{sd.LOCAL_UNIT_PATH}/multi-user.target.wants/getty@tty9.service\n"
    assert sd.enabled(c, "getty@tty9") is True
    assert fake.calls[-1] == ["find", sd.LOCAL_UNIT_PATH, "-name", "getty@tty9", "-type", "l", "-print", "-quit"]


def test_listings(fake: FakeSystemd) -> None:
    add_unit(fake, "web.service", file_state="enabled", active=True)
    add_unit(fake, "db.service", file_state="disabled")
    add_unit(fake, "dbus.socket", file_state="static", active=True)
    add_unit(fake, "tmp.mount", file_state="static")
    add_sysv(fake, "legacy", enabled=True)
    add_sysv(fake, "oldoff", enabled=False)
    add_sysv(fake, "web", enabled=True)  # a unit of that name replaces the script
    Path(common.INIT_D, "README").write_text("not a service")  # not executable
    c = ctx()
    assert sd.get_all(c) == ["db", "dbus.socket", "legacy", "oldoff", "tmp.mount", "web"]
    assert sd.get_enabled(c) == ["legacy", "web"]
    assert sd.get_disabled(c) == ["db", "oldoff"]
    assert sd.get_static(c) == ["dbus.socket", "tmp.mount"]
    assert sd.get_running(c) == ["dbus.socket", "web"]
    assert fake.verbs()[-1] == "systemctl --full --no-legend --no-pager"
    assert "systemctl --full --no-legend --no-pager list-unit-files" in fake.verbs()
    assert sd.status(c, "d*") == {"db": False, "dbus.socket": True}


def test_show_and_execs(fake: FakeSystemd) -> None:
    add_unit(fake, "web.service", props={
        "Id": "web.service",
        "After": "network.target basic.target",
        "ExecStart": "{ path=/usr/sbin/web ; argv[]=/usr/sbin/web -c a=b ; ignore_errors=no ; start_time=[n/a] }",
        "Description": "Web = server",
    })
    add_unit(fake, "idle.target", props={"Id": "idle.target"})
    c = ctx()
    shown = sd.show(c, "web")
    assert shown["After"] == ["network.target", "basic.target"]
    assert shown["ExecStart"]["path"] == "/usr/sbin/web"
    assert shown["ExecStart"]["argv[]"] == "/usr/sbin/web -c a=b"
    assert shown["Description"] == "Web = server"
    assert sd.execs(c) == {"web": "/usr/sbin/web"}
    with pytest.raises(CommandExecutionError):
        sd.show(c, "nosuch")


def test_enable_disable_units_and_sysv_scripts(fake: FakeSystemd) -> None:
    add_unit(fake, "web.service")
    add_sysv(fake, "legacy", enabled=False)
    c = ctx(**{"systemd.scope": True})
    assert sd.enable(c, "web") is True
    assert fake.units["web.service"].file_state == "enabled"
    assert fake.verbs()[-1] == "systemd-run --scope systemctl enable web.service"
    assert sd.disable(c, "web", no_block=True) is True
    assert fake.verbs()[-1] == "systemd-run --scope systemctl --no-block disable web.service"
    assert sd.enable(c, "legacy") is True
    assert fake.verbs()[-1] == "systemd-run --scope /usr/bin/update-rc.d -f legacy defaults 99"
    assert sd.disable(c, "legacy") is True
    assert fake.verbs()[-1] == "systemd-run --scope /usr/bin/update-rc.d -f legacy remove"
    with pytest.raises(CommandExecutionError, match="not found"):
        sd.enable(c, "nosuch")


def test_daemon_reload_failure_raises(fake: FakeSystemd, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(argv: list[str], **kwargs: Any) -> dict[str, Any]:
        if "daemon-reload" in argv:
            return {"pid": 1, "retcode": 1, "stdout": "Access denied", "stderr": ""}
        return fake(argv, **kwargs)

    monkeypatch.setattr(sd, "run_command", failing)
    with pytest.raises(CommandExecutionError, match=r"^Problem performing systemctl daemon-reload: Access denied$"):
        sd.systemctl_reload(ctx())
