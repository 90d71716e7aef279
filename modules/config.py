"""Module ``config``: look up settings the way Salt modules do — options, then grains, then pillar.

``config.get`` searches, in order: the minion options (``grains:`` and ``pillar:`` paths reach
the grains and the pillar), the grains, the pillar, the master options carried in the pillar
(``pillar["master"]``, present with ``pillar_opts``) and a few built-in module defaults; the first
hit wins. ``sdb://`` values are returned as they are (Saline has no sdb).
"""

from __future__ import annotations

import copy
import fnmatch
import logging
import urllib.parse
from collections.abc import Mapping
from typing import Any

from saline.data import traverse
from saline.loader import Context, Module

mod = Module("config", doc="Read configuration values from options, grains and pillar.")
log = logging.getLogger(__name__)

DEFAULT_DELIMITER = ":"
_MISSING = object()

# Defaults of module options that Salt's config lookups fall back to.
DEFAULTS: dict[str, Any] = {
    "test.foo": "unconfigured",
    "ca.cert_base_path": "/etc/pki",
    "hosts.file": "/etc/hosts",
    "aliases.file": "/etc/aliases",
    "docker.exec_driver": "docker-exec",
    "docker.compare_container_networks": {
        "static": ["Aliases", "Links", "IPAMConfig"],
        "automatic": ["IPAddress", "Gateway", "GlobalIPv6Address", "IPv6Gateway"],
    },
}

# salt:// and file:// plus the remote protocols a source URL may use
VALID_PROTOS = ("salt", "file", "http", "https", "ftp", "swift", "s3")


def _options(ctx: Context) -> dict[str, Any]:
    """The options as Salt's modules see them: ``grains`` and ``pillar`` hold the live data."""
    view = dict(ctx.opts)
    view["grains"] = ctx.grains
    view["pillar"] = ctx.pillar
    return view


def _master(ctx: Context) -> Mapping[str, Any]:
    master = ctx.pillar.get("master", {})
    return master if isinstance(master, Mapping) else {}


@mod.query
def get(ctx: Context, key: str, default: Any = "", delimiter: str = DEFAULT_DELIMITER,
        merge: str | None = None, omit_opts: bool = False, omit_grains: bool = False,
        omit_pillar: bool = False, omit_master: bool = False) -> Any:
    """Return the value of ``key`` from the options, grains, pillar or master options (first found).

    Nested keys are joined by ``:`` (or ``delimiter``). ``omit_opts``/``omit_grains``/
    ``omit_pillar``/``omit_master`` skip a source. With ``merge`` (``recurse`` or ``overwrite``),
    the matching values of every source are merged instead, options winning over grains over
    pillar over master options. Returns ``default`` (``""``) when nothing matches.

    CLI Example::

        saline-call config.get pkg:apache
        saline-call config.get web default=nginx
        saline-call config.get users merge=recurse
    """
    from saline.errors import SaltInvocationError

    if not isinstance(delimiter, str) or not delimiter:
        raise SaltInvocationError("delimiter must be a non-empty string")
    if merge is None:
        sources = [
            (omit_opts, lambda: _options(ctx)),
            (omit_grains, lambda: ctx.grains),
            (omit_pillar, lambda: ctx.pillar),
            (omit_master, lambda: _master(ctx)),
            (False, lambda: DEFAULTS),
        ]
        for omitted, source in sources:
            if omitted:
                continue
            found = traverse(source(), key, _MISSING, delimiter=delimiter)
            if found is not _MISSING:
                return found
        return default
    from saline.dictupdate import merge as merge_data

    if merge not in ("recurse", "overwrite"):
        log.warning("Unsupported merge strategy '%s'. Falling back to 'recurse'.", merge)
        merge = "recurse"
    lists = bool(ctx.opts.get("pillar_merge_lists", False))
    data: dict[str, Any] = copy.deepcopy(DEFAULTS)
    for source in (_master(ctx), ctx.pillar, ctx.grains, _options(ctx)):
        data = merge_data(data, source, strategy=merge, merge_lists=lists)
    found = traverse(data, key, _MISSING, delimiter=delimiter)
    return default if found is _MISSING else found


