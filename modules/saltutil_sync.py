"""``saltutil.sync_*``: copy custom modules from the file server into ``<cachedir>/extmods/<kind>/``.

``salt://_modules/*.py`` goes to ``extmods/modules``, ``salt://_states/*.py`` to ``extmods/states`` and
``salt://_grains/*.py`` to ``extmods/grains``; :mod:`saline.extmods` says how they are loaded. A file is written
only when its content changed; files the file server no longer has are removed (Salt's
``clean_dynamic_modules``). The answer lists what was added or changed, as ``<kind>.<name>``.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from saline.errors import SaltInvocationError


def extmods_dir(opts: dict[str, Any], kind: str) -> str:
    from saline.extmods import root_of

    return os.path.join(root_of(opts) or "", kind)


def saltenvs(ctx: Any, saltenv: Any) -> list[str]:
    """Salt's rule: the named environments (a list or comma-separated), else those of the top files."""
    if saltenv in (None, ""):
        if ctx.opts.get("saltenv"):
            return [str(ctx.opts["saltenv"])]
        from saline.top import top_envs

        return top_envs(ctx.opts, ctx.fileclient)
    if isinstance(saltenv, str):
        names = [s.strip() for s in saltenv.split(",") if s.strip()]
    elif isinstance(saltenv, list | tuple):
        names = [str(s) for s in saltenv]
    else:
        raise SaltInvocationError(f"saltenv must be a name or a list of names, not {saltenv!r}")
    if not names:
        raise SaltInvocationError("saltenv names no environment")
    return names


def name_filter(value: Any, kind: str, what: str) -> set[str] | None:
    """``extmod_whitelist``/``extmod_blacklist`` for one kind: a list or comma-separated names, or (as
    ``sync_all`` takes it) a mapping of kind to names. None: no filter."""
    if value in (None, ""):
        return None
    if isinstance(value, dict):
        value = value.get(kind)
        if value is None:
            return None
    if isinstance(value, str):
        return {v.strip() for v in value.split(",") if v.strip()}
    if isinstance(value, list | tuple):
        return {str(v) for v in value}
    raise SaltInvocationError(f"{what} must be a list of module names, not {value!r}")


def _sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def sync(ctx: Any, kind: str, saltenv: Any = None, whitelist: Any = None, blacklist: Any = None) -> list[str]:
    """Copy ``salt://_<kind>/*.py`` of the environments into ``extmods/<kind>``; the changed names."""
    from saline.atomic import atomic_write
    from saline.errors import CommandExecutionError

    if not ctx.opts.get("cachedir"):
        raise CommandExecutionError("no cachedir is configured: there is nowhere to sync modules to")
    allowed = name_filter(whitelist, kind, "extmod_whitelist")
    denied = name_filter(blacklist, kind, "extmod_blacklist") or set()
    wanted: dict[str, tuple[str, str]] = {}  # name -> (saltenv, relative path); the first env wins
    for env in saltenvs(ctx, saltenv):
        for rel in ctx.fileclient.list_files(env, f"_{kind}/"):
            folder, _, filename = rel.rpartition("/")
            name = filename[:-3]
            if folder != f"_{kind}" or not filename.endswith(".py") or not name.isidentifier():
                continue
            if (allowed is not None and name not in allowed) or name in denied:
                continue
            wanted.setdefault(name, (env, rel))
    dest = extmods_dir(ctx.opts, kind)
    changed = []
    for name, (env, rel) in sorted(wanted.items()):
        source = ctx.fileclient.cache_file(f"salt://{rel}", env)
        if source is None:
            continue  # gone between listing and fetching
        target = os.path.join(dest, f"{name}.py")
        if _sha256(source) == _sha256(target):
            continue
        os.makedirs(dest, mode=0o700, exist_ok=True)
        with open(source, "rb") as fh:
            atomic_write(target, fh.read(), mode="0600")
        changed.append(f"{kind}.{name}")
    if ctx.opts.get("clean_dynamic_modules", True):
        _clean(dest, set(wanted), allowed, denied)
    return changed


def _clean(dest: str, keep: set[str], allowed: set[str] | None, denied: set[str]) -> None:
    """Remove synced files the file server no longer has (those outside a filter are left alone)."""
    try:
        files = os.listdir(dest)
    except FileNotFoundError:
        return
    for filename in files:
        name = filename[:-3] if filename.endswith(".py") else None
        if name is None or name in keep or name in denied or (allowed is not None and name not in allowed):
            continue
        os.unlink(os.path.join(dest, filename))


def unsupported(ctx: Any, saltenv: Any, kinds: list[str]) -> list[str]:
    """The ``salt://_<kind>/`` folders of ``kinds`` that hold files in the environments."""
    envs = saltenvs(ctx, saltenv)
    return [f"_{kind}" for kind in kinds if any(ctx.fileclient.list_files(env, f"_{kind}/") for env in envs)]
