"""Module ``grains``: read this minion's grains and manage its static grains.

The readers work on ``ctx.grains``. The writers (``setval``, ``setvals``, ``append``, ``remove``,
``set``, ``delval``, ``delkey``) persist to the grains file like Salt (YAML, keys sorted;
``grains_file`` option, else ``grains`` beside the minion config) and update ``ctx.grains`` at once.
"""

from __future__ import annotations

import copy
import fnmatch
import math
import os
from collections.abc import Mapping
from typing import Any

from saline import dictupdate
from saline.data import DEFAULT_DELIMITER, traverse
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module

mod = Module("grains", doc="Read grains and manage static grains in the grains file.")

_MISSING = object()


def _serial(value: Any) -> str:
    text = str(value)
    keep = math.floor(len(text) * 0.75)
    return text[:keep] + "X" * (len(text) - keep)


# grains hidden by ``sanitize=True`` (for sharing output in bug reports)
_SANITIZERS = {
    "serialnumber": _serial,
    "domain": lambda _: "DOMAINNAME",
    "fqdn": lambda _: "MINION.DOMAINNAME",
    "id": lambda _: "MINION.DOMAINNAME",
    "host": lambda _: "MINION",
    "localhost": lambda _: "MINION",
    "nodename": lambda _: "MINION",
}


def _true(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "on")
    return bool(value)


def grains_file_path(opts: Mapping[str, Any]) -> str:
    """The static grains file: the ``grains_file`` option, else ``grains`` beside the config."""
    configured = opts.get("grains_file")
    if configured:
        return str(configured)
    conf_dir = opts.get("config_dir") or os.path.dirname(str(opts.get("conf_file") or "")) or "/etc/saline"
    return os.path.join(str(conf_dir), "grains")


# ---- readers ----------------------------------------------------------------------------------

@mod.query
def items(ctx: Context, sanitize: bool = False) -> dict[str, Any]:
    """Return all of this minion's grains; ``sanitize=True`` masks host names and serial numbers.

    CLI Example: ``saline-call --local grains.items``, ``saline-call --local grains.items sanitize=True``
    """
    grains = dict(ctx.grains)
    if _true(sanitize):
        for key, clean in _SANITIZERS.items():
            if key in grains:
                grains[key] = clean(grains[key])
    return grains


@mod.query
def item(ctx: Context, *args: str, **kwargs: Any) -> dict[str, Any]:
    """Return the named grains as ``{name: value}``; ``a:b`` paths reach nested values and a missing
    grain gets ``default`` (""). Keyword arguments: ``default``, ``delimiter``, ``sanitize``.

    CLI Example: ``saline-call --local grains.item os osrelease``
    """
    default = kwargs.get("default", "")
    delimiter = kwargs.get("delimiter", DEFAULT_DELIMITER)
    ret = {str(arg): traverse(ctx.grains, str(arg), default, delimiter) for arg in args}
    if _true(kwargs.get("sanitize", False)):
        for key, clean in _SANITIZERS.items():
            if key in ret:
                ret[key] = clean(ret[key])
    return ret


@mod.query
def get(ctx: Context, key: str, default: Any = "", delimiter: str = DEFAULT_DELIMITER,
        ordered: bool = True) -> Any:
    """Return the value of grain ``key``, or ``default`` ("") when it is not set.

    ``key`` may be a path into nested data: ``pkg:apache`` is ``grains['pkg']['apache']``, a
    number indexes a list (``ipv4:0``); ``delimiter`` replaces ``:`` for keys that contain colons.
    ``ordered`` is accepted for Salt compatibility (mappings always keep their order).

    CLI Example: ``saline-call --local grains.get dns:nameservers``,
    ``saline-call --local grains.get 'abc::def|ghi' delimiter='|'``
    """
    return copy.deepcopy(traverse(ctx.grains, str(key), default, delimiter))


@mod.query
def fetch(ctx: Context, key: str, default: Any = "", delimiter: str = DEFAULT_DELIMITER,
          ordered: bool = True) -> Any:
    """Same as ``grains.get`` (a name that reads better in Jinja).

    CLI Example: ``saline-call --local grains.fetch os``
    """
    return get(ctx, key, default, delimiter, ordered)


@mod.query
def has_value(ctx: Context, key: str) -> bool:
    """Return whether grain ``key`` (a ``:`` path allowed) exists, whatever its value.

    CLI Example: ``saline-call --local grains.has_value pkg:apache``
    """
    return traverse(ctx.grains, str(key), _MISSING) is not _MISSING


@mod.query
def ls(ctx: Context) -> list[str]:
    """Return the sorted names of all grains.

    CLI Example: ``saline-call --local grains.ls``
    """
    return sorted(ctx.grains, key=str)


@mod.query
def equals(ctx: Context, key: str, value: Any) -> bool:
    """Return whether grain ``key`` equals ``value`` (both compared as text).

    CLI Example: ``saline-call --local grains.equals osmajorrelease 12``
    """
    return str(value) == str(get(ctx, key))


