"""Module ``docker``: containers, images, networks and volumes through the Docker Engine API.

Names, arguments and return shapes follow Salt's ``dockermod`` (``docker.ps``, ``docker.run_container``,
``docker.run`` = exec in a container, ``docker.pull`` ...). The functions live in files split by
concern; importing them registers them on the one ``mod`` declared in :mod:`docker_common`.
"""

from __future__ import annotations

from saline.modules import docker_containers, docker_exec, docker_images, docker_netvol  # noqa: F401 (register)
from saline.modules.docker_common import mod

__all__ = ["mod"]
