"""apt source lists for the ``pkg`` module: ``list_repos``, ``get_repo``, ``mod_repo``, ``del_repo``.

Paths come from apt's own configuration (``apt-config dump``: ``Dir::Etc::sourcelist``,
``Dir::Etc::sourceparts``, ``Dir::Etc::trustedparts``), so an ``APT_CONFIG`` pointing elsewhere is
honoured. Files are rewritten atomically.
"""

from __future__ import annotations

import glob
import os
import re
from typing import Any

from saline.atomic import atomic_write
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context
from saline.modules.pkg_apt import _run, mod

_LINE_RE = re.compile(r"^\s*(#\s*)?(deb|deb-src)\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)(.*)$")


def apt_paths() -> dict[str, str]:
    """Where apt reads source lists and trusted keys, as apt itself is configured."""
    res = _run(["apt-config", "dump"], check=False)
    config: dict[str, str] = {}
    for line in res["stdout"].splitlines():
        match = re.match(r'^(\S+)\s+"(.*)";$', line)
        if match:
            config[match.group(1)] = match.group(2)

    def resolve(*keys: str) -> str:
        # apt composes Dir + Dir::Etc + leaf unless the leaf is absolute
        path = ""
        for key in keys:
            value = config.get(key, "")
            path = value if value.startswith("/") else os.path.join(path, value)
        return path

    return {
        "sourcelist": resolve("Dir", "Dir::Etc", "Dir::Etc::sourcelist") or "/etc/apt/sources.list",
        "sourceparts": resolve("Dir", "Dir::Etc", "Dir::Etc::sourceparts") or "/etc/apt/sources.list.d",
        "trustedparts": resolve("Dir", "Dir::Etc", "Dir::Etc::trustedparts") or "/etc/apt/trusted.gpg.d",
    }


def parse_line(line: str) -> dict[str, Any] | None:
    """One-line-style apt source entry -> Salt's repo dict, or None for other lines."""
    match = _LINE_RE.match(line)
    if not match:
        return None
    disabled, kind, options, uri, dist, comps = match.groups()
    opts = {}
    for part in (options or "").strip()[1:-1].split():
        key, _, value = part.partition("=")
        opts[key] = value
    entry: dict[str, Any] = {
        "type": kind, "uri": uri.rstrip("/"), "dist": dist, "comps": comps.split(),
        "disabled": bool(disabled),
        "architectures": opts.get("arch", "").split(",") if opts.get("arch") else [],
        "line": _normalise(line),
    }
    if "signed-by" in opts:
        entry["signedby"] = opts["signed-by"]
    if "trusted" in opts:
        entry["trusted"] = opts["trusted"]
    return entry


def _normalise(line: str) -> str:
    return " ".join(line.strip().lstrip("#").split())


def _source_files() -> list[str]:
    paths = apt_paths()
    return [paths["sourcelist"], *sorted(glob.glob(os.path.join(paths["sourceparts"], "*.list")))]


@mod.query
def list_repos(ctx: Context, **kwargs: Any) -> dict[str, list[dict[str, Any]]]:
    """Every configured apt source, grouped by URI: ``{uri: [{file, type, dist, comps, line, ...}]}``.

    CLI Example: ``saline-call --local pkg.list_repos``
    """
    repos: dict[str, list[dict[str, Any]]] = {}
    for path in _source_files():
        try:
            with open(path, encoding="utf-8") as fh:
                lines = fh.read().splitlines()
        except OSError:
            continue
        for line in lines:
            entry = parse_line(line)
            if entry:
                entry["file"] = path
                repos.setdefault(entry["uri"], []).append(entry)
    return repos


def _find(repo: str) -> dict[str, Any]:
    wanted = parse_line(repo)
    if wanted is None:
        raise SaltInvocationError(f"'{repo}' is not an apt source line like 'deb URI DIST [COMPONENTS]'")
    for entries in list_repos(None).values():  # type: ignore[arg-type]
        for entry in entries:
            if _same(entry, wanted):
                return entry
    return {}


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("type", "uri", "dist")
    return all(a[k] == b[k] for k in keys) and sorted(a["comps"]) == sorted(b["comps"])


@mod.query
def get_repo(ctx: Context, repo: str, **kwargs: Any) -> dict[str, Any]:
    """The configured entry matching source line ``repo`` (``{}`` when there is none).

    CLI Example: ``saline-call --local pkg.get_repo 'deb http://deb.debian.org/debian bookworm main'``
    """
    return _find(str(repo))


