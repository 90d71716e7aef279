"""Module ``mine``: data that minions publish about themselves, for others' templates.

With a master (a minion daemon's job, or ``saline-call`` without ``--local``) the mine lives on the master:
``mine.update``/``mine.send`` store this minion's data there (under its authenticated id only) and
``mine.get`` asks the master for the data of the minions a target matches. Masterless (``saline-call
--local``) there are no other minions: the mine is a store in this host's cache directory and ``mine.get``
answers for this host only, like Salt's local mode (``exclude_minion`` and ``allow_tgt`` do not apply).

``mine_functions`` (minion config merged with pillar; the config wins for the same name) takes Salt's forms::

    mine_functions:
      test.ping: []                                          # function: positional arguments
      network.ip_addrs: [eth0]
      network.interfaces: {}                                 # or keyword arguments
      internal_ip:                                           # an alias running another function
        - mine_function: network.ip_addrs
        - eth0
        - allow_tgt: 'G@role:web'                            # only these minions may read it
        - allow_tgt_type: compound
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module

mod = Module("mine", doc="Publish and read mine data.")

ACL_KEYS = ("allow_tgt", "allow_tgt_type")
ACL_MARK = "__saltmine_acl__"  # Salt's marker of an entry stored with its access list


@dataclass
class MineFunction:
    """One entry of ``mine_functions``: store ``function(*args, **kwargs)`` under ``name``."""

    name: str
    function: str
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    allow_tgt: Any = None
    allow_tgt_type: str | None = None
    aliased: bool = False


def parse_entry(name: Any, spec: Any) -> MineFunction:
    """Parse one ``mine_functions`` entry (list or mapping form); SaltInvocationError when malformed."""
    if not isinstance(name, str) or not name:
        raise SaltInvocationError(f"mine function name {name!r} must be a non-empty string")
    entry = MineFunction(name, name)

    def take(mapping: dict[Any, Any]) -> None:
        for key, value in mapping.items():
            if key == "mine_function":
                if not isinstance(value, str) or "." not in value:
                    raise SaltInvocationError(f"mine function {name}: mine_function must name a module function")
                entry.function, entry.aliased = value, True
            elif key in ACL_KEYS:
                setattr(entry, key, value)
            else:
                entry.kwargs[str(key)] = value

    if spec is None:
        pass
    elif isinstance(spec, dict):
        take(spec)
    elif isinstance(spec, list):
        for item in spec:
            if isinstance(item, dict):
                take(item)
            else:
                entry.args.append(item)
    else:
        raise SaltInvocationError(f"mine function {name}: expected a list of arguments or a mapping, "
                                  f"got {type(spec).__name__}")
    if entry.allow_tgt_type is not None and not isinstance(entry.allow_tgt_type, str):
        raise SaltInvocationError(f"mine function {name}: allow_tgt_type must be a string")
    if entry.allow_tgt is not None:
        from saline.matchers import validate_target

        validate_target(entry.allow_tgt, entry.allow_tgt_type or "glob")
    return entry


def parse_functions(functions: Any) -> tuple[list[MineFunction], list[str]]:
    """All entries of a ``mine_functions`` mapping, and an error text per malformed one (skipped)."""
    if functions is None:
        return [], []
    if not isinstance(functions, dict):
        return [], [f"mine_functions must be a mapping, got {type(functions).__name__}"]
    entries, errors = [], []
    for name, spec in functions.items():
        try:
            entries.append(parse_entry(name, spec))
        except SaltInvocationError as exc:
            errors.append(str(exc))
    return entries, errors


def configured(ctx: Context) -> dict[str, Any]:
    """``mine_functions`` from the pillar merged with the minion config (the config wins per name)."""
    merged: dict[str, Any] = {}
    for source in (ctx.pillar.get("mine_functions"), ctx.opts.get("mine_functions")):
        if isinstance(source, dict):
            merged.update(source)
        elif source is not None:
            ctx.log.error("mine_functions must be a mapping, ignoring %r", source)
    return merged


def wrap(entry: MineFunction, data: Any) -> Any:
    """What is stored for ``entry``: the data itself, or Salt's ACL wrapper when it has ``allow_tgt``."""
    if entry.allow_tgt is None:
        return data
    wrapped = {"__data__": data, ACL_MARK: 1, "allow_tgt": entry.allow_tgt}
    if entry.allow_tgt_type is not None:
        wrapped["allow_tgt_type"] = entry.allow_tgt_type
    return wrapped


