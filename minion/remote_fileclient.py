"""``salt://`` files from the master: the FileClient protocol (core/fileclient.py) over the encrypted channel.

Fetched files are kept under ``<cachedir>/files/<saltenv>/<path>`` and reused while their SHA-256 matches
the master's: a file fetched once is not fetched again until it changes. Paths are checked here as well
as on the master, so a cached path can never point outside the cache directory.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

from saline.errors import CommandExecutionError

Requester = Callable[[str, dict[str, Any]], Any]  # (command, load) -> the master's answer


class RemoteFileClient:
    def __init__(self, request: Requester, cachedir: str) -> None:
        self.request = request
        self.root = os.path.join(cachedir, "files")
        self.fetches = 0  # how many files were downloaded (tests check the cache works)

    def _ask(self, cmd: str, load: dict[str, Any]) -> dict[str, Any]:
        reply = self.request(cmd, load)
        if not isinstance(reply, dict):
            raise CommandExecutionError(f"the master gave no usable answer to {cmd}")
        if "error" in reply:
            raise CommandExecutionError(f"the master refused {cmd}: {reply['error']}")
        return reply

    def _split(self, url: str, saltenv: str) -> tuple[str, str]:
        from saline.fileclient_local import split_url

        return split_url(url, saltenv)

    def hash_file(self, url: str, saltenv: str = "base") -> dict[str, str] | None:
        path, env = self._split(url, saltenv)
        found = self._ask("_file_hash", {"path": path, "saltenv": env}).get("hash")
        return found or None

    def cache_file(self, url: str, saltenv: str = "base") -> str | None:
        path, env = self._split(url, saltenv)
        remote = self.hash_file(f"salt://{path}", env)
        if not remote:
            return None
        local = os.path.join(self.root, env, *path.split("/"))
        if os.path.isfile(local) and _sha256(local) == remote.get("hsum"):
            return local
        data = bytearray()
        while True:
            chunk = self._ask("_file_get", {"path": path, "saltenv": env, "offset": len(data)})
            if chunk.get("missing"):
                return None
            piece = bytes(chunk.get("data") or b"")
            if hashlib.sha256(piece).hexdigest() != chunk.get("sha256"):
                raise CommandExecutionError(f"salt://{path}: a chunk arrived damaged")
            data += piece
            if chunk.get("eof"):
                break
        if hashlib.sha256(data).hexdigest() != remote.get("hsum"):
            raise CommandExecutionError(f"salt://{path} changed while it was being fetched; try again")
        from saline.atomic import atomic_write

        os.makedirs(os.path.dirname(local), exist_ok=True)
        atomic_write(local, bytes(data), mode="0600")
        self.fetches += 1
        return local

    def get_text(self, url: str, saltenv: str = "base") -> str | None:
        local = self.cache_file(url, saltenv)
        if local is None:
            return None
        with open(local, "rb") as fh:
            return fh.read().decode("utf-8")

    def get_bytes(self, url: str, saltenv: str = "base") -> bytes | None:
        local = self.cache_file(url, saltenv)
        if local is None:
            return None
        with open(local, "rb") as fh:
            return fh.read()

    def list_files(self, saltenv: str = "base", prefix: str = "") -> list[str]:
        return list(self._ask("_file_list", {"saltenv": saltenv, "prefix": prefix}).get("items") or [])

    def list_dirs(self, saltenv: str = "base", prefix: str = "") -> list[str]:
        return list(self._ask("_file_list", {"saltenv": saltenv, "prefix": prefix, "dirs": True}).get("items")
                    or [])

    def envs(self) -> list[str]:
        return list(self._ask("_file_envs", {}).get("envs") or [])


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
