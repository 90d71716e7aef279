"""Module ``slsutil``: helpers for SLS templates - merging, (de)serializing, boolean strings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from saline import dictupdate
from saline.errors import SaltInvocationError
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
