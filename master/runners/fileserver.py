"""``fileserver.*`` runners: what the master's fileserver serves (Salt's ``salt.runners.fileserver``)."""

from __future__ import annotations

from typing import Any

from saline.errors import SaltInvocationError


def _client(api: Any) -> Any:
    if api.fileserver is not None:
        return api.fileserver
    from saline.fileclient_local import RootsFileClient

    return RootsFileClient(api.opts)


def _backends(api: Any, backend: Any) -> list[str]:
    """The configured backends ``backend`` selects (Salt: a name, a list, or ``-name`` to exclude)."""
    configured = [str(b) for b in api.opts.get("fileserver_backend") or ["roots"]]
    if backend in (None, ""):
        return configured
    names = backend.split(",") if isinstance(backend, str) else [str(b) for b in backend]
    names = [n.strip() for n in names if n.strip()]
    if names and all(n.startswith("-") for n in names):
        return [b for b in configured if f"-{b}" not in names]
    unknown = [n for n in names if n not in configured]
    if unknown:
        raise SaltInvocationError(
            f"Fileserver backend {', '.join(unknown)} is not configured (fileserver_backend: {configured})"
        )
    return names


def _serves(api: Any, backend: Any) -> bool:
    selected = _backends(api, backend)
    # the daemon's fileserver object serves every configured backend; the fallback serves roots only
    return bool(selected) and (api.fileserver is not None or "roots" in selected)


def file_list(api: Any, saltenv: str = "base", backend: Any = None) -> list[str]:
    """Sorted paths of every file the fileserver serves in ``saltenv``.

    CLI Example: ``saline-run fileserver.file_list saltenv=prod``
    """
    return list(_client(api).list_files(str(saltenv))) if _serves(api, backend) else []


def dir_list(api: Any, saltenv: str = "base", backend: Any = None) -> list[str]:
    """Sorted paths of every directory the fileserver serves in ``saltenv``.

    CLI Example: ``saline-run fileserver.dir_list``
    """
    return list(_client(api).list_dirs(str(saltenv))) if _serves(api, backend) else []


def envs(api: Any, backend: Any = None, sources: bool = False) -> list[str]:
    """Sorted names of the saltenvs the fileserver offers.

    CLI Example: ``saline-run fileserver.envs``
    """
    return sorted(_client(api).envs()) if _serves(api, backend) else []


def update(api: Any, backend: Any = None, **kwargs: Any) -> bool:
    """Refresh the fileserver's backends (fetch gitfs remotes); True when done.

    roots needs no refresh: files are read from disk on each request.

    CLI Example: ``saline-run fileserver.update backend=gitfs``
    """
    selected = _backends(api, backend)
    refresh = getattr(api.fileserver, "update", None)
    if callable(refresh):
        refresh(selected, **kwargs)
    return True
