"""Module ``hosts``: read and edit the hosts file (``/etc/hosts``, or option ``hosts.file``).

Every function takes ``hosts_file=`` too, so a caller (or a test) can work on another file.
Rewrites follow Salt's layout: one line per address, ``ip<TAB><TAB>aliases[<TAB><TAB># comment]``,
comment lines kept, blank lines and duplicate address lines merged away. Files are replaced atomically.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module

mod = Module("hosts", doc="Read and edit the hosts file.")

DEFAULT_FILE = "/etc/hosts"

Entries = dict[str, Any]  # "ip" -> {"aliases": [...], "comment"?: str}; "comment-N" -> [line]


def _file(ctx: Context, hosts_file: Any) -> str:
    return str(hosts_file or ctx.opts.get("hosts.file") or DEFAULT_FILE)


def parse(text: str) -> Entries:
    """Hosts-file text as Salt's ``list_hosts`` structure (addresses merged, comments numbered)."""
    entries: Entries = {}
    comments = 0
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            entries[f"comment-{comments}"] = [stripped]
            comments += 1
            continue
        body, sep, comment = stripped.partition("#")
        fields = body.split()
        if not fields:
            continue
        entry = entries.setdefault(fields[0], {"aliases": []})
        entry["aliases"].extend(a for a in fields[1:] if a not in entry["aliases"])
        if sep and comment.strip():
            entry["comment"] = comment.strip()
    return entries


def render(entries: Entries) -> str:
    lines = []
    for key, entry in entries.items():
        if key.startswith("comment-"):
            lines.extend(entry)
            continue
        if not entry["aliases"]:
            continue
        line = f"{key}\t\t{' '.join(entry['aliases'])}"
        if entry.get("comment"):
            line += f"\t\t# {entry['comment']}"
        lines.append(line)
    return "".join(f"{line}\n" for line in lines)


def _load(path: str) -> Entries:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return parse(fh.read())
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise CommandExecutionError(f"Cannot read {path}: {exc.strerror}") from None


def _save(path: str, entries: Entries) -> None:
    from saline.atomic import atomic_write

    try:
        atomic_write(path, render(entries))
    except OSError as exc:
        raise CommandExecutionError(f"Cannot write {path}: {exc.strerror}") from None


def _address(ip: Any) -> str:
    try:
        ipaddress.ip_address(str(ip).split("%", 1)[0])
    except ValueError:
        raise SaltInvocationError(f"'{ip}' is not an IPv4 or IPv6 address") from None
    return str(ip)


def _hosts(entries: Entries) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in entries.items() if not k.startswith("comment-")}


@mod.query
def list_hosts(ctx: Context, hosts_file: Any = None) -> Entries:
    """Return the hosts file as ``{ip: {aliases: [...], comment?: ...}, comment-N: [line]}``.

    CLI Example: ``saline-call --local hosts.list_hosts``
    """
    return _load(_file(ctx, hosts_file))


@mod.query
def get_ip(ctx: Context, host: str, hosts_file: Any = None) -> str:
    """Return the first address listed for name ``host`` (``""`` when there is none).

    CLI Example: ``saline-call --local hosts.get_ip localhost``
    """
    for ip, entry in _hosts(_load(_file(ctx, hosts_file))).items():
        if str(host) in entry["aliases"]:
            return ip
    return ""


@mod.query
def get_alias(ctx: Context, ip: str, hosts_file: Any = None) -> list[str]:
    """Return the names listed for address ``ip`` (``[]`` when there are none).

    CLI Example: ``saline-call --local hosts.get_alias 127.0.0.1``
    """
    entry = _hosts(_load(_file(ctx, hosts_file))).get(str(ip))
    return list(entry["aliases"]) if entry else []


@mod.query
def has_pair(ctx: Context, ip: str, alias: str, hosts_file: Any = None) -> bool:
    """Return True when name ``alias`` is listed for address ``ip``.

    CLI Example: ``saline-call --local hosts.has_pair 127.0.0.1 localhost``
    """
    return str(alias) in get_alias(ctx, ip, hosts_file)


@mod.action
def set_host(ctx: Context, ip: str, alias: str, comment: Any = None, hosts_file: Any = None) -> bool:
    """Make ``alias`` (space-separated names) the only names of ``ip``; an empty alias removes the
    address. ``comment`` sets its trailing comment.

    CLI Example: ``saline-call --local hosts.set_host 10.0.0.5 'db db.example.com'``
    """
    path = _file(ctx, hosts_file)
    entries = _load(path)
    key = _address(ip)
    names = str(alias or "").split()
    if names:
        entries[key] = {"aliases": names}
        if comment:
            entries[key]["comment"] = str(comment)
    else:
        entries.pop(key, None)
    _save(path, entries)
    return True


@mod.action
def add_host(ctx: Context, ip: str, alias: str, hosts_file: Any = None) -> bool:
    """Add name ``alias`` to address ``ip`` (creating the line when needed).

    CLI Example: ``saline-call --local hosts.add_host 10.0.0.5 db2``
    """
    path = _file(ctx, hosts_file)
    entries = _load(path)
    key = _address(ip)
    entry = entries.setdefault(key, {"aliases": []})
    entry["aliases"].extend(a for a in str(alias).split() if a not in entry["aliases"])
    _save(path, entries)
    return True


@mod.action
def rm_host(ctx: Context, ip: str, alias: str, hosts_file: Any = None) -> bool:
    """Remove name ``alias`` from address ``ip``; the line goes when it has no names left.

    CLI Example: ``saline-call --local hosts.rm_host 10.0.0.5 db2``
    """
    path = _file(ctx, hosts_file)
    entries = _load(path)
    entry = _hosts(entries).get(str(ip))
    if not entry or str(alias) not in entry["aliases"]:
        return True
    entry["aliases"].remove(str(alias))
    _save(path, entries)
    return True


@mod.action
def set_comment(ctx: Context, ip: str, comment: str, hosts_file: Any = None) -> bool:
    """Set the trailing comment of address ``ip``'s line; False when the address is not listed.

    CLI Example: ``saline-call --local hosts.set_comment 10.0.0.5 'database server'``
    """
    path = _file(ctx, hosts_file)
    entries = _load(path)
    entry = _hosts(entries).get(str(ip))
    if not entry:
        return False
    entry["comment"] = str(comment)
    _save(path, entries)
    return True