@mod.query
def filter_by(ctx: Context, lookup_dict: Any, grain: str = "os_family", merge: Any = None,
              default: str = "default", base: Any = None) -> Any:
    """Pick the entry of ``lookup_dict`` whose key matches this minion's ``grain`` value.

    Keys may be shell globs; when the grain is a list, its first item that matches wins. Without a
    match the ``default`` key ("default") is used, else the result is None. With ``base``, the
    ``lookup_dict[base]`` mapping is the starting point the match is merged over; ``merge`` (e.g.
    pillar data) is merged over the result last.

    Jinja: ``{% set apache = salt['grains.filter_by']({'Debian': {'pkg': 'apache2'},
    'RedHat': {'pkg': 'httpd'}}, default='Debian') %}``

    CLI Example: ``saline-call --local grains.filter_by '{Debian: Debheads rule, RedHat: I love my hat}'``
    """
    return filter_lookup(lookup_dict, grain, ctx.grains, merge, default, base)


def filter_lookup(lookup_dict: Any, lookup: str, data: Mapping[str, Any], merge: Any = None,
                  default: str = "default", base: Any = None) -> Any:
    """The shared logic of ``grains.filter_by`` and ``pillar.filter_by`` (``data`` is searched)."""
    if not isinstance(lookup_dict, Mapping):
        raise SaltInvocationError("filter_by lookup_dict must be a dictionary")
    value = traverse(data, lookup, [])
    ret = None
    for each in value if isinstance(value, list) else [value]:
        for key in lookup_dict:
            if fnmatch.fnmatchcase(str(each), str(key)):
                ret = lookup_dict[key]
                break
        if ret is not None:
            break
    if ret is None:
        ret = lookup_dict.get(default)
    if base and base in lookup_dict:
        base_values = lookup_dict[base]
        if ret is None:
            ret = base_values
        elif isinstance(base_values, Mapping):
            if not isinstance(ret, Mapping):
                raise SaltInvocationError("filter_by default and look-up values must both be dictionaries.")
            ret = dictupdate.update(copy.deepcopy(dict(base_values)), ret)
    if merge:
        if not isinstance(merge, Mapping):
            raise SaltInvocationError("filter_by merge argument must be a dictionary.")
        if ret is None:
            ret = merge
        elif isinstance(ret, dict):
            dictupdate.update(ret, copy.deepcopy(dict(merge)))
        else:
            raise SaltInvocationError("filter_by merge needs the looked-up value to be a dictionary.")
    return ret


# ---- writers ------------------------------------------------------------------------------

def _load_file(path: str) -> dict[str, Any] | str:
    """The grains file's mapping ({} when absent or not a mapping), or Salt's error text."""
    from saline.yamlload import safe_load

    try:
        with open(path, encoding="utf-8") as fh:
            data = safe_load(fh.read())
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise CommandExecutionError(f"Unable to read grains file {path}: {exc.strerror}") from None
    except Exception as exc:  # YAML errors
        return f"Unable to read existing grains file: {exc}"
    return data if isinstance(data, dict) else {}


