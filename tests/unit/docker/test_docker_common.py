"""Availability checks against real sockets (no dockerd needed), helpers, and exec command construction."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from saline.errors import SaltInvocationError
from saline.modules import docker_common as common
from saline.modules import docker_exec


@pytest.fixture
def unix_server(tmp_path: Path) -> Iterator[tuple[Path, list[bytes]]]:
    """A unix socket answering every request with ``answer[0]``."""
    path = tmp_path / "engine.sock"
    answer = [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"]
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(4)
    thread = threading.Thread(target=lambda: _serve_loop(server, answer), daemon=True)
    thread.start()
    yield path, answer
    server.close()


def _serve_loop(server: socket.socket, answer: list[bytes]) -> None:
    while True:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            conn.recv(1024)
            conn.sendall(answer[0])


def test_ping_ok_and_http_error(unix_server: tuple[Path, list[bytes]]) -> None:
    path, answer = unix_server
    assert common.ping_engine(f"unix://{path}") is None
    answer[0] = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nboom"
    assert common.ping_engine(f"unix://{path}") == f"the Docker engine at {path} answered /_ping with HTTP 500: b'boom'"


def test_ping_missing_socket_and_refused_port(tmp_path: Path) -> None:
    assert common.ping_engine(f"unix://{tmp_path}/none.sock") == (
        f"the Docker engine socket {tmp_path}/none.sock does not exist (is dockerd running?)")
    plain = tmp_path / "plain"
    plain.write_text("")
    assert common.ping_engine(f"unix://{plain}").startswith(f"the Docker engine at {plain} is unreachable: ")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert common.ping_engine(f"tcp://127.0.0.1:{port}").startswith(
        f"the Docker engine at tcp://127.0.0.1:{port} is unreachable: ")
    assert common.ping_engine("ftp://x") == "unsupported Docker engine address 'ftp://x'"


def test_availability_reasons(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                              unix_server: tuple[Path, list[bytes]]) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/gone.sock")
    assert "does not exist" in str(common._available({}))
    monkeypatch.setenv("DOCKER_HOST", f"unix://{unix_server[0]}")
    assert common._available({}) is True
    monkeypatch.setattr(common.importlib.util, "find_spec", lambda name: None)
    assert common._available({}) == "the Docker SDK for Python is not installed (pip install 'docker>=7')"


def test_engine_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    assert common.engine_url({}) == "unix:///var/run/docker.sock"
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:2375")
    assert common.engine_url({}) == "tcp://127.0.0.1:2375"
    assert common.engine_url({"docker.url": "unix:///run/d.sock"}) == "unix:///run/d.sock"


@pytest.mark.parametrize(("num", "text"), [(0, "0 bytes"), (1023, "1023 bytes"), (1024, "1.0 KiB"),
                                           (1984158, "1.9 MiB"), (5 * 1024**3, "5.0 GiB"), ("x", "unknown")])
def test_size_fmt(num: object, text: str) -> None:
    assert common.size_fmt(num) == text


def test_helpers() -> None:
    assert common.api_error_status(Exception("Error 404: No such container: x")) == 404
    assert common.api_error_status(Exception("Unable to perform start")) is None
    assert common.split_input("a, b,,c") == ["a", "b", "c"]
    assert common.clean_kwargs({"__pub_fun": 1, "all": True}) == {"all": True}
    assert common.container_state({"State": {"Running": True, "Paused": True}}) == "paused"
    assert common.container_state({"State": {"Running": False}}) == "stopped"
    with pytest.raises(SaltInvocationError, match="following keyword arguments are not valid: bogus=1"):
        common.invalid_kwargs("ps", {"bogus": 1})
    with pytest.raises(SaltInvocationError, match="'True' is not an integer"):
        common.to_int(True, "timeout")


@pytest.mark.parametrize(("cmd", "shell", "keep", "argv"), [
    ("echo $X; ls", True, None, ["env", "-i", f"PATH={common.EXEC_PATH}", "/bin/sh", "-c", "echo $X; ls"]),
    ("echo 'a b' c", False, True, ["echo", "a b", "c"]),
    (["ls", 1], True, True, ["ls", "1"]),
    ("true", True, "HOME,PATH,NOPE_NOT_SET", ["env", "-i", "HOME=/root", "PATH=/x", "/bin/sh", "-c", "true"]),
])
def test_exec_argv(monkeypatch: pytest.MonkeyPatch, cmd: object, shell: bool, keep: object,
                   argv: list[str]) -> None:
    monkeypatch.setenv("HOME", "/root")
    monkeypatch.setenv("PATH", "/x")
    monkeypatch.delenv("NOPE_NOT_SET", raising=False)
    assert docker_exec._argv(cmd, shell, keep) == argv


def test_exec_argv_rejects_empty() -> None:
    with pytest.raises(SaltInvocationError, match="cmd must not be empty"):
        docker_exec._argv("  ", True, None)


def test_loading_the_module_does_not_import_the_sdk() -> None:
    import subprocess
    import sys

    code = ("import sys; from saline.loader import load_module; m = load_module('docker', lambda: {}); "
            "print(len(m.functions) if m else 0, 'docker' in sys.modules, 'requests' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"DOCKER_HOST": "unix:///nonexistent/docker.sock", "PATH": "/usr/bin:/bin"}).stdout
    assert out.split() == ["0", "False", "False"]  # unavailable here, and checked without the SDK
