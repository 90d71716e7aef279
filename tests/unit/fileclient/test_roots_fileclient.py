"""RootsFileClient: roots precedence, salt:// URLs, listings, hashes, and confinement to the roots."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.fileclient import LocalFileClient
from saline.fileclient_local import RootsFileClient, split_url


def write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def roots(tmp_path: Path) -> dict[str, Path]:
    dirs = {name: tmp_path / name for name in ("one", "two", "dev", "outside")}
    write(dirs["one"] / "top.sls", "one-top")
    write(dirs["one"] / "a" / "b.sls", "one-b")
    write(dirs["two"] / "top.sls", "two-top")
    write(dirs["two"] / "only_two.txt", "two-only")
    write(dirs["two"] / "a" / "c" / "init.sls", "two-c")
    write(dirs["dev"] / "top.sls", "dev-top")
    write(dirs["outside"] / "secret", "secret")
    return dirs


@pytest.fixture
def client(roots: dict[str, Path]) -> RootsFileClient:
    opts = {"file_roots": {"base": [str(roots["one"]), str(roots["two"])], "dev": [str(roots["dev"])]}}
    return RootsFileClient(opts)


def test_first_root_wins_and_later_roots_fill_in(client: RootsFileClient, roots: dict[str, Path]) -> None:
    assert client.get_text("salt://top.sls") == "one-top"
    assert client.get_text("salt://only_two.txt") == "two-only"
    assert client.cache_file("salt://a/c/init.sls") == str(roots["two"] / "a" / "c" / "init.sls")


def test_cache_file_returns_the_local_path_without_copying(client: RootsFileClient, roots: dict[str, Path]) -> None:
    assert client.cache_file("salt://a/b.sls") == str(roots["one"] / "a" / "b.sls")


def test_missing_files_and_unknown_saltenvs_are_none(client: RootsFileClient) -> None:
    assert client.cache_file("salt://nope.sls") is None
    assert client.get_text("salt://nope.sls") is None
    assert client.hash_file("salt://nope.sls") is None
    assert client.cache_file("salt://top.sls", "prod") is None
    assert client.list_files("prod") == []
    assert client.cache_file("salt://a") is None  # a directory is not a file


def test_saltenv_argument_and_query_string(client: RootsFileClient) -> None:
    assert client.get_text("salt://top.sls", "dev") == "dev-top"
    assert client.get_text("salt://top.sls?saltenv=dev") == "dev-top"
    assert client.get_text("salt://top.sls?saltenv=dev", "base") == "dev-top"
    assert split_url("salt://a//./b.sls?saltenv=dev") == ("a/b.sls", "dev")
    assert split_url("a/b.sls", "dev") == ("a/b.sls", "dev")


def test_hash_file_is_sha256(client: RootsFileClient) -> None:
    assert client.hash_file("salt://top.sls") == {
        "hsum": hashlib.sha256(b"one-top").hexdigest(), "hash_type": "sha256",
    }


def test_listings_merge_roots_sorted_with_prefix(client: RootsFileClient) -> None:
    assert client.list_files() == ["a/b.sls", "a/c/init.sls", "only_two.txt", "top.sls"]
    assert client.list_files(prefix="a/") == ["a/b.sls", "a/c/init.sls"]
    assert client.list_dirs() == ["a", "a/c"]
    assert client.list_dirs(prefix="a/c") == ["a/c"]
    assert client.list_files("dev") == ["top.sls"]
    assert client.envs() == ["base", "dev"]


@pytest.mark.parametrize(
    "url",
    [
        "salt://../outside/secret", "salt://a/../../outside/secret", "salt:///etc/passwd", "/etc/passwd",
        "salt://a\0b", "http://example.com/x", "file:///etc/passwd", "", "salt://a/..",
    ],
)
def test_traversal_and_foreign_urls_are_refused(client: RootsFileClient, url: str) -> None:
    with pytest.raises(SaltInvocationError):
        client.cache_file(url)


@pytest.mark.parametrize("saltenv", ["../one", "a/b", "..", "", " base", "base\n", "x\0", ".hidden"])
def test_saltenvs_must_be_plain_names(client: RootsFileClient, saltenv: str) -> None:
    with pytest.raises(SaltInvocationError):
        client.cache_file("salt://top.sls", saltenv)
    with pytest.raises(SaltInvocationError):
        client.cache_file(f"salt://top.sls?saltenv={saltenv}")
    with pytest.raises(SaltInvocationError):
        client.list_files(saltenv)


def test_symlinks_out_of_the_root_are_neither_served_nor_listed(client: RootsFileClient,
                                                               roots: dict[str, Path]) -> None:
    os.symlink(roots["outside"] / "secret", roots["one"] / "leak")
    os.symlink(roots["outside"], roots["one"] / "leakdir")
    os.symlink(roots["one"] / "top.sls", roots["one"] / "alias.sls")  # inside: fine
    assert client.cache_file("salt://leak") is None
    assert client.cache_file("salt://leakdir/secret") is None
    assert client.get_text("salt://alias.sls") == "one-top"
    files = client.list_files()
    assert "leak" not in files and not any(f.startswith("leakdir") for f in files)
    assert "alias.sls" in files
    assert "leakdir" not in client.list_dirs()


def test_symlink_loops_do_not_hang_listing(client: RootsFileClient, roots: dict[str, Path]) -> None:
    os.symlink(roots["one"], roots["one"] / "a" / "loop")
    files = client.list_files()
    assert "a/b.sls" in files
    assert len(files) < 50


def test_pillar_roots_key_and_env_wildcard(tmp_path: Path) -> None:
    write(tmp_path / "pillar" / "top.sls", "pillar-top")
    write(tmp_path / "envs" / "feature1" / "x.sls", "feature")
    client = RootsFileClient({"pillar_roots": {"base": [str(tmp_path / "pillar")]}}, roots_key="pillar_roots")
    assert client.get_text("salt://top.sls") == "pillar-top"
    wildcard = RootsFileClient({"file_roots": {"__env__": [str(tmp_path / "envs" / "__env__")]}})
    assert wildcard.get_text("salt://x.sls", "feature1") == "feature"
    assert wildcard.cache_file("salt://x.sls", "other") is None
    assert wildcard.envs() == []


def test_string_root_and_factory(tmp_path: Path) -> None:
    write(tmp_path / "r" / "f.txt", "hello")
    client = LocalFileClient({"file_roots": {"base": str(tmp_path / "r")}})
    assert client.get_text("salt://f.txt") == "hello"


_SEGMENT = st.sampled_from(["a", "b", "..", ".", "", "c.sls", "%2e%2e", "...", "a b"])


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(_SEGMENT, min_size=1, max_size=6))
def test_no_path_escapes_the_root(tmp_path_factory: pytest.TempPathFactory, parts: list[str]) -> None:
    base = tmp_path_factory.mktemp("prop")
    write(base / "root" / "a" / "c.sls")
    write(base / "secret.sls", "secret")
    client = RootsFileClient({"file_roots": {"base": [str(base / "root")]}})
    url = "salt://" + "/".join(parts)
    try:
        path = client.cache_file(url)
    except SaltInvocationError:
        return
    if path is not None:
        real = os.path.realpath(path)
        assert real.startswith(os.path.realpath(base / "root") + os.sep)


def test_binary_files_have_bytes_but_no_text(client: RootsFileClient, roots: dict[str, Path]) -> None:
    (roots["one"] / "blob.bin").write_bytes(b"\x00\xff\xfe")
    assert client.get_bytes("salt://blob.bin") == b"\x00\xff\xfe"
    with pytest.raises(CommandExecutionError, match="not UTF-8"):
        client.get_text("salt://blob.bin")
