"""Shared plumbing of the ``docker`` execution module: the module object, availability, the client.

The Docker SDK for Python (``docker``) is imported only when a function talks to the engine, so
``saline-call test.ping`` never pays for it. Availability is decided without importing it: the SDK
must be installed (``importlib.util.find_spec``) and the engine must answer ``GET /_ping`` on its
socket (``DOCKER_HOST`` or ``/var/run/docker.sock``), else ``sys.missing`` shows why.

Errors from the engine become :class:`CommandExecutionError` with Salt's wording
(``Error 404: No such container: web``), so callers can test for ``"404" in str(exc)`` like Salt's
states do.
"""

from __future__ import annotations

import http.client
import importlib.util
import logging
import os
import socket
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module

log = logging.getLogger("saline.modules.docker")

DEFAULT_SOCKET = "/var/run/docker.sock"
# Salt's defaults: API timeout for the client, and seconds a container gets to stop.
CLIENT_TIMEOUT = 60
SHUTDOWN_TIMEOUT = 10
# The PATH Salt gives commands run with a cleared environment inside containers (keep_env).
EXEC_PATH = "/bin:/usr/bin:/sbin:/usr/sbin:/opt/bin:/usr/local/bin:/usr/local/sbin"


def engine_url(opts: Mapping[str, Any] | None = None) -> str:
    """The engine address: the ``docker.url`` option (Salt's name), ``DOCKER_HOST``, or the socket."""
    url = (opts or {}).get("docker.url") or os.environ.get("DOCKER_HOST") or ""
    return str(url) if url else f"unix://{DEFAULT_SOCKET}"


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


def ping_engine(url: str, timeout: float = 2.0) -> str | None:
    """None when the engine at ``url`` answers ``/_ping``, else why not (cheap: no SDK import)."""
    parsed = urlparse(url if "://" in url else f"unix://{url}")
    conn: http.client.HTTPConnection
    if parsed.scheme in ("unix", "http+unix"):
        path = parsed.path or DEFAULT_SOCKET
        if not os.path.exists(path):
            return f"the Docker engine socket {path} does not exist (is dockerd running?)"
        conn = _UnixHTTPConnection(path, timeout)
        where = path
    elif parsed.scheme in ("tcp", "http", "https"):
        if not parsed.hostname:
            return f"invalid Docker engine address {url!r}"
        port = parsed.port or (2376 if parsed.scheme == "https" else 2375)
        if parsed.scheme == "https" or os.environ.get("DOCKER_TLS_VERIFY"):
            # A TLS engine: reachability is enough here, the SDK checks certificates.
            try:
                socket.create_connection((parsed.hostname, port), timeout=timeout).close()
            except OSError as exc:
                return f"the Docker engine at {url} is unreachable: {exc}"
            return None
        conn = http.client.HTTPConnection(parsed.hostname, port, timeout=timeout)
        where = url
    else:
        return f"unsupported Docker engine address {url!r}"
    try:
        conn.request("GET", "/_ping")
        resp = conn.getresponse()
        body = resp.read(64)
    except OSError as exc:
        return f"the Docker engine at {where} is unreachable: {exc}"
    finally:
        conn.close()
    if resp.status != 200:
        return f"the Docker engine at {where} answered /_ping with HTTP {resp.status}: {body!r}"
    return None


def _available(grains: Mapping[str, Any]) -> bool | str:
    if importlib.util.find_spec("docker") is None:
        return "the Docker SDK for Python is not installed (pip install 'docker>=7')"
    reason = ping_engine(engine_url())
    return reason if reason else True


mod = Module(
    "docker",
    available=_available,
    doc="Manage Docker containers, images, networks and volumes through the Docker Engine API.",
)


# ---- the client ---------------------------------------------------------------------------------

def client(ctx: Context, timeout: Any = None) -> Any:
    """The low-level ``docker.APIClient`` for this run (cached in ``ctx.scratch``)."""
    cached = ctx.scratch.get("docker.client")
    if cached is None:
        import docker

        url = engine_url(ctx.opts)
        kwargs: dict[str, Any] = {}
        if url.startswith(("tcp://", "https://")) and os.environ.get("DOCKER_TLS_VERIFY"):
            kwargs = docker.utils.kwargs_from_env()
        kwargs["base_url"] = url
        kwargs.setdefault("version", str(ctx.opts.get("docker.version") or "auto"))
        kwargs["timeout"] = CLIENT_TIMEOUT
        try:
            cached = docker.APIClient(**kwargs)
        except docker.errors.DockerException as exc:
            raise CommandExecutionError(f"Docker client could not be created: {exc}") from exc
        ctx.scratch["docker.client"] = cached
    if timeout is not None:
        cached.timeout = to_int(timeout, "client_timeout")
    return cached


def api(ctx: Context, attr: str, *args: Any, client_timeout: Any = None, **kwargs: Any) -> Any:
    """Call ``APIClient.<attr>`` and turn the SDK's errors into Salt-worded CommandExecutionErrors."""
    import docker
    import requests

    cli = client(ctx, client_timeout)
    func = getattr(cli, attr)
    log.debug("docker API %s args=%s kwargs=%s", attr, args, kwargs)
    try:
        return func(*args, **kwargs)
    except docker.errors.APIError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise CommandExecutionError(f"Error {status}: {exc.explanation}") from exc
    except docker.errors.DockerException as exc:
        raise CommandExecutionError(str(exc)) from exc
    except requests.exceptions.RequestException as exc:
        raise CommandExecutionError(f"Unable to perform {attr}: {exc}") from exc
    finally:
        if client_timeout is not None:
            cli.timeout = CLIENT_TIMEOUT


def api_error_status(exc: BaseException) -> int | None:
    """The HTTP status of an engine error wrapped by :func:`api` (``Error 404: ...``), else None."""
    text = str(exc)
    if text.startswith("Error "):
        code = text[6:].split(":", 1)[0]
        if code.isdigit():
            return int(code)
    return None


# ---- small helpers ------------------------------------------------------------------------------

def clean_kwargs(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Drop Salt's ``__pub_*`` and other dunder keys a caller may pass along."""
    return {k: v for k, v in kwargs.items() if not str(k).startswith("__")}


def invalid_kwargs(fun: str, kwargs: Mapping[str, Any]) -> None:
    if kwargs:
        listed = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        raise SaltInvocationError(f"docker.{fun}: the following keyword arguments are not valid: {listed}")


def to_int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise SaltInvocationError(f"'{value}' is not an integer ({what})")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SaltInvocationError(f"'{value}' is not an integer ({what})") from None


def split_input(value: Any) -> list[Any]:
    """A list from a list or a comma-separated string (Salt's ``args.split_input``)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return list(value)
    return [x.strip() for x in str(value).split(",") if x.strip()]


def size_fmt(num: Any) -> str:
    """Human-readable size the way Salt shows it (``1.9 MiB``)."""
    try:
        size = float(int(num))
    except (TypeError, ValueError):
        return "unknown"
    if size < 1024:
        return f"{int(size)} bytes"
    size /= 1024.0
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB"):
        if size < 1024.0:
            return f"{size:3.1f} {unit}"
        size /= 1024.0
    return f"{size:3.1f} EiB"


def local_time(epoch: Any) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(int(epoch)))


def container_state(inspect_result: Mapping[str, Any]) -> str:
    """``running``, ``paused`` or ``stopped`` from ``inspect_container`` data (Salt's three states)."""
    info = inspect_result.get("State") or {}
    if info.get("Paused"):
        return "paused"
    if info.get("Running"):
        return "running"
    return "stopped"


def decode(data: Any) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return "" if data is None else str(data)
