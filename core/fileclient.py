"""Access to ``salt://`` files: the interface every file client implements.

``LocalFileClient`` serves ``file_roots`` from this host (masterless, ``file_client: local``);
the remote client (master/minion issue) implements the same interface over the wire.
Implementation: see the FileClient methods; paths are confined to the roots.
"""

from __future__ import annotations

from typing import Any, Protocol


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


def LocalFileClient(opts: dict[str, Any]) -> FileClient:
    from saline.fileclient_local import RootsFileClient

    return RootsFileClient(opts)
