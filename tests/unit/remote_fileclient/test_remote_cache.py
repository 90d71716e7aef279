"""The minion's RemoteFileClient against the master's real request handlers (no sockets).

Every request goes through msgpack both ways like on the wire, and through the same refusal path as
master/reqserver.py (a WireError becomes ``{"error": ...}``), so these tests pin the cache-by-hash
contract: a file is downloaded once and again only when its content on the master changes.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest
from saline import wire
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.master.serving import CHUNK, ServingMixin
from saline.minion.remote_fileclient import RemoteFileClient


class _Master(ServingMixin):
    def __init__(self, opts: dict[str, Any]) -> None:
        self.opts = opts
        self.grains_cache: dict[str, dict[str, Any]] = {}


@pytest.fixture
def setup(tmp_path):
    srv = tmp_path / "srv"
    (srv / "web").mkdir(parents=True)
    (srv / "web" / "init.sls").write_text("a: 1\n")
    (srv / "web" / "site.conf").write_text("listen 80\n")
    dev = tmp_path / "dev"
    dev.mkdir()
    (dev / "only_dev.txt").write_text("dev\n")
    master = _Master({"file_roots": {"base": [str(srv)], "dev": [str(dev)]}})
    calls: list[tuple[str, dict[str, Any]]] = []

    def request(cmd: str, load: dict[str, Any]) -> Any:
        calls.append((cmd, load))
        try:
            ret = getattr(master, "req" + cmd)("m1", wire.unpack(wire.pack(load)))
        except wire.WireError as exc:
            ret = {"error": str(exc)}
        return wire.unpack(wire.pack(ret))

    client = RemoteFileClient(request, str(tmp_path / "cache"))
    return client, srv, calls, tmp_path / "cache"


def _gets(calls: list[tuple[str, dict[str, Any]]]) -> int:
    return sum(1 for cmd, _ in calls if cmd == "_file_get")


def test_file_fetched_once_while_unchanged_and_again_when_it_changes(setup):
    client, srv, calls, cache = setup
    first = client.cache_file("salt://web/site.conf")
    assert first == os.path.join(str(cache), "files", "base", "web", "site.conf")
    with open(first) as fh:
        assert fh.read() == "listen 80\n"
    assert client.cache_file("salt://web/site.conf") == first
    assert client.get_text("salt://web/site.conf") == "listen 80\n"
    assert client.fetches == 1 and _gets(calls) == 1  # later uses only compare hashes

    (srv / "web" / "site.conf").write_text("listen 8080\n")
    assert client.get_text("salt://web/site.conf") == "listen 8080\n"
    assert client.fetches == 2

    with open(first, "w") as fh:  # a damaged local copy does not match the master's hash: fetched again
        fh.write("tampered")
    assert client.get_text("salt://web/site.conf") == "listen 8080\n"
    assert client.fetches == 3
    assert oct(os.stat(first).st_mode & 0o777) == "0o600"


def test_large_file_comes_in_chunks(setup):
    client, srv, calls, _cache = setup
    blob = os.urandom(CHUNK * 2 + 12345)
    (srv / "big.bin").write_bytes(blob)
    assert client.get_bytes("salt://big.bin") == blob
    assert _gets(calls) == 3
    assert client.hash_file("salt://big.bin") == {"hsum": hashlib.sha256(blob).hexdigest(), "hash_type": "sha256"}


def test_listing_envs_and_missing_files(setup):
    client, _srv, _calls, _cache = setup
    assert client.list_files() == ["web/init.sls", "web/site.conf"]
    assert client.list_files("base", "web/s") == ["web/site.conf"]
    assert "web" in client.list_dirs()
    assert sorted(client.envs()) == ["base", "dev"]
    assert client.get_text("salt://only_dev.txt", "dev") == "dev\n"
    assert client.get_text("salt://only_dev.txt") is None  # not in base
    assert client.cache_file("salt://nope.txt") is None
    assert client.hash_file("salt://nope.txt") is None


def test_traversal_is_refused_before_anything_is_sent(setup):
    client, _srv, calls, cache = setup
    for url in ("salt://../etc/passwd", "salt://web/../../etc/passwd"):
        with pytest.raises(SaltInvocationError):
            client.cache_file(url)
    with pytest.raises(SaltInvocationError):
        client.cache_file("salt://web/init.sls", "../base")
    assert calls == []
    assert not os.path.exists(cache)


def test_refusal_from_the_master_is_an_error(setup):
    client, _srv, _calls, _cache = setup
    with pytest.raises(CommandExecutionError, match="refused _file_list"):
        client.list_files("base", "../")
