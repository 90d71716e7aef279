"""The computed container comparison (no engine): the wanted configuration in inspect form, the diff with
Salt's falsy semantics, Salt's compare_containers, and network differences."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from saline.modules import docker_compare as cmp
from saline.modules import docker_translate as t

IMAGE = {"Id": "sha256:abc", "Config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin", "LANG=C"], "Entrypoint": None,
                                        "Labels": {"vendor": "x"}, "ExposedPorts": {"22/tcp": {}},
                                        "Volumes": None, "User": "", "WorkingDir": "/srv"}}


def expected(args: dict[str, Any], swap: bool = True) -> dict[str, Any]:
    create, host, _ = t.split_create_kwargs(t.translate_container(args))
    return cmp.expected_config("1.41", "img:1", IMAGE, create, host, "web", swap)


def container(config: dict[str, Any] | None = None, host: dict[str, Any] | None = None) -> dict[str, Any]:
    """An inspect result as the engine shows a container made from IMAGE without options."""
    base = {"Id": "c" * 64, "Name": "/web",
            "Config": {"Hostname": "c" * 12, "Domainname": "", "User": "", "Tty": False, "OpenStdin": False,
                       "Env": ["PATH=/bin", "LANG=C"], "Cmd": ["/bin/sh"], "Image": "img:1", "Volumes": None,
                       "WorkingDir": "/srv", "Entrypoint": None, "Labels": {"vendor": "x"},
                       "ExposedPorts": {"22/tcp": {}}},
            "HostConfig": {"Binds": None, "NetworkMode": "default", "PortBindings": {},
                           "RestartPolicy": {"Name": "", "MaximumRetryCount": 0}, "AutoRemove": False,
                           "CapAdd": None, "Privileged": False, "ShmSize": 67108864, "Memory": 0, "MemorySwap": 0,
                           "IpcMode": "private", "LogConfig": {"Type": "json-file", "Config": {}}},
            "NetworkSettings": {"Networks": {"bridge": {"IPAMConfig": None, "Aliases": None, "Links": None,
                                                        "IPAddress": "172.17.0.2", "Gateway": "172.17.0.1"}}}}
    base["Config"].update(config or {})
    base["HostConfig"].update(host or {})
    return base


def test_no_options_matches_a_plain_container() -> None:
    assert cmp.diff_config(container(), expected({})) == {}


def test_image_defaults_and_merges() -> None:
    want = expected({"environment": {"FOO": "1", "LANG": "de"}, "labels": ["a=b"], "ports": [80]})["Config"]
    assert want["Cmd"] == ["/bin/sh"] and want["WorkingDir"] == "/srv"
    assert want["Env"] == ["FOO=1", "LANG=de", "PATH=/bin"]
    assert want["Labels"] == {"vendor": "x", "a": "b"}
    assert want["ExposedPorts"] == {"22/tcp": {}, "80/tcp": {}}
    assert expected({"entrypoint": "/bin/echo"})["Config"]["Cmd"] is None  # the image's Cmd is dropped


def test_diff_reports_salt_shapes() -> None:
    diff = cmp.diff_config(container(), expected({"command": "sleep 5", "memory": "64m",
                                                 "port_bindings": "127.0.0.1:8080:80"}))
    assert diff == {
        "Config": {"Cmd": {"old": ["/bin/sh"], "new": ["sleep", "5"]},
                   "ExposedPorts": {"old": {"22/tcp": {}}, "new": {"22/tcp": {}, "80/tcp": {}}}},
        "HostConfig": {"PortBindings": {"old": {}, "new": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}},
                       "Memory": {"old": 0, "new": 67108864}, "MemorySwap": {"old": 0, "new": 134217728}}}


def test_swap_default_only_when_the_engine_limits_swap() -> None:
    assert "MemorySwap" not in expected({"memory": "64m"}, swap=False)["HostConfig"]
    assert expected({"memory": "64m", "memory_swap": "-1"}, swap=True)["HostConfig"]["MemorySwap"] == -1


def test_dropped_options_come_back_to_defaults() -> None:
    current = container(host={"RestartPolicy": {"Name": "always", "MaximumRetryCount": 0}, "Privileged": True,
                              "CapAdd": ["NET_ADMIN"]})
    assert cmp.diff_config(current, expected({}))["HostConfig"] == {
        "RestartPolicy": {"old": {"Name": "always", "MaximumRetryCount": 0},
                          "new": {"Name": "", "MaximumRetryCount": 0}},
        "Privileged": {"old": True, "new": False}, "CapAdd": {"old": ["NET_ADMIN"], "new": None}}


def test_engine_chosen_defaults_are_not_compared() -> None:
    current = container(host={"ShmSize": 1, "IpcMode": "shareable", "LogConfig": {"Type": "journald"}})
    assert cmp.diff_config(current, expected({})) == {}
    assert cmp.diff_config(current, expected({"shm_size": 1, "log_driver": "journald"}))["HostConfig"] == {
        "LogConfig": {"old": {"Type": "journald"}, "new": {"Type": "journald", "Config": {}}}}


@pytest.mark.parametrize(("old", "new"), [(None, []), ({}, None), ("", None), (0, None), (False, None)])
def test_empty_values_are_equal(old: Any, new: Any) -> None:
    assert cmp._same("Binds", old, new)


def test_unordered_lists_and_links() -> None:
    current = container(host={"CapAdd": ["B", "A"], "Links": ["/db:/web/database"]})
    assert cmp.diff_config(current, expected({"cap_add": "A,B", "links": {"db": "database"}})) == {}


def test_compare_inspect_like_salt() -> None:
    one = container()
    two = copy.deepcopy(one)
    two["Config"]["Hostname"] = "other"
    two["Config"]["Env"] = ["LANG=C", "PATH=/bin"]
    two["HostConfig"]["Memory"] = 5
    two["HostConfig"]["OomKillDisable"] = None
    ids = {"img:1": "sha256:abc", "img:2": "sha256:abc"}
    two["Config"]["Image"] = "img:2"
    diff = cmp.compare_inspect(one, two, ["Hostname"], ids.__getitem__, "web", "tmp")
    assert diff == {"HostConfig": {"Memory": {"old": 0, "new": 5}}}


def test_networks_added_removed_changed() -> None:
    current = container()
    current["NetworkSettings"]["Networks"]["app"] = {"IPAMConfig": {"IPv4Address": "10.0.0.5"},
                                                     "Aliases": ["web", "cccccccccccc"], "Links": None}
    want = {"app": {"aliases": ["api"], "ipv4_address": "10.0.0.6"}, "new": {}}
    assert cmp.diff_networks(current, want) == {
        "app": {"IPAMConfig": {"old": {"IPv4Address": "10.0.0.5"}, "new": {"IPv4Address": "10.0.0.6"}},
                "Aliases": {"old": ["web"], "new": ["api"]}},
        "bridge": {"IPAddress": {"old": "172.17.0.2", "new": None}, "Gateway": {"old": "172.17.0.1", "new": None}},
        "new": {"IPConfiguration": {"old": "not connected", "new": "automatic"}}}
    assert cmp.diff_networks(container(), cmp.expected_networks(None, None)) == {}
    assert cmp.expected_networks(None, "host") == {"host": {}}
    assert cmp.expected_networks(None, "container:db") == {}
