"""The master's mine store: per-minion files (0600 in a 0700 dir), loading at start, globs, allow_tgt."""

from __future__ import annotations

import os
import stat

import pytest
from saline import wire
from saline.master.mine import MineStore, check_get, check_update

ACL = {"__data__": "s", "__saltmine_acl__": 1, "allow_tgt": "db*"}


def test_store_files_modes_and_reload(tmp_path) -> None:
    store = MineStore(str(tmp_path / "mine"), [])
    store.update("web1", {"ip": ["10.0.0.1"], "acl": ACL})
    store.update("web1", {"other": 1})
    store.update("web2", {"ip": ["10.0.0.2"]})
    assert stat.S_IMODE(os.stat(tmp_path / "mine").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "mine" / "web1").st_mode) == 0o600
    again = MineStore(str(tmp_path / "mine"), ["web1"])  # only accepted minions are loaded
    assert again.data == {"web1": {"ip": ["10.0.0.1"], "acl": ACL, "other": 1}}
    again.update("web1", {"ip": ["10.0.0.9"]}, clear=True)
    assert MineStore(str(tmp_path / "mine"), ["web1"]).data["web1"] == {"ip": ["10.0.0.9"]}
    again.forget("web1")
    assert not (tmp_path / "mine" / "web1").exists() and "web1" not in again.data


def test_get_globs_lists_and_allow_tgt(tmp_path) -> None:
    store = MineStore(str(tmp_path), [])
    store.update("web1", {"network.ip_addrs": ["a"], "acl": ACL})
    store.update("db1", {"network.ip_addrs": ["b"], "network.interfaces": {}})
    everyone = ["db1", "web1", "gone"]
    assert store.get(everyone, ["network.ip_addrs"], False) == {"db1": ["b"], "web1": ["a"]}
    assert store.get(["web1"], ["network.*"], False) == {"web1": ["a"]}
    assert store.get(everyone, ["acl", "nope"], True) == {"acl": {}, "nope": {}}
    assert store.get(everyone, ["acl"], False, lambda tgt, kind: (tgt, kind) == ("db*", "glob")) == {"web1": "s"}
    assert store.get(everyone, ["acl"], False, lambda tgt, kind: False) == {}


def test_limits(tmp_path) -> None:
    store = MineStore(str(tmp_path), [])
    with pytest.raises(wire.WireError, match="exceeds"):
        store.update("web1", {"big": "x" * (1024 * 1024 + 1)})
    store.update("web1", {str(i): i for i in range(600)})
    with pytest.raises(wire.WireError, match="more than 1000"):
        store.update("web1", {f"n{i}": i for i in range(600)})
    assert len(store.data["web1"]) == 600


@pytest.mark.parametrize("load", [{}, {"data": []}, {"data": {"f": 1}, "clear": 1}, {"data": {1: 2}},
                                  {"data": {"f": {"__saltmine_acl__": 1, "allow_tgt": ["a", 2]}}}])
def test_check_update_refuses(load) -> None:
    with pytest.raises(wire.WireError):
        check_update(load)


def test_check_get_defaults() -> None:
    assert check_get({"tgt": "*", "fun": "x"}) == ("*", "glob", ["x"], False, False)
    assert check_get({"tgt": ["a", "b"], "fun": ["x", "y*"], "tgt_type": "list", "keyed": True}) == (
        ["a", "b"], "list", ["x", "y*"], True, False)
