"""Module ``mine``: data that minions publish about themselves, for others' templates.

Masterless (``file_client: local``) there are no other minions: the mine is a store in this host's
cache directory, filled by ``mine.send``/``mine.update`` and read by ``mine.get`` when this host's id
matches the target. (With a master the store lives on the master; see the master/minion docs.)
"""

from __future__ import annotations

import json
import os
from typing import Any

from saline.errors import SaltInvocationError
from saline.loader import Context, Module

mod = Module("mine", doc="Publish and read mine data.")


def _store(ctx: Context) -> str:
    return os.path.join(str(ctx.opts.get("cachedir") or "/var/cache/saline/minion"), "mine.json")


def _load(ctx: Context) -> dict[str, Any]:
    try:
        with open(_store(ctx), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(ctx: Context, data: dict[str, Any]) -> None:
    from saline.atomic import atomic_write

    os.makedirs(os.path.dirname(_store(ctx)), exist_ok=True)
    atomic_write(_store(ctx), json.dumps(data, default=str), mode="0600")


def _functions(fun: Any) -> list[str]:
    if isinstance(fun, str):
        return [f.strip() for f in fun.split(",") if f.strip()]
    if isinstance(fun, list):
        return [str(f) for f in fun]
    raise SaltInvocationError("fun must be a function name, a comma-separated string or a list")


@mod.query
def get(ctx: Context, tgt: str, fun: Any, tgt_type: str = "glob", exclude_minion: bool = False,
        **kwargs: Any) -> dict[str, Any]:
    """Mine data of ``fun`` for the minions matching ``tgt``: ``{minion_id: data}`` (with several
    functions ``{fun: {minion_id: data}}``).

    CLI Example: ``saline-call --local mine.get '*' network.ip_addrs``
    """
    from saline.matchers import match

    names = _functions(fun)
    minion = str(ctx.opts.get("id"))
    store = _load(ctx)
    matched = not exclude_minion and match(tgt, tgt_type, minion, ctx.grains, ctx.pillar, opts=ctx.opts)
    found = {name: ({minion: store[name]} if matched and name in store else {}) for name in names}
    return found[names[0]] if isinstance(fun, str) and "," not in fun else found


@mod.action
def send(ctx: Context, name: str, *args: Any, mine_function: str | None = None, **kwargs: Any) -> bool:
    """Run ``mine_function`` (default: ``name``) and store its result under ``name``.

    CLI Example: ``saline-call --local mine.send network.ip_addrs eth0``
    """
    kwargs = {k: v for k, v in kwargs.items() if not k.startswith("__")}
    data = _load(ctx)
    data[str(name)] = ctx.salt[mine_function or str(name)](*args, **kwargs)
    _save(ctx, data)
    return True


@mod.action
def update(ctx: Context, clear: bool = False, mine_functions: dict[str, Any] | None = None) -> None:
    """Run every function of the ``mine_functions`` option (or pillar) and store the results.

    CLI Example: ``saline-call --local mine.update``
    """
    functions = mine_functions or ctx.opts.get("mine_functions") or ctx.pillar.get("mine_functions") or {}
    data = {} if clear else _load(ctx)
    for alias, spec in functions.items():
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        function = alias
        for item in spec if isinstance(spec, list) else []:
            if isinstance(item, dict) and "mine_function" in item:
                function = item["mine_function"]
            elif isinstance(item, dict):
                kwargs.update(item)
            else:
                args.append(item)
        data[alias] = ctx.salt[function](*args, **kwargs)
    _save(ctx, data)


@mod.action
def delete(ctx: Context, fun: str) -> bool:
    """Remove the mine data stored under ``fun``.

    CLI Example: ``saline-call --local mine.delete network.ip_addrs``
    """
    data = _load(ctx)
    data.pop(str(fun), None)
    _save(ctx, data)
    return True


@mod.action
def flush(ctx: Context) -> bool:
    """Remove all mine data of this minion.

    CLI Example: ``saline-call --local mine.flush``
    """
    _save(ctx, {})
    return True
