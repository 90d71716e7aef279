"""What the ``saline-master`` and ``saline-minion`` daemons share: daemonizing and the pidfile."""

from __future__ import annotations

import os
import sys


def daemonize() -> None:
    """Detach from the terminal (double fork, new session, stdio to /dev/null)."""
    if os.fork() > 0:
        os._exit(0)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    os.chdir("/")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    if null > 2:
        os.close(null)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - replaces the closed stream for the process lifetime
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115


def write_pidfile(path: str) -> None:
    if not path:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="ascii") as fh:
        fh.write(f"{os.getpid()}\n")
    os.replace(tmp, path)


def remove_pidfile(path: str) -> None:
    if not path:
        return
    try:
        with open(path, encoding="ascii") as fh:
            mine = fh.read().strip() == str(os.getpid())
        if mine:
            os.unlink(path)
    except OSError:
        pass


def running_pid(path: str) -> int | None:
    """The pid in ``path`` when that process is alive."""
    try:
        with open(path, encoding="ascii") as fh:
            pid = int(fh.read().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid
