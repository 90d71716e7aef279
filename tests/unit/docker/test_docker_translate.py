"""Container and network argument translation: data-driven cases (tests/cases/docker/*.yaml, each checked
against Salt 3007.8's translate_input) and properties of the port-binding parser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.modules import docker_translate as t

CASES = sorted((Path(__file__).parents[2] / "cases" / "docker").glob("*.yaml"))


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_translation_case(path: Path) -> None:
    case = yaml.safe_load(path.read_text())
    fn = t.translate_network if case["kind"] == "network" else t.translate_container
    args = (case["input"], case.get("skip_translate"), case.get("ignore_collisions", False),
            case.get("validate_ip_addrs", True))
    if "error" in case:
        with pytest.raises(CommandExecutionError) as info:
            fn(*args)
        assert str(info.value) == case["error"]
        return
    result = fn(*args)
    if isinstance(result.get("ports"), list):
        result["ports"] = sorted(result["ports"], key=str)
    assert _lists(result) == case["expected"]


def test_there_are_cases() -> None:
    assert len(CASES) >= 40


ports = st.integers(min_value=1, max_value=65535)
ips = st.ip_addresses(v=4).map(str)


@given(host_ip=ips, host_port=ports, container_port=ports, udp=st.booleans())
def test_three_part_binding_reaches_the_engine_form(host_ip: str, host_port: int, container_port: int,
                                                    udp: bool) -> None:
    from docker.utils import convert_port_bindings

    proto = "/udp" if udp else ""
    out = t.translate_container({"port_bindings": f"{host_ip}:{host_port}:{container_port}{proto}"})
    key = f"{container_port}/udp" if udp else container_port
    assert out["port_bindings"] == {key: (host_ip, host_port)}
    assert out["ports"] == [(container_port, "udp") if udp else container_port]
    engine = convert_port_bindings(out["port_bindings"])
    assert engine == {f"{container_port}/{'udp' if udp else 'tcp'}": [{"HostIp": host_ip, "HostPort": str(host_port)}]}


@given(start=st.integers(min_value=1, max_value=60000), width=st.integers(min_value=0, max_value=20),
       offset=st.integers(min_value=-500, max_value=500))
def test_port_ranges_pair_up_in_order(start: int, width: int, offset: int) -> None:
    cstart = max(1, start + offset)
    spec = f"{start}-{start + width}:{cstart}-{cstart + width}"
    out = t.translate_container({"port_bindings": spec})["port_bindings"]
    assert out == {cstart + i: start + i for i in range(width + 1)}


@given(text=st.text(alphabet="0123456789:-/udpx ,.", max_size=20))
def test_port_binding_parser_never_crashes(text: str) -> None:
    try:
        t.translate_container({"port_bindings": text})
    except CommandExecutionError as exc:
        assert str(exc).startswith("Failed to translate input: port_bindings: ")


def test_unknown_argument_is_an_error_not_a_silent_drop() -> None:
    with pytest.raises(CommandExecutionError, match="memroy: not a container option"):
        t.translate_container({"memroy": "64m"})


def test_split_create_kwargs_separates_host_config() -> None:
    out = t.translate_container({"command": "true", "memory": "1g", "binds": "/a:/b", "networks": ["n1"]})
    create, host, networks = t.split_create_kwargs(out)
    assert create == {"command": "true", "volumes": ["/b"]}
    assert host == {"mem_limit": "1g", "binds": ["/a:/b"]}
    assert networks == ["n1"]


@pytest.mark.parametrize(("value", "expected"), [
    (None, {}),
    ("a, b", {"a": {}, "b": {}}),
    (["a", {"b": [{"aliases": "x,y"}, {"ipv4_address": "10.0.0.2"}]}],
     {"a": {}, "b": {"aliases": ["x", "y"], "ipv4_address": "10.0.0.2"}}),
    ({"c": None}, {"c": {}}),
])
def test_parse_networks(value: Any, expected: dict[str, Any]) -> None:
    assert t.parse_networks(value) == expected


def test_parse_networks_rejects_missing_values() -> None:
    with pytest.raises(CommandExecutionError, match="Config option 'aliases' for network 'n' is missing a value"):
        t.parse_networks([{"n": [{"aliases": None}]}])


def test_command_list_splits_like_a_shell() -> None:
    assert t.command_list("sh -c 'echo a b'") == ["sh", "-c", "echo a b"]
    assert t.command_list(["a", 1]) == ["a", "1"]
    assert t.command_list(None) is None


def test_small_translators_errors() -> None:
    with pytest.raises(SaltInvocationError, match="'x' is not an integer"):
        t.to_int("x")
    with pytest.raises(SaltInvocationError, match="is not a dictionary"):
        t.to_dict([1])
    with pytest.raises(SaltInvocationError, match="non-numeric or an invalid port range"):
        t.port_range("1-2-3")
    with pytest.raises(SaltInvocationError, match=r"Start of port range \(9\) cannot be greater"):
        t.port_range("9-3")