def _write_file(path: str, data: dict[str, Any]) -> None:
    """Write the grains file atomically (temp file + rename), keeping an existing file's mode."""
    import tempfile

    import yaml

    directory = os.path.dirname(path) or "."
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".grains.", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                yaml.safe_dump(data, fh, default_flow_style=False)
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise CommandExecutionError(f"Unable to write grains file {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise SaltInvocationError(f"grain values cannot be written as YAML: {exc}") from None


@mod.action
def setvals(ctx: Context, grains: Any, destructive: bool = False, refresh_pillar: bool = True) -> Any:
    """Set several static grains at once from a mapping and return that mapping.

    A value of None sets the grain to null, or with ``destructive=True`` removes it. The grains
    are written to the grains file and take effect immediately. ``refresh_pillar`` is accepted for
    Salt compatibility.

    CLI Example: ``saline-call --local grains.setvals "{'key1': 'val1', 'key2': 'val2'}"``
    """
    if not isinstance(grains, Mapping):
        raise SaltInvocationError("setvals grains must be a dictionary.")
    path = grains_file_path(ctx.opts)
    stored = _load_file(path)
    if isinstance(stored, str):
        return stored
    live = ctx.grains
    for key, value in grains.items():
        if value is None and _true(destructive):
            stored.pop(key, None)
            live.pop(key, None)
        else:
            stored[key] = copy.deepcopy(value)
            live[key] = copy.deepcopy(value)
    _write_file(path, stored)
    return dict(grains)


@mod.action
def setval(ctx: Context, key: str, val: Any, destructive: bool = False, refresh_pillar: bool = True) -> Any:
    """Set static grain ``key`` to ``val`` in the grains file; returns ``{key: val}``.

    CLI Example: ``saline-call --local grains.setval key val``,
    ``saline-call --local grains.setval key "{'sub-key': 'val', 'sub-key2': 'val2'}"``
    """
    return setvals(ctx, {key: val}, destructive, refresh_pillar)


def _rebuild_parents(ctx: Context, key: str, value: Any, delimiter: str, create: bool) -> tuple[str, Any]:
    """Put ``value`` at the nested path ``key`` and return (top-level key, its new whole value)."""
    while delimiter in key:
        key, rest = key.rsplit(delimiter, 1)
        parent = copy.deepcopy(traverse(ctx.grains, key, {} if create else None, delimiter))
        if isinstance(parent, dict):
            parent[rest] = value
        value = parent
    return key, value


@mod.action
def append(ctx: Context, key: str, val: Any, convert: bool = False,
           delimiter: str = DEFAULT_DELIMITER) -> Any:
    """Append ``val`` (or each item of a list ``val``) to the list grain ``key``, creating it if needed.

    ``convert=True`` turns a non-list value into a list first. Nested keys use ``delimiter``.
    Returns ``{top-level key: new value}``, or a message when nothing was done.

    CLI Example: ``saline-call --local grains.append roles web``
    """
    current = copy.deepcopy(traverse(ctx.grains, key, [], delimiter))
    if _true(convert) and not isinstance(current, list):
        current = [] if current is None else [current]
    if not isinstance(current, list):
        return f"The key {key} is not a valid list"
    if val in current:
        return f"The val {val} was already in the list {key}"
    current.extend(val if isinstance(val, list) else [val])
    top, value = _rebuild_parents(ctx, key, current, delimiter, create=True)
    return setval(ctx, top, value)


@mod.action
def remove(ctx: Context, key: str, val: Any, delimiter: str = DEFAULT_DELIMITER) -> Any:
    """Remove ``val`` from the list grain ``key``; returns ``{top-level key: new value}`` or a message.

    CLI Example: ``saline-call --local grains.remove roles web``
    """
    current = copy.deepcopy(traverse(ctx.grains, key, [], delimiter))
    if not isinstance(current, list):
        return f"The key {key} is not a valid list"
    if val not in current:
        return f"The val {val} was not in the list {key}"
    current.remove(val)
    top, value = _rebuild_parents(ctx, key, current, delimiter, create=False)
    return setval(ctx, top, value)


@mod.action(name="set")
def set_(ctx: Context, key: str, val: Any = "", force: bool = False, destructive: bool = False,
         delimiter: str = DEFAULT_DELIMITER) -> dict[str, Any]:
    """Set grain ``key`` (nested paths allowed) to ``val``; returns ``{comment, changes, result}``.

    An existing list or dict, or a scalar replaced by a list or dict, is only overwritten with
    ``force=True``. With ``destructive=True`` and ``val`` None the key is removed.

    CLI Example: ``saline-call --local grains.set 'apps:myApp:port' 2209``
    """
    ret: dict[str, Any] = {"comment": "", "changes": {}, "result": True}
    force, destructive = _true(force), _true(destructive)
    existing = traverse(ctx.grains, key, _MISSING, delimiter)
    existing_complex = isinstance(existing, (dict, list))
    if existing is not _MISSING and existing == val and (val is not None or not destructive):
        ret["comment"] = "Grain is already set"
        return ret
    if existing is not None and existing is not _MISSING and not force:
        if existing_complex:
            ret["comment"] = f"The key '{key}' exists but is a dict or a list. Use 'force=True' to overwrite."
            ret["result"] = False
            return ret
        if isinstance(val, (dict, list)):
            ret["comment"] = (f"The key '{key}' exists and the given value is a dict or a list. "
                              "Use 'force=True' to overwrite.")
            ret["result"] = False
            return ret
    value: Any = copy.deepcopy(val)
    while delimiter in key:
        key, rest = key.rsplit(delimiter, 1)
        parent = copy.deepcopy(traverse(ctx.grains, key, {}, delimiter))
        if isinstance(parent, dict):
            if value is None and destructive:
                parent.pop(rest, None)
            else:
                parent[rest] = value
        elif isinstance(parent, list):
            updated = False
            for index, entry in enumerate(parent):
                if entry == rest:
                    parent[index] = {rest: value}
                    updated = True
                elif isinstance(entry, dict) and rest in entry:
                    entry[rest] = value
                    updated = True
            if not updated:
                parent.append({rest: value})
        elif parent == rest or force:
            parent = {rest: value}
        else:
            ret["comment"] = (f"The key '{key}' value is '{parent}', which is different from the provided "
                              f"key '{rest}'. Use 'force=True' to overwrite.")
            ret["result"] = False
            return ret
        value = parent
    result = setval(ctx, key, value, destructive=destructive)
    if isinstance(result, dict):
        ret["changes"] = result
    else:
        ret["comment"], ret["result"] = result, False
    return ret


@mod.action
def delval(ctx: Context, key: str, destructive: bool = False, force: bool = False) -> dict[str, Any]:
    """Set grain ``key`` to None in the grains file, or remove it with ``destructive=True``.

    Like ``grains.set``: a list or dict value needs ``force=True``. Returns ``{comment, changes, result}``.

    CLI Example: ``saline-call --local grains.delval key``
    """
    return set_(ctx, key, None, force=force, destructive=destructive)


@mod.action
def delkey(ctx: Context, key: str, force: bool = False) -> dict[str, Any]:
    """Remove grain ``key`` from the grains file and from the grains (``delval`` destructive).

    CLI Example: ``saline-call --local grains.delkey key``
    """
    return delval(ctx, key, destructive=True, force=force)