def unwrap(stored: Any) -> Any:
    if isinstance(stored, dict) and ACL_MARK in stored:
        return stored.get("__data__")
    return stored


def _requester(ctx: Context) -> Any:
    """The master connection of this call, or None masterless (``saline-call --local``)."""
    return ctx.scratch.get("master_request")


def _ask(ctx: Context, cmd: str, load: dict[str, Any]) -> Any:
    try:
        reply = _requester(ctx)(cmd, load)
    except TimeoutError as exc:
        raise CommandExecutionError(f"the master did not answer {cmd}: {exc}") from None
    if isinstance(reply, dict) and "error" in reply:
        raise CommandExecutionError(f"the master refused {cmd}: {reply['error']}")
    return reply


# ---- masterless store --------------------------------------------------------------------------


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


def _plain(data: Any) -> Any:
    """Module results as plain data (what both the JSON store and the wire carry)."""
    return json.loads(json.dumps(data, default=str))


def _send_data(ctx: Context, data: dict[str, Any], clear: bool) -> bool:
    if _requester(ctx) is None:
        store = {} if clear else _load(ctx)
        store.update(data)
        _save(ctx, store)
        return True
    reply = _ask(ctx, "_mine", {"data": data, "clear": bool(clear)})
    return isinstance(reply, dict) and bool(reply.get("ok"))


def _functions(fun: Any) -> tuple[list[str], bool]:
    """Requested function names (or globs) and whether the answer is keyed by function first."""
    if isinstance(fun, str):
        names = list(dict.fromkeys(f.strip() for f in fun.split(",") if f.strip()))  # repeats count once
        return names, len(names) > 1
    if isinstance(fun, list | tuple) and all(isinstance(f, str) for f in fun):
        return list(fun), True
    raise SaltInvocationError("fun must be a function name, a comma-separated string or a list of names")


# ---- functions ---------------------------------------------------------------------------------


@mod.query
def get(ctx: Context, tgt: Any, fun: Any, tgt_type: str = "glob", exclude_minion: bool = False,
        **kwargs: Any) -> dict[str, Any]:
    """Mine data of ``fun`` for the minions matching ``tgt``: ``{minion_id: data}``; with several
    functions (a list or a comma-separated string) ``{fun: {minion_id: data}}``.

    With a master, ``fun`` may also be a glob (``network.*``) and ``exclude_minion=True`` leaves this
    minion out; data published with ``allow_tgt`` is only returned to the minions it allows.

    CLI Example: ``saline '*' mine.get 'roles:web' network.ip_addrs tgt_type=grain``
    """
    from saline.matchers import match, validate_target

    names, keyed = _functions(fun)
    tgt_type = tgt_type or "glob"
    validate_target(tgt, tgt_type, nodegroups=ctx.opts.get("nodegroups") or {})
    if _requester(ctx) is not None:
        reply = _ask(ctx, "_mine_get", {"tgt": tgt, "tgt_type": tgt_type, "fun": names, "keyed": keyed,
                                        "exclude_minion": bool(exclude_minion)})
        if not isinstance(reply, dict) or not isinstance(reply.get("data"), dict):
            raise CommandExecutionError("the master sent no mine data")
        return reply["data"]
    minion = str(ctx.opts.get("id"))
    store = _load(ctx)
    matched = match(tgt, tgt_type, minion, ctx.grains, ctx.pillar, opts=ctx.opts)
    found = {name: ({minion: unwrap(store[name])} if matched and name in store else {}) for name in names}
    if keyed:
        return found
    return found[names[0]] if names else {}


