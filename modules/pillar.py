"""Module ``pillar``: read this minion's pillar data (``pillar.get``, ``pillar.items``, ...).

``pillar.get`` of a missing key returns ``""`` (or the given default), like Salt. Functions that
take ``pillarenv`` (or ``pillar=`` overrides) compile a fresh pillar for that call; the in-memory
pillar (``ctx.pillar``) is unchanged.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from typing import Any

from saline.data import traverse
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module

mod = Module("pillar", doc="Read the pillar data of this minion.")

DEFAULT_DELIMITER = ":"


class _Unset:
    """The default of ``pillar.get``'s ``default``: shows as ``''`` (what a missing key returns)."""

    def __repr__(self) -> str:
        return "''"


_UNSET: Any = _Unset()
_KEYS = ("pillarenv", "saltenv", "pillar_override")
_NOT_A_DICT = "Pillar data must be formatted as a dictionary, unless pillar_enc is specified."


def fresh_pillar(ctx: Context, *, pillarenv: str | None = None, saltenv: str | None = None,
                 override: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A newly compiled pillar for ``pillarenv``/``saltenv``/``override`` (``ctx.pillar`` untouched)."""
    if override is not None and not isinstance(override, Mapping):
        raise SaltInvocationError(_NOT_A_DICT)
    if ctx.pillar_compiler is not None:
        return ctx.pillar_compiler(pillarenv=pillarenv, saltenv=saltenv, override=override)
    if ctx.pillar_loader is None:
        from saline.dictupdate import merge_recurse

        return merge_recurse(copy.deepcopy(ctx.opts.get("pillar") or {}), override or {})
    # The context's loader compiles from ctx.opts: give it this call's parameters, then restore.
    opts = ctx.opts
    saved = {key: opts[key] for key in _KEYS if key in opts}
    try:
        if pillarenv is not None:
            opts["pillarenv"] = pillarenv
        if saltenv is not None:
            opts["saltenv"] = saltenv
        if override is not None:
            from saline.dictupdate import merge_recurse

            opts["pillar_override"] = merge_recurse(saved.get("pillar_override") or {}, override)
        return ctx.pillar_loader()
    finally:
        for key in _KEYS:
            opts.pop(key, None)
        opts.update(saved)


def _effective_pillarenv(ctx: Context, pillarenv: Any, saltenv: Any) -> Any:
    if pillarenv is None and ctx.opts.get("pillarenv_from_saltenv"):
        return saltenv or ctx.opts.get("saltenv")
    return pillarenv


def _source(ctx: Context, pillarenv: Any, saltenv: Any) -> dict[str, Any]:
    """The in-memory pillar, or a fresh one when an environment is asked for."""
    pillarenv = _effective_pillarenv(ctx, pillarenv, saltenv)
    if pillarenv is None:
        return ctx.pillar
    return fresh_pillar(ctx, pillarenv=str(pillarenv), saltenv=None if saltenv is None else str(saltenv))


@mod.query
def get(ctx: Context, key: str, default: Any = _UNSET, merge: bool = False, merge_nested_lists: Any = None,
        delimiter: str = DEFAULT_DELIMITER, pillarenv: str | None = None, saltenv: str | None = None) -> Any:
    """Return the pillar value at ``key`` (nested keys joined by ``:``), or ``default``.

    A missing key returns ``""`` unless ``default`` is given (or ``pillar_raise_on_missing`` is
    set, which makes it an error). With ``merge=True`` and a dict (or list) ``default``, the
    pillar value is merged over the default; ``merge_nested_lists`` (default: the
    ``pillar_merge_lists`` option) merges lists inside dicts too. ``delimiter`` replaces ``:``.
    ``pillarenv`` compiles a fresh pillar from that pillar environment.

    CLI Example::

        saline-call pillar.get pkg:apache
        saline-call pillar.get abc default='{"x": 1}' merge=True
        saline-call pillar.get 'web|port' delimiter='|'
    """
    if not isinstance(delimiter, str) or not delimiter:
        raise SaltInvocationError("delimiter must be a non-empty string")
    missing_is_error = default is _UNSET and bool(ctx.opts.get("pillar_raise_on_missing"))
    if default is _UNSET:
        default = ""
    data = _source(ctx, pillarenv, saltenv)
    if merge:
        if isinstance(default, Mapping):
            found = traverse(data, key, {}, delimiter=delimiter)
            if isinstance(found, Mapping):
                from saline.dictupdate import update

                lists = ctx.opts.get("pillar_merge_lists", False) if merge_nested_lists is None \
                    else bool(merge_nested_lists)
                return update(copy.deepcopy(dict(default)), found, merge_lists=lists)
            ctx.log.error("pillar.get: the default of %s is a dict but the pillar value is a %s; not merged",
                          key, type(found).__name__)
        elif isinstance(default, list):
            found = traverse(data, key, [], delimiter=delimiter)
            if isinstance(found, list):
                merged = copy.deepcopy(default)
                merged += [item for item in found if item not in merged]
                return merged
            ctx.log.error("pillar.get: the default of %s is a list but the pillar value is a %s; not merged",
                          key, type(found).__name__)
        else:
            ctx.log.error("pillar.get: a default of type %s cannot be merged (use a dict or a list)",
                          type(default).__name__)
    found = traverse(data, key, _UNSET, delimiter=delimiter)
    if found is _UNSET:
        if missing_is_error:
            raise CommandExecutionError(f"Pillar key not found: {key}")
        return default
    return found


mod.query(get, name="fetch")


@mod.query
def items(ctx: Context, *args: str, pillar: Any = None, pillar_enc: Any = None, pillarenv: str | None = None,
          saltenv: str | None = None) -> dict[str, Any]:
    """Return the whole pillar of this minion (or only the keys named as arguments).

    ``pillar`` merges override data over the result (like ``pillar='{...}'`` for a state run);
    ``pillarenv`` compiles the pillar from that pillar environment only.

    CLI Example::

        saline-call pillar.items
        saline-call pillar.items pillarenv=dev
        saline-call pillar.items pillar='{"role": "test"}'
    """
    if args:
        return item(ctx, *args, pillarenv=pillarenv, saltenv=saltenv)
    if pillar_enc is not None:
        raise SaltInvocationError(f"pillar_enc={pillar_enc!r}: encrypted pillar overrides are not supported")
    if pillar is not None and not isinstance(pillar, Mapping):
        raise SaltInvocationError(_NOT_A_DICT)
    pillarenv = _effective_pillarenv(ctx, pillarenv, saltenv)
    if pillar is None and pillarenv is None:
        return ctx.pillar
    return fresh_pillar(ctx, pillarenv=None if pillarenv is None else str(pillarenv),
                        saltenv=None if saltenv is None else str(saltenv), override=pillar)


@mod.query
def item(ctx: Context, *args: str, default: Any = None, delimiter: str | None = None,
         pillarenv: str | None = None, saltenv: str | None = None) -> dict[str, Any]:
    """Return ``{key: value}`` for each key named (nested keys joined by ``:``); missing keys get ``default``.

    CLI Example::

        saline-call pillar.item foo bar:baz
        saline-call pillar.item missing default=none
    """
    default = "" if default is None else default
    delimiter = delimiter or DEFAULT_DELIMITER
    data = _source(ctx, pillarenv, saltenv)
    return {str(arg): traverse(data, str(arg), default, delimiter=delimiter) for arg in args}


@mod.query
def raw(ctx: Context, key: str | None = None) -> Any:
    """Return the pillar loaded in memory, or its top-level ``key`` (no nesting; ``{}`` when missing).

    CLI Example::

        saline-call pillar.raw
        saline-call pillar.raw key=roles
    """
    if key is None:
        return dict(ctx.pillar)
    return ctx.pillar.get(key, {})


@mod.query
def keys(ctx: Context, key: str, delimiter: str = DEFAULT_DELIMITER) -> list[Any]:
    """Return the keys of the dict at ``key`` (nested keys joined by ``:``).

    Fails when ``key`` does not exist or does not hold a dict.

    CLI Example::

        saline-call pillar.keys web:sites
    """
    found = traverse(ctx.pillar, key, _UNSET, delimiter=delimiter)
    if found is _UNSET:
        raise CommandExecutionError(f"Pillar key not found: {key}")
    if not isinstance(found, Mapping):
        raise CommandExecutionError(f"Pillar value in key {key} is not a dict")
    return list(found)


@mod.query
def ls(ctx: Context, *args: str, pillar: Any = None, pillar_enc: Any = None, pillarenv: str | None = None,
       saltenv: str | None = None) -> list[Any]:
    """Return the top-level pillar keys (arguments as for ``pillar.items``).

    CLI Example::

        saline-call pillar.ls
    """
    return list(items(ctx, *args, pillar=pillar, pillar_enc=pillar_enc, pillarenv=pillarenv, saltenv=saltenv))


def _obfuscated(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _obfuscated(val) for key, val in value.items()}
    if isinstance(value, list | tuple | set):
        return type(value)(_obfuscated(v) for v in value)
    return f"<{type(value).__name__}>"


@mod.query
def obfuscate(ctx: Context, *args: str, pillar: Any = None, pillar_enc: Any = None,
              pillarenv: str | None = None, saltenv: str | None = None) -> Any:
    """Return the pillar's shape with every value replaced by its type name (``<str>``, ``<int>``).

    Keys are kept; useful to show which data exists without showing secrets.

    CLI Example::

        saline-call pillar.obfuscate
    """
    return _obfuscated(items(ctx, *args, pillar=pillar, pillar_enc=pillar_enc, pillarenv=pillarenv,
                             saltenv=saltenv))


@mod.query
def file_exists(ctx: Context, path: str, saltenv: str | None = None) -> bool:
    """Return True when relative ``path`` exists in a ``pillar_roots`` directory (of ``saltenv`` if given).

    CLI Example::

        saline-call pillar.file_exists users/init.sls
    """
    from saline.fileclient_local import normalize_relpath

    roots = ctx.opts.get("pillar_roots")
    if not roots:
        raise CommandExecutionError("No pillar_roots found in the configuration")
    relpath = normalize_relpath(str(path))
    if saltenv:
        if saltenv not in roots:
            return False
        roots = {saltenv: roots[saltenv]}
    for dirs in roots.values():
        for directory in [dirs] if isinstance(dirs, str) else dirs or []:
            if os.path.isfile(os.path.join(str(directory), relpath)):
                return True
    return False


@mod.query
def filter_by(ctx: Context, lookup_dict: Any, pillar: str, merge: Any = None, default: str = "default",
              base: Any = None) -> Any:
    """Pick the entry of ``lookup_dict`` whose key (a glob) matches the pillar value at ``pillar``.

    Without a match the ``default`` key is used; ``base`` names an entry the match is merged
    over, and ``merge`` is merged over the result last (as ``grains.filter_by``).

    CLI Example::

        saline-call pillar.filter_by '{web: {port: 80}, db: {port: 5432}}' role
    """
    from saline.modules.grains import filter_lookup

    return filter_lookup(lookup_dict, pillar, ctx.pillar, merge, default, base)
