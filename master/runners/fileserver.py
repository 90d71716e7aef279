"""``fileserver.*`` runners: what the master's fileserver serves (Salt's ``salt.runners.fileserver``).

``backend`` narrows the configured ``fileserver_backend`` list: a name, a comma-separated string or a
list; when every name starts with ``-`` those backends are excluded instead. ``git`` and ``gitfs``
name the same backend.
"""

from __future__ import annotations

from typing import Any

from saline.errors import SaltInvocationError

_ALIASES = {"git": "gitfs"}


def _canonical(name: str) -> str:
    return _ALIASES.get(name, name)


def _client(api: Any) -> Any:
    if api.fileserver is not None:
        return api.fileserver
    from saline.fileclient_local import RootsFileClient

    return RootsFileClient(api.opts)


def _backends(api: Any, backend: Any) -> list[str]:
    """The configured backends ``backend`` selects (Salt: a name, a list, or ``-name`` to exclude)."""
    configured: list[str] = []
    for b in api.opts.get("fileserver_backend") or ["roots"]:
        if _canonical(str(b)) not in configured:
            configured.append(_canonical(str(b)))
    if backend in (None, ""):
        return configured
    names = backend.split(",") if isinstance(backend, str) else [str(b) for b in backend]
    names = [n.strip() for n in names if n.strip()]
    if names and all(n.startswith("-") for n in names):
        excluded = {_canonical(n[1:]) for n in names}
        return [b for b in configured if b not in excluded]
    names = [_canonical(n) for n in names if not n.startswith("-")]
    unknown = [n for n in names if n not in configured]
    if unknown:
        raise SaltInvocationError(
            f"Fileserver backend {', '.join(unknown)} is not configured (fileserver_backend: {configured})"
        )
    return names


def _list(api: Any, method: str, backend: Any, *args: Any) -> list[str]:
    selected = _backends(api, backend)
    client = _client(api)
    if api.fileserver is None:  # the fallback serves roots only
        return list(getattr(client, method)(*args)) if "roots" in selected else []
    if not selected:
        return []
    try:
        return list(getattr(client, method)(*args, backends=selected))
    except TypeError:  # a file client without per-backend selection serves everything
        return list(getattr(client, method)(*args))


def file_list(api: Any, saltenv: str = "base", backend: Any = None) -> list[str]:
    """Sorted paths of every file the fileserver serves in ``saltenv``.

    CLI Example: ``saline-run fileserver.file_list saltenv=prod``
    """
    return _list(api, "list_files", backend, str(saltenv))


def dir_list(api: Any, saltenv: str = "base", backend: Any = None) -> list[str]:
    """Sorted paths of every directory the fileserver serves in ``saltenv``.

    CLI Example: ``saline-run fileserver.dir_list``
    """
    return _list(api, "list_dirs", backend, str(saltenv))


def envs(api: Any, backend: Any = None, sources: bool = False) -> list[str]:
    """Sorted names of the saltenvs the fileserver offers (gitfs: branches and tags, ``base`` for gitfs_base).

    CLI Example: ``saline-run fileserver.envs``
    """
    return sorted(_list(api, "envs", backend))


def update(api: Any, backend: Any = None, **kwargs: Any) -> bool:
    """Refresh the fileserver's backends now (fetch every gitfs remote); True when done.

    roots needs no refresh: files are read from disk on each request. A remote that cannot be fetched
    is logged by the master and keeps serving what it fetched last.

    CLI Example: ``saline-run fileserver.update backend=gitfs``
    """
    selected = _backends(api, backend)
    refresh = getattr(api.fileserver, "update", None)
    if callable(refresh):
        refresh(selected, **kwargs)
    return True
