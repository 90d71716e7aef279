"""The ``service`` execution module against a real init script (sysvinit backend on this machine)."""

from __future__ import annotations

import subprocess

import pytest
from saline.errors import ActionRefusedError, SaltInvocationError
from saline.loader import load_module
from saline.modules.service_systemd import booted


def test_backend_is_chosen_by_pid1(host_ctx) -> None:
    module = load_module("service", lambda: host_ctx.grains)
    assert module is not None
    if booted() is True:
        assert module.backend == "systemd"
    else:
        assert module.backend == "sysvinit"
        assert "show" not in module.functions  # systemd only


def test_start_stop_restart_reload_status(init_service, host_ctx) -> None:
    salt, svc = host_ctx.salt, init_service
    assert salt["service.available"](svc.name) is True
    assert salt["service.missing"](svc.name) is False
    assert svc.name in salt["service.get_all"]()
    assert salt["service.status"](svc.name) is False

    assert salt["service.start"](svc.name) is True
    first = svc.pid()
    assert first and salt["service.status"](svc.name) is True
    assert svc.log() == [("start", first)]
    assert svc.name in salt["service.get_running"]()
    assert salt["service.start"](svc.name) is True  # already running: the script says so, nothing new
    assert svc.log() == [("start", first)]

    assert salt["service.reload"](svc.name) is True
    assert svc.pid() == first
    assert ("reload", first) in svc.wait_log(("reload", first))

    assert salt["service.restart"](svc.name) is True
    second = svc.pid()
    assert second and second != first
    assert salt["service.status"](svc.name) is True
    assert svc.log()[-1] == ("start", second)

    assert salt["service.force_reload"](svc.name) is True  # this script restarts on force-reload
    assert svc.pid() not in (first, second)

    assert salt["service.status"]("saline-test-svc-*") == {
        name: name == svc.name for name in salt["service.get_all"]() if name.startswith("saline-test-svc-")}
    assert salt["service.status"](svc.name, sig=f"{svc.name}-daemon") is True

    assert salt["service.stop"](svc.name) is True
    assert salt["service.status"](svc.name) is False
    assert salt["service.status"](svc.name, sig=f"{svc.name}-daemon") is False
    assert svc.name not in salt["service.get_running"]()
    assert salt["service.reload"](svc.name) is False  # nothing to reload: the script exits 7


def test_enable_disable_flip_rc_links(init_service, host_ctx) -> None:
    salt, svc = host_ctx.salt, init_service
    assert svc.links() == {}
    assert salt["service.enabled"](svc.name) is False
    assert salt["service.disabled"](svc.name) is True
    assert svc.name in salt["service.get_disabled"]()

    assert salt["service.enable"](svc.name) is True
    assert svc.links() == {"0": "K", "1": "K", "2": "S", "3": "S", "4": "S", "5": "S", "6": "K"}
    assert salt["service.enabled"](svc.name) is True
    assert salt["service.disabled"](svc.name) is False
    assert svc.name in salt["service.get_enabled"]()
    assert svc.name not in salt["service.get_disabled"]()
    assert salt["service.enable"](svc.name) is True  # idempotent

    assert salt["service.disable"](svc.name) is True
    assert set(svc.links().values()) == {"K"}
    assert salt["service.enabled"](svc.name) is False
    assert svc.name in salt["service.get_disabled"]()

    assert salt["service.enable"](svc.name) is True  # stop links turn back into start links
    assert svc.links()["2"] == "S"
    assert not svc.running()  # enabling at boot does not start it


def test_disable_without_links_leaves_stop_links(init_service, host_ctx) -> None:
    salt, svc = host_ctx.salt, init_service
    assert salt["service.disable"](init_service.name) is True
    assert set(svc.links().values()) == {"K"}
    # a package's later "update-rc.d NAME defaults" keeps it disabled
    subprocess.run(["update-rc.d", svc.name, "defaults"], capture_output=True, check=True)
    assert salt["service.enabled"](svc.name) is False


def test_unknown_and_invalid_names(host_ctx) -> None:
    salt = host_ctx.salt
    assert salt["service.available"]("saline-no-such-service") is False
    assert salt["service.missing"]("saline-no-such-service") is True
    assert salt["service.status"]("saline-no-such-service") is False
    assert salt["service.start"]("saline-no-such-service") is False
    assert salt["service.enabled"]("saline-no-such-service") is False
    assert salt["service.disabled"]("saline-no-such-service") is False  # not a known service at all
    for bad in ("../../bin/sh", "", "-x", "a b"):
        with pytest.raises(SaltInvocationError):
            salt["service.available"](bad)
        with pytest.raises(SaltInvocationError):
            salt["service.start"](bad)


def test_actions_are_refused_while_planning(init_service, host_ctx) -> None:
    planning = host_ctx.planning_view()
    assert planning.salt["service.status"](init_service.name) is False
    with pytest.raises(ActionRefusedError):
        planning.salt["service.start"](init_service.name)
    assert not init_service.running()


def test_start_timeout_kills_a_hanging_script(init_service, host_ctx) -> None:
    text = init_service.script.read_text().replace("    start) do_start ;;", "    start) sleep 30 ;;")
    init_service.script.write_text(text)
    assert host_ctx.salt["service.start"](init_service.name, timeout=0.5) is False
    with pytest.raises(SaltInvocationError):
        host_ctx.salt["service.start"](init_service.name, timeout=-1)
