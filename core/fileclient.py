"""Access to ``salt://`` files: the interface every file client implements.

``LocalFileClient`` serves this host's ``file_roots`` (and gitfs when ``fileserver_backend`` names it)
masterless (``file_client: local``); the remote client (minion/remote_fileclient.py) implements the
same interface over the wire.
Implementation: see the FileClient methods; paths are confined to the roots.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

log = logging.getLogger(__name__)


class FileClient(Protocol):
    def cache_file(self, url: str, saltenv: str = "base") -> str | None:
        """Local path of ``url`` (``salt://path`` or ``salt://path?saltenv=env``), or None if absent."""

    def get_text(self, url: str, saltenv: str = "base") -> str | None:
        """The file's text (UTF-8), or None if absent."""

    def list_files(self, saltenv: str = "base", prefix: str = "") -> list[str]:
        """Relative paths of every file in ``saltenv`` (under ``prefix``), sorted."""

    def list_dirs(self, saltenv: str = "base", prefix: str = "") -> list[str]:
        """Relative paths of every directory in ``saltenv`` (under ``prefix``), sorted."""

    def hash_file(self, url: str, saltenv: str = "base") -> dict[str, str] | None:
        """``{"hsum": hex, "hash_type": "sha256"}`` of the file, or None if absent."""

    def envs(self) -> list[str]:
        """The saltenvs this client can serve."""


# cachedirs whose gitfs remotes this process fetched already (salt-call fetches once per run, too)
_fetched: set[str] = set()


def LocalFileClient(opts: dict[str, Any]) -> FileClient:
    """The masterless file client: ``file_roots`` alone, or the ``fileserver_backend`` list in order."""
    from saline.fileclient_local import RootsFileClient

    backends = opts.get("fileserver_backend") or ["roots"]
    if list(backends) == ["roots"]:
        return RootsFileClient(opts)
    from saline.fileserver import Fileserver

    server = Fileserver(opts)
    key = str(opts.get("cachedir") or "")
    if key not in _fetched:
        _fetched.add(key)
        for backend, result in server.update().items():
            failed = [remote for remote, ok in (result or {}).items() if ok is None]
            if failed:
                log.warning("%s: could not fetch %s; serving what was fetched before", backend, ", ".join(failed))
    return server
