"""The fileserver: the backends of ``fileserver_backend`` asked in order (roots, gitfs).

A file is served by the first backend that has it in the requested saltenv (Salt's rule), so with
``fileserver_backend: [roots, gitfs]`` a file in ``file_roots`` shadows the same path in git; file and
directory lists and saltenvs are the union of every backend's. ``git`` is accepted as another name
for ``gitfs``, as in Salt. The master serves minions from it (fetching in a thread of its own, see
:mod:`saline.master.fileserver`); a masterless minion uses it as its file client and fetches once per
process, as salt-call does.
"""

from __future__ import annotations

from typing import Any

from saline.errors import ConfigError

BACKENDS = {"roots": "roots", "gitfs": "gitfs", "git": "gitfs"}


def backend_name(name: Any) -> str:
    """The canonical name of a backend (``git`` -> ``gitfs``); ConfigError for one Saline lacks."""
    canonical = BACKENDS.get(str(name).strip())
    if canonical is None:
        raise ConfigError(f"fileserver_backend: unknown backend {name!r} (Saline provides roots and gitfs)")
    return canonical


class Fileserver:
    """The file-client interface over the configured backends, in order."""

    def __init__(self, opts: dict[str, Any]) -> None:
        from saline.fileclient_local import RootsFileClient

        self.opts = opts
        self.backends: list[tuple[str, Any]] = []
        for name in opts.get("fileserver_backend") or ["roots"]:
            canonical = backend_name(name)
            if any(n == canonical for n, _ in self.backends):
                continue
            if canonical == "roots":
                self.backends.append((canonical, RootsFileClient(opts)))
            else:
                from saline.gitfs import GitFS

                self.backends.append((canonical, GitFS(opts)))

    @property
    def gitfs(self) -> Any:
        return next((b for n, b in self.backends if n == "gitfs"), None)

    def _first(self, method: str, url: str, saltenv: str) -> Any:
        for _name, backend in self.backends:
            found = getattr(backend, method)(url, saltenv)
            if found is not None:
                return found
        return None

    def cache_file(self, url: str, saltenv: str = "base") -> str | None:
        return self._first("cache_file", url, saltenv)

    def get_text(self, url: str, saltenv: str = "base") -> str | None:
        return self._first("get_text", url, saltenv)

    def get_bytes(self, url: str, saltenv: str = "base") -> bytes | None:
        return self._first("get_bytes", url, saltenv)

    def hash_file(self, url: str, saltenv: str = "base") -> dict[str, str] | None:
        return self._first("hash_file", url, saltenv)

    def list_files(self, saltenv: str = "base", prefix: str = "", backends: list[str] | None = None) -> list[str]:
        out: set[str] = set()
        for name, backend in self.backends:
            if backends is None or name in backends:
                out.update(backend.list_files(saltenv, prefix))
        return sorted(out)

    def list_dirs(self, saltenv: str = "base", prefix: str = "", backends: list[str] | None = None) -> list[str]:
        out: set[str] = set()
        for name, backend in self.backends:
            if backends is None or name in backends:
                out.update(backend.list_dirs(saltenv, prefix))
        return sorted(out)

    def envs(self, backends: list[str] | None = None) -> list[str]:
        out: set[str] = set()
        for name, backend in self.backends:
            if backends is None or name in backends:
                out.update(backend.envs())
        return sorted(out)

    def update(self, backends: list[str] | None = None, remotes: Any = None, **kwargs: Any) -> dict[str, Any]:
        """Fetch the selected backends now (roots reads the disk on each request: nothing to do).

        ``remotes`` (Salt's argument: a list or comma-separated string of URLs or ``name`` values)
        limits gitfs to those remotes.
        """
        selected = None if backends is None else {backend_name(b) for b in backends}
        if isinstance(remotes, str):
            remotes = [r.strip() for r in remotes.split(",") if r.strip()]
        out: dict[str, Any] = {}
        for name, backend in self.backends:
            if name == "gitfs" and (selected is None or name in selected):
                out[name] = backend.update(list(remotes) if remotes else None)
        return out

    def close(self) -> None:
        gitfs = self.gitfs
        if gitfs is not None:
            gitfs.close()
