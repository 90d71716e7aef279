"""Module ``cp``: copy files from the file server (``salt://``) to this host and list what it serves.

Masterless (``file_client: local``) the file server is this host's ``file_roots``; with a master it is
the master's fileserver. Both are reached through ``ctx.fileclient``.
"""

from __future__ import annotations

import os
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module

mod = Module("cp", doc="Copy files from the file server and list its contents.")


def _env(saltenv: Any) -> str:
    return str(saltenv or "base")


def _prepare_dest(dest: str, makedirs: bool) -> None:
    parent = os.path.dirname(dest) or "."
    if not os.path.isdir(parent):
        if not makedirs:
            raise CommandExecutionError(f"destination directory {parent} does not exist (use makedirs=True)")
        os.makedirs(parent, exist_ok=True)


def _target(path: str, dest: str) -> str:
    """``dest`` itself, or ``dest/<basename>`` when ``dest`` is an existing directory."""
    return os.path.join(dest, os.path.basename(path)) if os.path.isdir(dest) else dest


@mod.query
def list_master(ctx: Context, saltenv: str = "base", prefix: str = "") -> list[str]:
    """Files the file server holds in ``saltenv`` (under ``prefix``), relative paths, sorted.

    CLI Example: ``saline-call --local cp.list_master prefix=nginx``
    """
    return ctx.fileclient.list_files(_env(saltenv), str(prefix or ""))


@mod.query
def list_master_dirs(ctx: Context, saltenv: str = "base", prefix: str = "") -> list[str]:
    """Directories the file server holds in ``saltenv`` (under ``prefix``), sorted.

    CLI Example: ``saline-call --local cp.list_master_dirs``
    """
    return ctx.fileclient.list_dirs(_env(saltenv), str(prefix or ""))


@mod.query
def list_states(ctx: Context, saltenv: str = "base") -> list[str]:
    """SLS names available in ``saltenv`` (``a/b.sls`` -> ``a.b``, ``a/init.sls`` -> ``a``).

    CLI Example: ``saline-call --local cp.list_states``
    """
    names = set()
    for path in ctx.fileclient.list_files(_env(saltenv)):
        if path.endswith(".sls"):
            name = path[:-4].replace("/", ".")
            names.add(name[:-5] if name.endswith(".init") else name)
    return sorted(names)


@mod.query
def envs(ctx: Context) -> list[str]:
    """The saltenvs the file server offers.

    CLI Example: ``saline-call --local cp.envs``
    """
    return ctx.fileclient.envs()


@mod.query
def hash_file(ctx: Context, path: str, saltenv: str = "base") -> dict[str, str] | str:
    """``{hash_type, hsum}`` of a ``salt://`` file, or ``""`` when it does not exist.

    CLI Example: ``saline-call --local cp.hash_file salt://nginx/nginx.conf``
    """
    return ctx.fileclient.hash_file(str(path), _env(saltenv)) or ""


@mod.query
def cache_file(ctx: Context, path: str, saltenv: str = "base", **kwargs: Any) -> str | bool:
    """Local path of a ``salt://`` file (fetched into the cache when the server is remote), or False.

    CLI Example: ``saline-call --local cp.cache_file salt://nginx/nginx.conf``
    """
    local = ctx.fileclient.cache_file(str(path), _env(saltenv))
    if not local:
        ctx.log.error("Unable to cache file '%s' from saltenv '%s'.", path, _env(saltenv))
        return False
    return local


@mod.query
def is_cached(ctx: Context, path: str, saltenv: str = "base") -> str:
    """Local path of a ``salt://`` file when it is available without fetching, else ``""``.

    CLI Example: ``saline-call --local cp.is_cached salt://nginx/nginx.conf``
    """
    return ctx.fileclient.cache_file(str(path), _env(saltenv)) or ""


@mod.query
def get_file_str(ctx: Context, path: str, saltenv: str = "base") -> str | bool:
    """The contents of a ``salt://`` file as text, or False when it does not exist.

    CLI Example: ``saline-call --local cp.get_file_str salt://motd``
    """
    text = ctx.fileclient.get_text(str(path), _env(saltenv))
    return False if text is None else text


