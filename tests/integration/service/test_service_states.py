"""``service`` states end to end (``saline-call --local state.apply``) on a real init script.

The expected comments and changes are the ones Salt 3007.8 gives for the same init script and state
trees (its debian_service backend; recorded with the oracle, see docs/states-service.md).
"""

from __future__ import annotations

import json
from typing import Any

from saline.modules.service_systemd import booted


def apply(saline_call, sls: str, *args: str) -> list[dict[str, Any]]:
    """The results of ``state.apply sls`` in run order, without timings."""
    rc, out, err = saline_call("state.apply", sls, "--out=json", *args)
    results = json.loads(out)["local"]
    assert isinstance(results, dict), (out, err)
    ordered = sorted(results.values(), key=lambda r: r["__run_num__"])
    assert rc == (0 if all(r["result"] is not False for r in ordered) else 1), err
    return [{k: r[k] for k in ("name", "result", "changes", "comment")} for r in ordered]


def one(saline_call, sls: str, *args: str) -> tuple[Any, Any, str]:
    (res,) = apply(saline_call, sls, *args)
    return res["result"], res["changes"], res["comment"]


def test_running_and_dead_with_enable(saline_call, init_service) -> None:
    n = init_service.name
    saline_call.write_state("up.sls", f"svc:\n  service.running:\n    - name: {n}\n    - enable: True\n")
    saline_call.write_state("down.sls", f"svc:\n  service.dead:\n    - name: {n}\n    - enable: False\n")

    # test=True reports and changes nothing
    assert one(saline_call, "up", "test=True") == (None, {}, f"Service {n} is set to start")
    assert not init_service.running() and init_service.links() == {}

    assert one(saline_call, "up") == (True, {n: True}, f"Service {n} has been enabled, and is running")
    assert init_service.running() and init_service.links()["2"] == "S"
    pid = init_service.pid()
    assert one(saline_call, "up") == (True, {}, f"The service {n} is already running")  # idempotent
    assert init_service.pid() == pid

    assert one(saline_call, "down", "test=True") == (None, {}, f"Service {n} is set to be killed")
    assert init_service.running()
    assert one(saline_call, "down") == (True, {n: True}, f"Service {n} has been disabled, and is dead")
    assert not init_service.running() and set(init_service.links().values()) == {"K"}
    assert one(saline_call, "down") == (True, {}, f"The service {n} is already dead")


def test_enable_only_when_running_and_enabled_disabled_states(saline_call, init_service) -> None:
    n = init_service.name
    saline_call.write_state("plain.sls", f"svc:\n  service.running:\n    - name: {n}\n")
    saline_call.write_state("boot.sls", f"svc:\n  service.running:\n    - name: {n}\n    - enable: True\n")
    saline_call.write_state("en.sls", f"svc:\n  service.enabled:\n    - name: {n}\n")
    saline_call.write_state("dis.sls", f"svc:\n  service.disabled:\n    - name: {n}\n")

    assert one(saline_call, "plain") == (True, {n: True}, f"Started service {n}")
    assert one(saline_call, "boot", "test=True") == (None, {}, f"Service {n} set to be enabled")
    assert init_service.links() == {}
    assert one(saline_call, "boot") == (
        True, {n: True}, f"Service {n} has been enabled, and is in the desired state")
    assert one(saline_call, "en") == (True, {}, f"Service {n} is already enabled, and is in the desired state")
    assert one(saline_call, "dis", "test=True") == (None, {}, f"Service {n} set to be disabled")
    assert one(saline_call, "dis") == (True, {n: True}, f"Service {n} has been disabled, and is in the desired state")
    assert one(saline_call, "dis") == (True, {}, f"Service {n} is already disabled, and is in the desired state")
    assert one(saline_call, "en") == (True, {n: True}, f"Service {n} has been enabled, and is in the desired state")
    assert init_service.running()  # enabled/disabled never touch the process


def test_missing_service(saline_call) -> None:
    n = "saline-test-svc-absent"
    saline_call.write_state("up.sls", f"svc:\n  service.running:\n    - name: {n}\n")
    saline_call.write_state("down.sls", f"svc:\n  service.dead:\n    - name: {n}\n")
    saline_call.write_state("typo.sls", f"svc:\n  service.running:\n    - name: {n}\n    - enabled: True\n")
    assert one(saline_call, "up") == (False, {}, f"The named service {n} is not available")
    assert one(saline_call, "up", "test=True") == (
        None, {}, f"Service {n} not present; if created in this state run, it would have been started")
    assert one(saline_call, "down") == (True, {}, f"The named service {n} is not available")
    saline_call.write_state("bad.sls", "svc:\n  service.running:\n    - name: ../../bin/sh\n")
    assert one(saline_call, "bad") == (False, {}, "The named service ../../bin/sh is not available")
    assert one(saline_call, "typo") == (
        False, {}, f'Service {n} uses non-existent option "enabled".  Perhaps "enable" option was intended?')


