"""Module ``slsutil``: helpers for SLS templates - merging, (de)serializing, boolean strings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from saline import dictupdate
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module

mod = Module("slsutil", doc="Helpers used from SLS templates.")


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SaltInvocationError(f"{what} must be a dictionary, got {type(value).__name__}")
    return value


@mod.query
def merge(ctx: Context, obj_a: Any, obj_b: Any, strategy: str = "smart", renderer: str = "yaml",
          merge_lists: bool = False) -> dict[str, Any]:
    """Merge ``obj_b`` into ``obj_a`` with a strategy: smart, recurse, overwrite, aggregate, list.

    CLI Example: ``saline-call --local slsutil.merge '{a: {b: 1}}' '{a: {c: 2}}' merge_lists=True``
    """
    return dictupdate.merge(_mapping(obj_a, "obj_a"), _mapping(obj_b, "obj_b"), strategy, renderer,
                            merge_lists)


@mod.query
def merge_all(ctx: Context, lst: Any, strategy: str = "smart", renderer: str = "yaml",
              merge_lists: bool = False) -> dict[str, Any]:
    """Merge a list of dictionaries into each other, in order (later ones win).

    CLI Example: ``saline-call --local slsutil.merge_all '[{a: 1}, {a: 2}]'``
    """
    if not isinstance(lst, (list, tuple)):
        raise SaltInvocationError("lst must be a list of dictionaries")
    merged: dict[str, Any] = {}
    for index, item in enumerate(lst):
        merged = dictupdate.merge(merged, _mapping(item, f"item {index}"), strategy, renderer, merge_lists)
    return merged


@mod.query
def update(ctx: Context, dest: Any, upd: Any, recursive_update: bool = True,
           merge_lists: bool = False) -> dict[str, Any]:
    """Merge ``upd`` into ``dest`` (recursively unless ``recursive_update=False``) and return ``dest``.

    CLI Example: ``saline-call --local slsutil.update '{a: {b: 1}}' '{a: {c: 2}}'``
    """
    if not isinstance(dest, dict):
        raise SaltInvocationError("dest must be a dictionary")
    return dictupdate.update(dest, _mapping(upd, "upd"), recursive_update, merge_lists)


@mod.query
def boolstr(ctx: Context, value: Any, true: str = "true", false: str = "false") -> Any:
    """Return ``true`` or ``false`` (strings by default) for a boolean value.

    CLI Example: ``saline-call --local slsutil.boolstr True yes no``
    """
    return true if value else false


def _serializer(name: str) -> str:
    name = str(name).lower()
    if name not in ("json", "yaml"):
        raise SaltInvocationError(f"unknown serializer '{name}'; Saline provides json and yaml")
    return name


@mod.query
def serialize(ctx: Context, serializer: str, obj: Any = None, **kwargs: Any) -> str:
    """Serialize ``obj`` to a string with the ``json`` or ``yaml`` serializer.

    CLI Example: ``saline-call --local slsutil.serialize json '{a: 1}'``
    """
    if _serializer(serializer) == "json":
        return json.dumps(obj)
    import yaml

    return yaml.safe_dump(obj, default_flow_style=None).rstrip("\n").removesuffix("\n...")


@mod.query
def deserialize(ctx: Context, serializer: str, stream_or_string: Any = None, **kwargs: Any) -> Any:
    """Parse a ``json`` or ``yaml`` string into data.

    CLI Example: ``saline-call --local slsutil.deserialize yaml 'stream_or_string=a: 1'``
    """
    if not isinstance(stream_or_string, (str, bytes)):
        raise SaltInvocationError("stream_or_string must be a string")
    try:
        if _serializer(serializer) == "json":
            return json.loads(stream_or_string)
        from saline.yamlload import safe_load

        return safe_load(stream_or_string)
    except ValueError as exc:
        raise SaltInvocationError(f"cannot deserialize {serializer}: {exc}") from None
    except Exception as exc:  # yaml errors
        raise SaltInvocationError(f"cannot deserialize {serializer}: {exc}") from None


@mod.query
def renderer(ctx: Context, path: str | None = None, string: str | None = None,
             default_renderer: str = "jinja|yaml", **kwargs: Any) -> Any:
    """Render a file (``salt://`` URL or local path) or a ``string`` through a renderer pipeline
    (a ``#!`` line in the text wins); a missing file logs an error and gives ``{}`` like Salt.

    CLI Example: ``saline-call --local slsutil.renderer salt://app/defaults.yaml``
    """
    from saline.renderers import render_string

    saltenv = str(kwargs.get("saltenv") or "base")
    if string is not None:
        text, source = str(string), "<string>"
    elif path:
        source = str(path)
        if source.startswith("salt://"):
            text = ctx.fileclient.get_text(source, saltenv)
        else:
            try:
                with open(source, encoding="utf-8") as fh:
                    text = fh.read()
            except OSError:
                text = None
        if text is None:
            ctx.log.error("Template does not exist: %s", source)
            return {}
    else:
        raise SaltInvocationError("slsutil.renderer needs path or string")
    context = {k: v for k, v in kwargs.items() if not k.startswith("__") and k != "saltenv"}
    return render_string(ctx, text, str(default_renderer), saltenv=saltenv, source=source, context=context)


def _listing(ctx: Context, saltenv: str) -> tuple[set[str], set[str]]:
    return set(ctx.fileclient.list_files(saltenv)), set(ctx.fileclient.list_dirs(saltenv))


@mod.query
def file_exists(ctx: Context, path: str, saltenv: str = "base") -> bool:
    """True when ``path`` is a file on the file server.

    CLI Example: ``saline-call --local slsutil.file_exists nginx/map.jinja``
    """
    return str(path).strip("/") in _listing(ctx, saltenv)[0]


@mod.query
def dir_exists(ctx: Context, path: str, saltenv: str = "base") -> bool:
    """True when ``path`` is a directory on the file server.

    CLI Example: ``saline-call --local slsutil.dir_exists nginx``
    """
    return str(path).strip("/") in _listing(ctx, saltenv)[1]


@mod.query
def path_exists(ctx: Context, path: str, saltenv: str = "base") -> bool:
    """True when ``path`` is a file or a directory on the file server.

    CLI Example: ``saline-call --local slsutil.path_exists nginx/files``
    """
    files, dirs = _listing(ctx, saltenv)
    return str(path).strip("/") in files | dirs


@mod.query
def findup(ctx: Context, startpath: str, filenames: Any, saltenv: str = "base") -> str:
    """The first of ``filenames`` found in ``startpath`` or one of its parents on the file server.

    CLI Example: ``saline-call --local slsutil.findup formula/sub defaults.yaml``
    """
    names = [filenames] if isinstance(filenames, str) else list(filenames or [])
    if not names:
        raise SaltInvocationError("filenames must be a file name or a list of them")
    files = _listing(ctx, saltenv)[0]
    parts = [p for p in str(startpath).strip("/").split("/") if p]
    while True:
        for name in names:
            candidate = "/".join([*parts, str(name)])
            if candidate in files:
                return candidate
        if not parts:
            break
        parts.pop()
    raise CommandExecutionError("File pattern(s) not found in path ancestry")
