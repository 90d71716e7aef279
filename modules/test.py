"""Module ``test``: functions to check a minion responds and to exercise argument passing."""

from __future__ import annotations

import hashlib
import os
import platform
import sys
import time
from typing import Any

from saline import __version__
from saline.errors import CommandExecutionError
from saline.loader import Context, Module

mod = Module("test", doc="Check that the minion responds and inspect how arguments arrive.")


@mod.query
def ping(ctx: Context) -> bool:
    """Return ``True``: used to check the minion is up and responding (not an ICMP ping).

    CLI Example: ``saline-call --local test.ping``
    """
    return True


@mod.query
def echo(ctx: Context, text: Any) -> Any:
    """Return ``text`` unchanged (after Salt's YAML typing of CLI arguments).

    CLI Example: ``saline-call --local test.echo 'hello world'``
    """
    return text


@mod.query
def version(ctx: Context) -> str:
    """Return the Saline version of this minion.

    CLI Example: ``saline-call --local test.version``
    """
    return __version__


def _dependency_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    found = {}
    for dist in ("cryptography", "Jinja2", "msgpack", "psutil", "PyYAML", "pyzmq", "docker", "pygit2"):
        try:
            found[dist] = dist_version(dist)
        except PackageNotFoundError:
            found[dist] = "Not Installed"
    return found


@mod.query
def versions_report(ctx: Context) -> str:
    """Return a report of the Saline, Python, dependency and system versions, as text.

    CLI Example: ``saline-call --local test.versions_report``
    """
    deps = _dependency_versions()
    width = max(len(k) for k in deps) + 2
    uname = platform.uname()
    lines = [
        "Saline Version:",
        f"{'Saline':>{width}}: {__version__}",
        " ",
        "Python Version:",
        f"{'Python':>{width}}: {sys.version.splitlines()[0]}",
        " ",
        "Dependency Versions:",
        *(f"{name:>{width}}: {ver}" for name, ver in deps.items()),
        " ",
        "System Versions:",
        f"{'machine':>{width}}: {uname.machine}",
        f"{'release':>{width}}: {uname.release}",
        f"{'system':>{width}}: {uname.system}",
        " ",
    ]
    return "\n".join(lines)


@mod.query
def sleep(ctx: Context, length: float = 1) -> bool:
    """Sleep ``length`` seconds, then return ``True``.

    CLI Example: ``saline-call --local test.sleep 2``
    """
    try:
        seconds = float(length)
    except (TypeError, ValueError):
        raise CommandExecutionError(f"length must be a number of seconds, not {length!r}") from None
    from saline import jobctl

    jobctl.sleep(max(seconds, 0.0))  # ends early when the job is killed (saltutil.kill_job)
    return True


@mod.query
def arg(ctx: Context, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Return the positional and keyword arguments as received: ``{args: [...], kwargs: {...}}``.

    CLI Example: ``saline-call --local test.arg 1 two x=3``
    """
    return {"args": list(args), "kwargs": kwargs}


@mod.query
def kwarg(ctx: Context, **kwargs: Any) -> dict[str, Any]:
    """Return the keyword arguments as received.

    CLI Example: ``saline-call --local test.kwarg a=1 b=yes``
    """
    return kwargs


@mod.query(name="true")
def true_(ctx: Context) -> bool:
    """Always return ``True``.

    CLI Example: ``saline-call --local test.true``
    """
    return True


@mod.query(name="false")
def false_(ctx: Context) -> bool:
    """Always return ``False``.

    CLI Example: ``saline-call --local test.false``
    """
    return False


@mod.query
def exception(ctx: Context, message: str = "Test Exception") -> None:
    """Raise an error with ``message`` (to test error handling).

    CLI Example: ``saline-call --local test.exception 'oops'``
    """
    raise CommandExecutionError(str(message))


@mod.query
def retcode(ctx: Context, code: int = 42) -> bool:
    """Return ``True`` and set the job's return code to ``code``.

    CLI Example: ``saline-call --local test.retcode 3``
    """
    ctx.retcode = int(code)
    return True


@mod.query
def fib(ctx: Context, num: int) -> list[float]:
    """Return ``[the num-th Fibonacci number, seconds it took]``.

    CLI Example: ``saline-call --local test.fib 10``
    """
    try:
        count = int(num)
    except (TypeError, ValueError):
        raise CommandExecutionError(f"num must be an integer, not {num!r}") from None
    if count < 0:
        raise CommandExecutionError("num must be a non-negative integer")
    start = time.time()
    a, b = 0, 1
    for _ in range(count):
        a, b = b, a + b
    return [a, time.time() - start]


@mod.query
def rand_str(ctx: Context, size: int = 9999999999, hash_type: str | None = None) -> str:
    """Return a random hex string: the ``hash_type`` (default sha256) digest of random bytes.

    ``size`` is kept for Salt compatibility and bounds the random input.

    CLI Example: ``saline-call --local test.rand_str``
    """
    algo = hash_type or "sha256"
    if algo not in hashlib.algorithms_available:
        raise CommandExecutionError(f"unknown hash_type '{algo}'")
    data = os.urandom(max(1, min(int(size), 64)))
    return hashlib.new(algo, data).hexdigest()
