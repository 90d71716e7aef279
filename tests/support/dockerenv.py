"""A real Docker Engine and a private registry on 127.0.0.1:5000 for tests, and a busybox image.

``ensure_services()`` checks that dockerd answers on its socket and the registry on 127.0.0.1:5000,
and runs ``.ci/services.sh`` (install when missing, then start; idempotent) when either does not; it
raises :class:`ServicesUnavailable` with the script's output when they still do not answer, so
tests FAIL with the reason instead of skipping.

``build_busybox(client, repository, tag)`` makes a tiny image from this machine's ``/bin/busybox``
(a root filesystem with one applet link per command, imported with ``CMD ["/bin/sh"]``): no public
registry is needed. ``Tracker`` remembers every container, image, network, volume and registry
repository a test makes and removes them all at teardown.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import tarfile
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICES_SCRIPT = REPO_ROOT / ".ci" / "services.sh"
SOCKET = "/var/run/docker.sock"
REGISTRY = "127.0.0.1:5000"


class ServicesUnavailable(RuntimeError):
    """dockerd or the registry could not be started."""


def docker_ping() -> bool:
    if not os.path.exists(SOCKET):
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(3)
            sock.connect(SOCKET)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: localhost\r\n\r\n")
            return b" 200 " in sock.recv(64)
    except OSError:
        return False


def registry_ping() -> bool:
    try:
        with urllib.request.urlopen(f"http://{REGISTRY}/v2/", timeout=3) as resp:
            return resp.status == 200
    except (OSError, urllib.error.URLError):
        return False


def ensure_services() -> None:
    """dockerd and the registry answer, started by ``.ci/services.sh`` if needed."""
    if docker_ping() and registry_ping():
        return
    if os.geteuid() != 0:
        raise ServicesUnavailable("dockerd/registry are not running and starting them needs root "
                                  f"(run {SERVICES_SCRIPT} as root)")
    try:
        proc = subprocess.run(["sh", str(SERVICES_SCRIPT)], capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServicesUnavailable(f"{SERVICES_SCRIPT} could not run: {exc}") from exc
    if proc.returncode != 0 or not (docker_ping() and registry_ping()):
        raise ServicesUnavailable(
            f"{SERVICES_SCRIPT} exited {proc.returncode}; dockerd up: {docker_ping()}, registry up: "
            f"{registry_ping()}\n--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-3000:]}")


def client() -> Any:
    import docker

    return docker.APIClient(base_url=f"unix://{SOCKET}", version="auto", timeout=120)


def unique(prefix: str = "saline-test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def busybox_rootfs_tar(marker: str = "") -> bytes:
    """A root filesystem tarball: /bin/busybox, one symlink per applet, /etc/passwd, /tmp (and
    /etc/saline-marker holding ``marker``, which makes the layer unique)."""
    busybox = "/bin/busybox"
    if not os.path.exists(busybox):
        raise ServicesUnavailable("/bin/busybox is missing (apt-get install busybox-static; see .ci/services.sh)")
    applets = subprocess.run([busybox, "--list"], capture_output=True, text=True, check=True).stdout.split()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for directory in ("bin", "etc", "tmp", "www"):
            info = tarfile.TarInfo(directory)
            info.type = tarfile.DIRTYPE
            info.mode = 0o1777 if directory == "tmp" else 0o755
            tar.addfile(info)
        tar.add(busybox, arcname="bin/busybox")
        for applet in applets:
            if applet != "busybox":
                link = tarfile.TarInfo(f"bin/{applet}")
                link.type = tarfile.SYMTYPE
                link.linkname = "busybox"
                tar.addfile(link)
        files = [("etc/passwd", "root:x:0:0:root:/:/bin/sh\n"), ("etc/group", "root:x:0:\n")]
        if marker:
            files.append(("etc/saline-marker", marker + "\n"))
        for path, text in files:
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def build_busybox(cli: Any, repository: str, tag: str = "1", marker: str = "") -> str:
    """Import the busybox root filesystem as ``repository:tag``; returns the image ID."""
    response = cli.import_image_from_data(busybox_rootfs_tar(marker), repository=repository, tag=tag,
                                          changes=['CMD ["/bin/sh"]'])
    for line in str(response).splitlines():
        status = json.loads(line).get("status", "") if line.strip() else ""
        if status.startswith("sha256:"):
            return status
    raise ServicesUnavailable(f"docker import of the busybox root filesystem failed: {response}")


@dataclass
class Tracker:
    """Everything a test made on the engine or the registry, removed by :meth:`cleanup`."""

    containers: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    registry_refs: list[str] = field(default_factory=list)  # "repo/name:tag" in the registry

    def cleanup(self) -> list[str]:
        """Remove it all; returns what could not be removed (so a test can report leaks)."""
        import docker

        cli = client()
        failures = []
        for name in self.containers:
            try:
                cli.remove_container(name, force=True, v=True)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as exc:
                failures.append(f"container {name}: {exc}")
        for name in self.networks:
            try:
                cli.remove_network(name)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as exc:
                failures.append(f"network {name}: {exc}")
        for name in self.volumes:
            try:
                cli.remove_volume(name, force=True)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as exc:
                failures.append(f"volume {name}: {exc}")
        for name in reversed(self.images):
            try:
                cli.remove_image(name, force=True)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as exc:
                failures.append(f"image {name}: {exc}")
        for ref in self.registry_refs:
            failure = delete_from_registry(ref)
            if failure:
                failures.append(failure)
        return failures


def delete_from_registry(ref: str) -> str | None:
    """Delete ``repo:tag`` (without the registry address) from the private registry."""
    repo, _, tag = ref.rpartition(":")
    accept = ", ".join(["application/vnd.docker.distribution.manifest.v2+json",
                        "application/vnd.oci.image.manifest.v1+json"])
    head = urllib.request.Request(f"http://{REGISTRY}/v2/{repo}/manifests/{tag}", method="HEAD",
                                  headers={"Accept": accept})
    try:
        with urllib.request.urlopen(head, timeout=10) as resp:
            digest = resp.headers.get("Docker-Content-Digest")
        if not digest:
            return f"registry {ref}: no digest"
        delete = urllib.request.Request(f"http://{REGISTRY}/v2/{repo}/manifests/{digest}", method="DELETE")
        with urllib.request.urlopen(delete, timeout=10):
            return None
    except urllib.error.HTTPError as exc:
        return None if exc.code == 404 else f"registry {ref}: HTTP {exc.code}"
    except OSError as exc:
        return f"registry {ref}: {exc}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sweep_stale(max_age: float = 3600.0) -> None:
    """Remove ``saline-test`` containers, images, networks and volumes older than ``max_age`` seconds:
    leftovers of runs that were killed before their teardown (young ones may belong to a run in progress)."""
    import calendar
    import time

    import docker

    cli = client()
    now = time.time()
    for c in cli.containers(all=True):
        if any(n.lstrip("/").startswith("saline-test-") for n in c.get("Names") or []) and now - c["Created"] > max_age:
            try:
                cli.remove_container(c["Id"], force=True, v=True)
            except docker.errors.APIError:
                pass
    for img in cli.images():
        tags = [t for t in img.get("RepoTags") or [] if "saline-test/" in t]
        if tags and now - img["Created"] > max_age:
            for tag in tags:
                try:
                    cli.remove_image(tag, force=True)
                except docker.errors.APIError:
                    pass
    for net in cli.networks():
        if net["Name"].startswith("saline-test-") and not net.get("Containers"):
            created = net.get("Created", "")
            try:
                age = now - calendar.timegm(time.strptime(created[:19], "%Y-%m-%dT%H:%M:%S"))
            except ValueError:
                continue
            if age > max_age:
                try:
                    cli.remove_network(net["Id"])
                except docker.errors.APIError:
                    pass
    for vol in cli.volumes().get("Volumes") or []:
        if vol["Name"].startswith("saline-test-"):
            created = vol.get("CreatedAt", "")
            try:
                age = now - calendar.timegm(time.strptime(created[:19], "%Y-%m-%dT%H:%M:%S"))
            except ValueError:
                continue
            if age > max_age:
                try:
                    cli.remove_volume(vol["Name"])
                except docker.errors.APIError:
                    pass
