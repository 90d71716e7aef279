"""Fixtures for tests against a real dockerd and a real registry on 127.0.0.1:5000.

The services are started by ``.ci/services.sh`` when they are not running (see tests/support/dockerenv.py);
when that fails, every test here FAILS with the reason: CI must run them, never skip them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from saline.loader import Context, reset_cache

from tests.support import dockerenv


@pytest.fixture(scope="session")
def docker_services() -> None:
    try:
        dockerenv.ensure_services()
    except dockerenv.ServicesUnavailable as exc:
        pytest.fail(f"Docker tests need a running dockerd and a registry on {dockerenv.REGISTRY}: {exc}",
                    pytrace=False)
    dockerenv.sweep_stale()


@pytest.fixture(scope="session")
def busybox(docker_services: None) -> Iterator[str]:
    """A local busybox image (``saline-test/busybox-<random>:1``, ``CMD ["/bin/sh"]``) for the session."""
    cli = dockerenv.client()
    repo = dockerenv.unique("saline-test/busybox")
    try:
        dockerenv.build_busybox(cli, repo, "1")
    except dockerenv.ServicesUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield f"{repo}:1"
    tracker = dockerenv.Tracker(images=[f"{repo}:1"])
    tracker.cleanup()


@pytest.fixture
def tracker(docker_services: None) -> Iterator[dockerenv.Tracker]:
    """Names registered here are removed from dockerd/the registry after the test, pass or fail."""
    track = dockerenv.Tracker()
    yield track
    leaks = track.cleanup()
    assert not leaks, f"cleanup failed: {leaks}"


@pytest.fixture
def dctx(tmp_path: Path, docker_services: None) -> Iterator[Context]:
    """A context as saline-call builds it, for calling docker.* functions in-process."""
    reset_cache()
    opts: dict[str, Any] = {"id": "test", "file_client": "local", "cachedir": str(tmp_path / "cache"),
                            "file_roots": {"base": [str(tmp_path / "srv")]}, "pillar": {}, "test": False}
    os.makedirs(opts["cachedir"], exist_ok=True)
    yield Context(opts, grains_loader=lambda: {"os_family": "Debian", "os": "Debian", "id": "test"})
    reset_cache()


INIT_SCRIPT = """\
#!/bin/sh
### BEGIN INIT INFO
# Provides:          {name}
# Required-Start:
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: Saline test stand-in for the docker service
### END INIT INFO
PIDFILE=/run/{name}.pid
case "$1" in
    start)
        # The stand-in refuses to start when the real engine does not answer.
        curl -sf -o /dev/null --unix-socket /var/run/docker.sock http://localhost/_ping || exit 1
        start-stop-daemon --start --quiet --oknodo --background --make-pidfile --pidfile "$PIDFILE" \\
            --exec /bin/sleep -- 3600 ;;
    stop) start-stop-daemon --stop --quiet --oknodo --retry TERM/5/KILL/2 --pidfile "$PIDFILE" --remove-pidfile ;;
    restart|force-reload) "$0" stop && "$0" start ;;
    status) start-stop-daemon --status --pidfile "$PIDFILE" ;;
    *) echo "Usage: $0 {{start|stop|restart|force-reload|status}}" >&2; exit 3 ;;
esac
"""


@pytest.fixture
def docker_apt_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    """A private apt repository (not yet in apt's sources) holding ``saline-test-docker-<random>`` 1.0, a
    stand-in for the docker.io package whose init script of the same name plays the docker service.
    apt is pointed at the repository's own configuration (APT_CONFIG); the package is purged after."""
    import shutil
    import subprocess

    from tests.support.aptrepo import AptRepo

    missing = [t for t in ("dpkg-deb", "dpkg-scanpackages", "apt-get", "service", "start-stop-daemon", "curl")
               if shutil.which(t) is None]
    if missing:
        pytest.fail(f"required tools missing on this machine: {', '.join(missing)} (see .ci/run)")
    package = dockerenv.unique("saline-test-docker")
    repo = AptRepo(tmp_path / "apt")
    repo.add(package, "1.0", files={f"/etc/init.d/{package}": INIT_SCRIPT.format(name=package)})
    repo.index()
    repo.sources.write_text("")  # the repository is only known once pkgrepo.managed adds it
    for key, value in repo.env.items():
        monkeypatch.setenv(key, value)
    try:
        yield repo, package
    finally:
        subprocess.run(["service", package, "stop"], capture_output=True, timeout=30)
        repo.cleanup()
        Path(f"/run/{package}.pid").unlink(missing_ok=True)