def _read_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read().splitlines()
    except FileNotFoundError:
        return []


def _default_file(repo: str) -> str:
    """Salt's default when ``file`` is not given: the main sources.list."""
    return apt_paths()["sourcelist"]


def _install_key(ctx: Context, key_url: str, name: str) -> str:
    """Fetch an armored or binary OpenPGP key into apt's trusted parts; return its path."""
    if key_url.startswith("salt://"):
        local = ctx.fileclient.cache_file(key_url)
        if not local:
            raise CommandExecutionError(f"key_url {key_url} was not found on the file server")
    elif key_url.startswith("file://") or key_url.startswith("/"):
        local = key_url.removeprefix("file://")
    else:
        import urllib.request

        try:
            with urllib.request.urlopen(key_url, timeout=30) as resp:
                data = resp.read()
        except OSError as exc:
            raise CommandExecutionError(f"cannot fetch key_url {key_url}: {exc}") from None
        local = None
    if local is not None:
        try:
            with open(local, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise CommandExecutionError(f"cannot read key {local}: {exc.strerror}") from None
    armored = data.lstrip().startswith(b"-----BEGIN PGP PUBLIC KEY BLOCK-----")
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")[:80] or "saline"
    target = os.path.join(apt_paths()["trustedparts"], f"saline-{slug}.{'asc' if armored else 'gpg'}")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    atomic_write(target, data, mode="0644")
    return target


@mod.action
def mod_repo(ctx: Context, repo: str, file: str | None = None, disabled: bool = False,
             clean_file: bool = False, key_url: str | None = None, refresh: bool = True,
             refresh_db: bool | None = None, **kwargs: Any) -> dict[str, Any]:
    """Add or update apt source ``repo`` (a full ``deb ...`` line) in ``file``; return the entry.

    ``clean_file`` replaces the file's contents with just this line; ``key_url`` (salt://, file or
    http(s)) installs the signing key; ``refresh`` runs apt-get update afterwards.

    CLI Example:
    ``saline-call --local pkg.mod_repo "deb file:/srv/repo ./" file=/etc/apt/sources.list.d/x.list``
    """
    entry = parse_line(str(repo))
    if entry is None:
        raise SaltInvocationError(f"'{repo}' is not an apt source line like 'deb URI DIST [COMPONENTS]'")
    path = str(file) if file else _default_file(str(repo))
    if not os.path.isabs(path):
        raise SaltInvocationError(f"file must be an absolute path, not '{path}'")
    if key_url:
        _install_key(ctx, str(key_url), str(repo))
    line = ("# " if disabled else "") + _normalise(str(repo))
    lines = [] if clean_file else _read_lines(path)
    replaced = False
    for index, existing in enumerate(lines):
        current = parse_line(existing)
        if current and _same(current, entry):
            lines[index] = line
            replaced = True
    if not replaced:
        lines.append(line)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    atomic_write(path, "\n".join(lines) + "\n", mode="0644")
    if refresh_db if refresh_db is not None else refresh:
        from saline.modules.pkg_apt import refresh_db as do_refresh

        do_refresh(ctx)
    return {str(repo): {**entry, "file": path, "disabled": bool(disabled)}}


@mod.action
def del_repo(ctx: Context, repo: str, **kwargs: Any) -> str:
    """Remove source line ``repo`` from every file holding it (a file left empty is deleted).

    CLI Example: ``saline-call --local pkg.del_repo 'deb [trusted=yes] file:/srv/repo ./'``
    """
    wanted = parse_line(str(repo))
    if wanted is None:
        raise SaltInvocationError(f"'{repo}' is not an apt source line like 'deb URI DIST [COMPONENTS]'")
    touched = []
    for path in _source_files():
        lines = _read_lines(path)
        kept = [ln for ln in lines if not ((p := parse_line(ln)) and _same(p, wanted))]
        if len(kept) == len(lines):
            continue
        touched.append(path)
        if any(ln.strip() for ln in kept) or path == apt_paths()["sourcelist"]:
            atomic_write(path, "\n".join(kept) + ("\n" if kept else ""), mode="0644")
        else:
            os.unlink(path)
    if not touched:
        raise CommandExecutionError(f"Repo {repo} doesn't exist in the sources.list(s)")
    return f"Repo '{repo}' has been removed from {', '.join(touched)}.\n"