def _render(ctx: Context, text: str, template: str, saltenv: str, context: dict[str, Any] | None) -> str:
    from saline.renderers import render_string

    if template != "jinja":
        raise SaltInvocationError(f"unsupported template engine '{template}' (Saline renders jinja templates)")
    return str(render_string(ctx, text, "jinja", saltenv=saltenv, context=context or {}))


@mod.action
def get_file(ctx: Context, path: str, dest: str, saltenv: str = "base", makedirs: bool = False,
             template: str | None = None, gzip: int | None = None, **kwargs: Any) -> str:
    """Copy ``salt://path`` to ``dest`` (rendered with ``template=jinja`` if asked); return the
    destination path, or ``""`` when the source does not exist.

    CLI Example: ``saline-call --local cp.get_file salt://motd /etc/motd``
    """
    from saline.atomic import atomic_write

    env = _env(saltenv)
    source = ctx.fileclient.cache_file(str(path), env)
    if not source:
        return ""
    target = _target(source, str(dest))
    _prepare_dest(target, makedirs)
    if template:
        with open(source, encoding="utf-8") as fh:
            text = fh.read()
        atomic_write(target, _render(ctx, text, str(template), env, kwargs.get("context")))
    else:
        with open(source, "rb") as fh:
            atomic_write(target, fh.read())
    return target


@mod.action
def get_template(ctx: Context, path: str, dest: str, template: str = "jinja", saltenv: str = "base",
                 makedirs: bool = False, **kwargs: Any) -> str:
    """Render ``salt://path`` as a template and write the result to ``dest``; return ``dest``.

    CLI Example: ``saline-call --local cp.get_template salt://motd.j2 /etc/motd``
    """
    return get_file(ctx, path, dest, saltenv=saltenv, makedirs=makedirs, template=template, **kwargs)


@mod.action
def get_dir(ctx: Context, path: str, dest: str, saltenv: str = "base", template: str | None = None,
            **kwargs: Any) -> list[str]:
    """Copy the ``salt://`` directory ``path`` recursively into ``dest``; return the files written.

    CLI Example: ``saline-call --local cp.get_dir salt://nginx /tmp/nginx``
    """
    from saline.fileclient_local import split_url

    env = _env(saltenv)
    prefix, env = split_url(str(path), env)
    base = os.path.dirname(prefix.rstrip("/"))
    written = []
    for rel in ctx.fileclient.list_files(env, prefix):
        if rel != prefix and not rel.startswith(prefix.rstrip("/") + "/"):
            continue
        target = os.path.join(str(dest), os.path.relpath(rel, base) if base else rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        written.append(get_file(ctx, f"salt://{rel}", target, saltenv=env, template=template, **kwargs))
    return sorted(written)


@mod.action
def get_url(ctx: Context, path: str, dest: str | None = None, saltenv: str = "base", makedirs: bool = False,
            **kwargs: Any) -> str | bool:
    """Fetch ``salt://``, ``file://`` or ``http(s)://`` ``path`` into ``dest`` (text returned when
    ``dest`` is None); False when it cannot be fetched.

    CLI Example: ``saline-call --local cp.get_url https://example.com/x /tmp/x``
    """
    from saline.atomic import atomic_write

    url = str(path)
    if url.startswith("salt://"):
        if dest is None:
            return get_file_str(ctx, url, saltenv)
        return get_file(ctx, url, dest, saltenv=saltenv, makedirs=makedirs) or False
    try:
        if url.startswith("file://") or url.startswith("/"):
            with open(url.removeprefix("file://"), "rb") as fh:
                data = fh.read()
        else:
            import urllib.request

            with urllib.request.urlopen(url, timeout=60) as resp:
                data = resp.read()
    except OSError as exc:
        ctx.log.error("Unable to fetch %s: %s", url, exc)
        return False
    if dest is None:
        return data.decode("utf-8", "replace")
    target = _target(url.rstrip("/"), str(dest))
    _prepare_dest(target, makedirs)
    atomic_write(target, data)
    return target


@mod.query
def list_minion(ctx: Context, saltenv: str = "base") -> list[str]:
    """Files held in this host's file cache for ``saltenv``.

    CLI Example: ``saline-call --local cp.list_minion``
    """
    root = os.path.join(str(ctx.opts.get("cachedir") or ""), "files", _env(saltenv))
    found = []
    for dirpath, _dirs, files in os.walk(root):
        found.extend(os.path.join(dirpath, f) for f in files)
    return sorted(found)