CLASSIC = """\
config:
  file.managed:
    - name: {conf}
    - source: salt://app/app.conf

app:
  service.running:
    - name: {name}
{extra}    - watch:
      - file: config
"""


def test_watch_restarts_on_config_change(saline_call, init_service, tmp_path) -> None:
    """THE classic: file.managed config + service.running watching it."""
    n, conf = init_service.name, tmp_path / "app.conf"
    saline_call.write_state("app/app.conf", "port: 1\n")
    saline_call.write_state("app/init.sls", CLASSIC.format(conf=conf, name=n, extra=""))

    # dry run first: the file would be created and the watch would start the service
    dry = apply(saline_call, "app", "test=True")
    assert [r["result"] for r in dry] == [None, None]
    assert dry[1]["comment"] == "Service is set to be started"
    assert not conf.exists() and not init_service.running()

    # 1st apply: file created, service started, and not restarted again by the watch
    file_ret, svc_ret = apply(saline_call, "app")
    assert file_ret["changes"] and file_ret["result"] is True
    assert (svc_ret["result"], svc_ret["changes"], svc_ret["comment"]) == (True, {n: True}, f"Started service {n}")
    first = init_service.pid()
    assert init_service.log() == [("start", first)]

    # 2nd apply after a config change: restarted (a new pid), changes {name: True}
    saline_call.write_state("app/app.conf", "port: 2\n")
    dry = apply(saline_call, "app", "test=True")
    assert dry[1] == {"name": n, "result": None, "changes": {}, "comment": "Service is set to be restarted"}
    assert init_service.pid() == first
    file_ret, svc_ret = apply(saline_call, "app")
    assert conf.read_text() == "port: 2\n"
    assert (svc_ret["result"], svc_ret["changes"], svc_ret["comment"]) == (True, {n: True}, "Service restarted")
    second = init_service.pid()
    assert second != first and init_service.running()

    # 3rd apply: nothing changes
    file_ret, svc_ret = apply(saline_call, "app")
    assert file_ret["changes"] == {} and svc_ret["changes"] == {}
    assert svc_ret["comment"] == f"The service {n} is already running"
    assert init_service.pid() == second


def test_watch_with_reload_and_dead(saline_call, init_service, tmp_path) -> None:
    n, conf = init_service.name, tmp_path / "app.conf"
    saline_call.write_state("app/app.conf", "v1\n")
    saline_call.write_state("app/init.sls", CLASSIC.format(conf=conf, name=n, extra="    - reload: True\n"))
    apply(saline_call, "app")
    pid = init_service.pid()
    saline_call.write_state("app/app.conf", "v2\n")
    svc_ret = apply(saline_call, "app")[1]
    assert (svc_ret["changes"], svc_ret["comment"]) == ({n: True}, "Service reloaded")
    assert init_service.pid() == pid and init_service.wait_log(("reload", pid)) == [("start", pid), ("reload", pid)]

    dead = CLASSIC.format(conf=conf, name=n, extra="").replace("service.running", "service.dead")
    saline_call.write_state("app/init.sls", dead)
    saline_call.write_state("app/app.conf", "v3\n")
    assert apply(saline_call, "app", "test=True")[1]["comment"] == "Service is set to be stopped"
    svc_ret = apply(saline_call, "app")[1]
    assert (svc_ret["changes"], svc_ret["comment"]) == ({n: False}, f"Service {n} was killed")
    saline_call.write_state("app/app.conf", "v4\n")
    svc_ret = apply(saline_call, "app")[1]
    assert (svc_ret["result"], svc_ret["changes"], svc_ret["comment"]) == (True, {}, "Service is already stopped")
    assert not init_service.running()


def test_sys_missing_names_the_systemd_backend(saline_call) -> None:
    rc, out, err = saline_call("sys.missing", "--out=json")
    assert rc == 0, err
    missing = json.loads(out)["local"]
    if booted() is True:
        assert "service (sysvinit)" not in missing and "service" not in missing
    else:
        assert missing["service (systemd)"].startswith("PID 1 is not systemd")
        assert missing["service (systemd)"].endswith("; using sysvinit")