@mod.query
def option(ctx: Context, value: str, default: Any = None, omit_opts: bool = False, omit_grains: bool = False,
           omit_pillar: bool = False, omit_master: bool = False, omit_all: bool = False,
           wildcard: bool = False) -> Any:
    """Return the top-level setting ``value`` (no nesting) from options, grains, pillar, master, defaults.

    ``omit_all`` keeps only the built-in defaults. With ``wildcard=True``, ``value`` is a glob
    and a dict of every matching setting is returned (options win).

    CLI Example::

        saline-call config.option hosts.file
        saline-call config.option 'docker.*' wildcard=True
    """
    if omit_all:
        omit_opts = omit_grains = omit_pillar = omit_master = True
    if default is None:
        default = {} if wildcard else ""
    sources: list[tuple[bool, Any]] = [
        (omit_opts, lambda: ctx.opts),
        (omit_grains, lambda: ctx.grains),
        (omit_pillar, lambda: ctx.pillar),
        (omit_master, lambda: _master(ctx)),
    ]
    if not wildcard:
        for omitted, source in sources:
            data = None if omitted else source()
            if data is not None and value in data:
                return data[value]
        return DEFAULTS.get(value, default)
    found: dict[str, Any] = {}
    for omitted, source in reversed(sources):  # lowest priority first, so options win
        if not omitted:
            data = source()
            found.update({key: data[key] for key in fnmatch.filter([str(k) for k in data], value)})
    for key in fnmatch.filter(list(DEFAULTS), value):
        found.setdefault(key, DEFAULTS[key])
    return found or default


@mod.query
def merge(ctx: Context, value: str, default: Any = "", omit_opts: bool = False, omit_master: bool = False,
          omit_pillar: bool = False) -> Any:
    """Return the top-level setting ``value`` merged from options, master options and pillar.

    Dicts are combined (options win), lists concatenated (options first); a string found first is
    returned as is.

    CLI Example::

        saline-call config.merge schedule
    """
    result: Any = None
    sources = [(omit_opts, ctx.opts), (omit_master, _master(ctx)), (omit_pillar, ctx.pillar)]
    for omitted, data in sources:
        if omitted or value not in data:
            continue
        found = data[value]
        if result is None:
            result = copy.deepcopy(found)
            if isinstance(result, str):
                return result
        elif isinstance(result, dict) and isinstance(found, dict):
            result = {**found, **result}
        elif isinstance(result, list | tuple) and isinstance(found, list | tuple):
            result = list(result) + list(found)
    if result is None:
        return DEFAULTS.get(value, default)
    return result


@mod.query
def items(ctx: Context) -> dict[str, Any]:
    """Return every option of this minion (defaults included), with its grains and pillar.

    CLI Example::

        saline-call config.items
    """
    return _options(ctx)


@mod.query
def valid_fileproto(ctx: Context, uri: str) -> bool:
    """Return True when ``uri`` uses a protocol a file source may use (salt, file, http(s), ftp, swift, s3).

    CLI Example::

        saline-call config.valid_fileproto salt://path/to/file
    """
    return urllib.parse.urlparse(str(uri)).scheme in VALID_PROTOS


@mod.query
def dot_vals(ctx: Context, value: str) -> dict[str, Any]:
    """Return every option (and master option) named ``<value>.<something>``.

    CLI Example::

        saline-call config.dot_vals docker
    """
    prefix = f"{value}."
    found = {key: val for key, val in _master(ctx).items() if str(key).startswith(prefix)}
    found.update({key: val for key, val in ctx.opts.items() if str(key).startswith(prefix)})
    return found


@mod.query
def backup_mode(ctx: Context, backup: str = "") -> Any:
    """Return ``backup`` when given, else the ``backup_mode`` setting (``""`` when unset).

    CLI Example::

        saline-call config.backup_mode
    """
    if backup:
        return backup
    return option(ctx, "backup_mode")


@mod.query
def manage_mode(ctx: Context, mode: Any) -> str | None:
    """Return a file mode as a string of at least four digits with a leading zero (``644`` -> ``0644``).

    CLI Example::

        saline-call config.manage_mode 644
    """
    if mode is None:
        return None
    text = str(mode).replace("0o", "0").strip("\"'")
    return text.lstrip("0").zfill(4)
