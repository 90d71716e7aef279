"""A real LSB init script around a tiny daemon, installed in /etc/init.d for one test and removed after.

The daemon (python, no dependencies) appends ``start PID`` to its event log when it is up and
``reload PID`` on SIGHUP; the script starts it with ``start-stop-daemon --background --make-pidfile``
and waits until it is ready, ``stop`` waits until it is gone, and ``status`` checks that the pid in
the pidfile is alive, is not a zombie (PID 1 here reaps with a delay) and is our daemon.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from saline.loader import Context, reset_cache

DAEMON = """\
import os, signal, sys, time
log = sys.argv[1]
def note(what):
    with open(log, "a") as fh:
        fh.write(f"{what} {os.getpid()}\\n")
signal.signal(signal.SIGHUP, lambda *_: note("reload"))
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
note("start")
while True:
    signal.pause()
"""

INIT_SCRIPT = """\
#!/bin/sh
### BEGIN INIT INFO
# Provides:          {name}
# Required-Start:
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: Saline test daemon
### END INIT INFO
NAME={name}
PIDFILE=/run/$NAME.pid
PYTHON={python}
DAEMON={daemon}
EVENTS={events}

alive() {{
    [ -r "$PIDFILE" ] || return 3
    pid=$(cat "$PIDFILE")
    [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
    state=$(sed 's/^.*) //' "/proc/$pid/stat" | cut -c1)
    [ "$state" != Z ] || return 1
    grep -q "$DAEMON" "/proc/$pid/cmdline" 2>/dev/null || return 1
    return 0
}}

do_start() {{
    alive && return 0
    start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$PIDFILE" \\
        --exec "$PYTHON" -- "$DAEMON" "$EVENTS" "$NAME-daemon" || return 1
    i=0
    while [ $i -lt 100 ]; do
        pid=$(cat "$PIDFILE" 2>/dev/null)
        [ -n "$pid" ] && grep -q "^start $pid\\$" "$EVENTS" 2>/dev/null && return 0
        sleep 0.05; i=$((i + 1))
    done
    return 1
}}

do_stop() {{
    start-stop-daemon --stop --quiet --oknodo --retry TERM/5/KILL/2 --pidfile "$PIDFILE" --remove-pidfile
}}

case "$1" in
    start) do_start ;;
    stop) do_stop ;;
    restart|force-reload) do_stop && do_start ;;
    reload) alive || exit 7; kill -HUP "$(cat "$PIDFILE")" ;;
    status) alive ;;
    *) echo "Usage: $0 {{start|stop|restart|reload|force-reload|status}}" >&2; exit 3 ;;
esac
"""


@dataclass
class InitService:
    name: str
    script: Path
    pidfile: Path
    events: Path

    def pid(self) -> int | None:
        try:
            return int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None

    def running(self) -> bool:
        return subprocess.run(["service", self.name, "status"], capture_output=True).returncode == 0

    def log(self) -> list[tuple[str, int]]:
        """The daemon's events: ``[("start", pid), ("reload", pid), ...]``."""
        try:
            lines = self.events.read_text().splitlines()
        except OSError:
            return []
        return [(kind, int(pid)) for kind, pid in (line.split() for line in lines)]

    def wait_log(self, event: tuple[str, int], seconds: float = 5.0) -> list[tuple[str, int]]:
        """The event log once ``event`` is in it (signals are handled asynchronously), or as it is."""
        deadline = time.monotonic() + seconds
        while event not in self.log() and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.log()

    def links(self) -> dict[str, str]:
        """``{runlevel: "S" or "K"}`` for this service's /etc/rc?.d links."""
        found = {}
        for level in "0123456S":
            rc = Path(f"/etc/rc{level}.d")
            for entry in rc.iterdir() if rc.is_dir() else ():
                if entry.name[:1] in "SK" and entry.name[3:] == self.name:
                    found[level] = entry.name[0]
        return found


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.fail(f"required tools missing on this machine: {', '.join(missing)}")


def _kill(pid: int | None) -> None:
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


@pytest.fixture
def init_service(tmp_path: Path) -> Iterator[InitService]:
    """A stopped, not enabled service ``saline-test-svc-<random>`` with a real init script."""
    _need("service", "update-rc.d", "start-stop-daemon")
    name = f"saline-test-svc-{uuid.uuid4().hex[:10]}"
    workdir = tmp_path / "svc"
    workdir.mkdir()
    daemon = workdir / "daemon.py"
    daemon.write_text(DAEMON)
    events = workdir / "events"
    script = Path("/etc/init.d") / name
    script.write_text(INIT_SCRIPT.format(name=name, python=os.path.realpath(sys.executable),
                                         daemon=daemon, events=events))
    script.chmod(0o755)
    svc = InitService(name, script, Path(f"/run/{name}.pid"), events)
    try:
        yield svc
    finally:
        pids = {pid for _, pid in svc.log()} | {svc.pid()}
        subprocess.run(["service", name, "stop"], capture_output=True, timeout=30)
        subprocess.run(["update-rc.d", name, "remove"], capture_output=True, timeout=30)
        for pid in pids:
            _kill(pid)
        script.unlink(missing_ok=True)
        svc.pidfile.unlink(missing_ok=True)
        for level in "0123456S":
            for link in Path(f"/etc/rc{level}.d").glob(f"[SK][0-9][0-9]{name}"):
                link.unlink()


@pytest.fixture
def host_ctx(tmp_path: Path) -> Iterator[Context]:
    """A context on this host, as saline-call builds it (module choice by detection)."""
    reset_cache()
    opts = {"id": "test", "file_client": "local", "cachedir": str(tmp_path / "cache"), "test": False}
    yield Context(opts, grains_loader=lambda: {"os_family": "Debian", "os": "Debian", "id": "test",
                                               "kernel": "Linux"})
    reset_cache()