def _call(ctx: Context, entry: MineFunction) -> tuple[bool, Any]:
    """Run one mine function; (False, None) when it is unavailable or fails (logged, like Salt)."""
    if entry.function not in ctx.salt:
        ctx.log.error("Function %s in mine_functions not available", entry.function)
        return False, None
    try:
        return True, _plain(ctx.salt[entry.function](*entry.args, **entry.kwargs))
    except Exception as exc:  # one broken function must not stop the others
        ctx.log.error("Function %s in mine.update failed to execute: %s", entry.function, exc)
        return False, None


@mod.action
def update(ctx: Context, clear: bool = False, mine_functions: dict[str, Any] | None = None) -> bool:
    """Run the ``mine_functions`` (minion config merged with pillar) and send the results to the mine;
    ``mine_functions=`` runs only those entries, ``clear=True`` replaces this minion's mine data.

    CLI Example: ``saline '*' mine.update``
    """
    entries, errors = parse_functions(mine_functions if mine_functions is not None else configured(ctx))
    for error in errors:
        ctx.log.error("%s", error)
    data: dict[str, Any] = {}
    for entry in entries:
        ok, result = _call(ctx, entry)
        if ok:
            data[entry.name] = wrap(entry, result)
    return _send_data(ctx, data, bool(clear))


@mod.action
def send(ctx: Context, name: str, *args: Any, mine_function: str | None = None, allow_tgt: Any = None,
         allow_tgt_type: str | None = None, **kwargs: Any) -> bool:
    """Run ``mine_function`` (default: ``name``) with the other arguments and store its result under
    ``name``; ``allow_tgt``/``allow_tgt_type`` limit which minions may read it. False when the function
    is not available or fails.

    CLI Example: ``saline '*' mine.send internal_ip mine_function=network.ip_addrs eth0``
    """
    kwargs = {k: v for k, v in kwargs.items() if not k.startswith("__")}
    spec: list[Any] = [*args, kwargs] if kwargs else list(args)
    if mine_function is not None:
        spec.append({"mine_function": mine_function})
    if allow_tgt is not None:
        spec.append({"allow_tgt": allow_tgt, **({"allow_tgt_type": allow_tgt_type} if allow_tgt_type else {})})
    entry = parse_entry(str(name), spec)
    ok, result = _call(ctx, entry)
    if not ok:
        return False
    return _send_data(ctx, {entry.name: wrap(entry, result)}, clear=False)


@mod.action
def delete(ctx: Context, fun: str) -> bool:
    """Remove this minion's mine data stored under ``fun``.

    CLI Example: ``saline '*' mine.delete network.ip_addrs``
    """
    if not isinstance(fun, str) or not fun:
        raise SaltInvocationError("fun must be a function name")
    if _requester(ctx) is None:
        data = _load(ctx)
        data.pop(fun, None)
        _save(ctx, data)
        return True
    reply = _ask(ctx, "_mine_delete", {"fun": fun})
    return isinstance(reply, dict) and bool(reply.get("ok"))


@mod.action
def flush(ctx: Context) -> bool:
    """Remove all of this minion's mine data.

    CLI Example: ``saline '*' mine.flush``
    """
    if _requester(ctx) is None:
        _save(ctx, {})
        return True
    reply = _ask(ctx, "_mine_flush", {})
    return isinstance(reply, dict) and bool(reply.get("ok"))


@mod.query
def valid(ctx: Context) -> dict[str, Any]:
    """The ``mine_functions`` this minion would run (config merged with pillar), without the ones whose
    function is not available: an alias shows as ``{function: [args]}``, other entries as configured.

    CLI Example: ``saline-call mine.valid``
    """
    functions = configured(ctx)
    entries, errors = parse_functions(functions)
    for error in errors:
        ctx.log.error("%s", error)
    out: dict[str, Any] = {}
    for entry in entries:
        if entry.function not in ctx.salt:
            ctx.log.error("Function %s in mine_functions not available", entry.function)
            continue
        if entry.aliased:
            out[entry.name] = {entry.function: [*entry.args, *([entry.kwargs] if entry.kwargs else [])]}
        else:
            out[entry.name] = functions[entry.name]
    return out

