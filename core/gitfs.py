"""The gitfs fileserver backend: branches and tags of git remotes served as saltenvs.

Salt's rules (``gitfs_*`` options, per-remote and per-saltenv parameters):

- a branch or tag is the saltenv of the same name; the ``base`` branch (``gitfs_base``, default
  ``master``, or the remote's ``base``) is the saltenv ``base`` and is not served under its own name;
  with ``sha`` in ``ref_types`` any commit id (7 to 40 hex digits) is a saltenv too (not listed);
- ``root`` serves a sub-directory of the repository, ``mountpoint`` places the files under a
  ``salt://`` prefix; ``saltenv: [{dev: [{ref: develop}, {root: x}, {mountpoint: y}]}]`` maps one
  saltenv to a ref with its own root/mountpoint; ``all_saltenvs: REF`` serves REF for every saltenv;
  ``disable_saltenv_mapping`` serves only ``base`` and mapped saltenvs; ``fallback: REF`` serves REF
  when a saltenv is missing from the remote;
- ``gitfs_saltenv_whitelist``/``blacklist`` (names, globs or regexes) restrict the saltenvs;
- several remotes are searched in order: the first remote holding a path wins.

Serving never touches the network: it reads the refs fetched last (:class:`saline.gitrepo.GitMirror`).
Paths are confined to the tree of the ref (and its ``root``): ``..``, absolute paths and symlinks
leading out of the root are absent, never errors that reveal anything.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import posixpath
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from saline.errors import CommandExecutionError, ConfigError, SaltInvocationError
from saline.fileclient_local import check_saltenv, normalize_relpath, split_url
from saline.gitrepo import GitMirror, cache_key, check_url, public_url

log = logging.getLogger(__name__)

REF_TYPES = ("branch", "tag", "sha")
_LINK_MODE = "120000"
_MAX_LINKS = 16
VIEW_CACHE = 64  # views kept in memory (all remotes): about the saltenvs in use


# ---- configuration -------------------------------------------------------------------------------


def split_entry(entry: Any, option: str) -> tuple[str, dict[str, Any]]:
    """``(text, params)`` of a remote entry: ``"text"`` or ``{"text": [{param: value}, ...]}``."""
    if isinstance(entry, str):
        return entry.strip(), {}
    if isinstance(entry, Mapping) and len(entry) == 1:
        text, raw = next(iter(entry.items()))
        params: dict[str, Any] = {}
        items = raw if isinstance(raw, list) else [raw] if isinstance(raw, Mapping) else None
        if items is None and raw is not None:
            raise ConfigError(f"{option}: the parameters of {text!r} must be a list of 'key: value' items")
        for item in items or []:
            if not isinstance(item, Mapping):
                raise ConfigError(f"{option}: the parameters of {text!r} must be a list of 'key: value' items")
            params.update({str(k): v for k, v in item.items()})
        return str(text).strip(), params
    raise ConfigError(f"{option}: each remote must be a URL or a mapping of a URL to its parameters, "
                      f"got {entry!r}")


def clean_relpath(value: Any, what: str) -> str:
    """A ``root``/``mountpoint`` value normalised (``salt://`` and slashes stripped); no ``..``."""
    if value is None:
        return ""
    text = str(value).strip()
    if text.startswith("salt://"):
        text = text[len("salt://"):]
    try:
        return normalize_relpath(text.strip("/"))
    except SaltInvocationError as exc:
        raise ConfigError(f"{what}: {exc}") from None


def ref_types_of(value: Any, what: str) -> tuple[str, ...]:
    types = [value] if isinstance(value, str) else list(value or [])
    bad = [t for t in types if t not in REF_TYPES]
    if bad or not types:
        raise ConfigError(f"{what}: ref_types must be a list of {', '.join(REF_TYPES)}, got {value!r}")
    return tuple(str(t) for t in types)


def expr_match(name: str, expr: str) -> bool:
    """Salt's whitelist matching: exact name, glob, or a regex matching the whole name."""
    if name == expr or fnmatch.fnmatchcase(name, expr):
        return True
    try:
        return re.fullmatch(expr, name) is not None
    except re.error:
        return False


def allowed(name: str, whitelist: list[str], blacklist: list[str]) -> bool:
    if whitelist and not any(expr_match(name, str(e)) for e in whitelist):
        return False
    return not any(expr_match(name, str(e)) for e in blacklist)


def bool_param(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
        return value.lower() in ("true", "yes")
    raise ConfigError(f"{what} must be true or false, got {value!r}")


# ---- views of one commit -------------------------------------------------------------------------


class View:
    """The files of ``commit`` under ``root``, placed under ``mountpoint``: path -> blob id."""

    def __init__(self, mirror: GitMirror, commit: str, root: str, mountpoint: str) -> None:
        tree = mirror.tree(commit)
        prefix = f"{root}/" if root else ""
        plain: dict[str, str] = {}
        links: dict[str, str] = {}
        for path, (mode, obj) in tree.files.items():
            if not path.startswith(prefix):
                continue
            rel = path[len(prefix):]
            if mode == _LINK_MODE:
                links[rel] = obj
            elif mode.startswith("100"):
                plain[rel] = obj
        files = dict(plain)
        for rel in links:
            target = _resolve_link(mirror, rel, plain, links)
            if target is not None:
                files[rel] = target
        dirs = {d[len(prefix):] for d in tree.dirs if d.startswith(prefix) and d != root}
        if mountpoint:
            files = {f"{mountpoint}/{p}": o for p, o in files.items()}
            dirs = {f"{mountpoint}/{d}" for d in dirs}
            parts = mountpoint.split("/")
            dirs.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        self.mirror = mirror
        self.commit = commit
        self.files = files
        self.dirs = dirs


_VIEWS: OrderedDict[tuple[str, str, str, str], View] = OrderedDict()
_VIEWS_LOCK = threading.Lock()


def cached_view(mirror: GitMirror, commit: str, root: str, mountpoint: str) -> View:
    """The :class:`View`, built once per (remote cache, commit, root, mountpoint): commits never change."""
    key = (mirror.basedir, commit, root, mountpoint)
    with _VIEWS_LOCK:
        view = _VIEWS.get(key)
        if view is not None:
            _VIEWS.move_to_end(key)
            return view
    view = View(mirror, commit, root, mountpoint)
    with _VIEWS_LOCK:
        _VIEWS[key] = view
        while len(_VIEWS) > VIEW_CACHE:
            _VIEWS.popitem(last=False)
    return view


def _resolve_link(mirror: GitMirror, rel: str, plain: dict[str, str], links: dict[str, str]) -> str | None:
    """The blob a symlink leads to inside the same root, or None (dangling, absolute, escaping, loop)."""
    seen: set[str] = set()
    current = rel
    for _ in range(_MAX_LINKS):
        if current in plain:
            return plain[current]
        if current not in links or current in seen:
            return None
        seen.add(current)
        try:
            target = mirror.read_blob(links[current]).decode()
        except (CommandExecutionError, UnicodeDecodeError):
            return None
        if target.startswith("/") or "\0" in target:
            return None
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(current), target))
        if joined == "." or joined == ".." or joined.startswith("../"):
            return None
        current = joined
    return None


# ---- one remote ----------------------------------------------------------------------------------

GITFS_PARAMS = frozenset({
    "name", "root", "mountpoint", "base", "saltenv", "ref_types", "all_saltenvs", "disable_saltenv_mapping",
    "fallback", "update_interval", "ssl_verify", "privkey", "pubkey",
})
SALTENV_PARAMS = frozenset({"ref", "root", "mountpoint"})


class GitRemote:
    """One configured ``gitfs_remotes`` entry and its mirror."""

    def __init__(self, entry: Any, opts: Mapping[str, Any], cachedir: str, option: str = "gitfs_remotes") -> None:
        url, params = split_entry(entry, option)
        try:
            self.url = check_url(url)
        except SaltInvocationError as exc:
            raise ConfigError(f"{option}: {exc}") from None
        where = f"{option}: remote {public_url(self.url)}"
        unknown = sorted(set(params) - GITFS_PARAMS)
        if unknown:
            raise ConfigError(f"{where}: invalid parameter(s) {', '.join(unknown)} "
                              f"(valid: {', '.join(sorted(GITFS_PARAMS))})")
        self.name = str(params.get("name") or "")
        self.root = clean_relpath(params.get("root", opts.get("gitfs_root")), f"{where}: root")
        self.mountpoint = clean_relpath(params.get("mountpoint", opts.get("gitfs_mountpoint")),
                                        f"{where}: mountpoint")
        self.base = str(params.get("base") or opts.get("gitfs_base") or "master")
        self.ref_types = ref_types_of(params.get("ref_types", opts.get("gitfs_ref_types") or REF_TYPES),
                                      f"{where}")
        self.all_saltenvs = str(params.get("all_saltenvs") or "")
        self.fallback = str(params.get("fallback") or opts.get("gitfs_fallback") or "")
        self.disable_mapping = bool_param(
            params.get("disable_saltenv_mapping", opts.get("gitfs_disable_saltenv_mapping", False)),
            f"{where}: disable_saltenv_mapping")
        interval = params.get("update_interval", opts.get("gitfs_update_interval", 60))
        if isinstance(interval, bool) or not isinstance(interval, int | float) or interval <= 0:
            raise ConfigError(f"{where}: update_interval must be a positive number of seconds, got {interval!r}")
        self.update_interval = float(interval)
        self.saltenvs = self._saltenv_map(params.get("saltenv", opts.get("gitfs_saltenv")), where)
        ssl_verify = bool_param(params.get("ssl_verify", opts.get("gitfs_ssl_verify", True)), f"{where}: ssl_verify")
        privkey = str(params.get("privkey", opts.get("gitfs_privkey")) or "")
        self.mirror = GitMirror(self.url, os.path.join(cachedir, cache_key(self.url, params)),
                                ssl_verify=ssl_verify, privkey=privkey)

    @staticmethod
    def _saltenv_map(value: Any, where: str) -> dict[str, dict[str, str]]:
        """``[{env: [{ref: x}, {root: y}, {mountpoint: z}]}]`` -> ``{env: {ref, root, mountpoint}}``."""
        out: dict[str, dict[str, str]] = {}
        items = [value] if isinstance(value, Mapping) else list(value or [])
        for item in items:
            if not isinstance(item, Mapping):
                raise ConfigError(f"{where}: saltenv must be a list of 'name: [params]' mappings, got {item!r}")
            for env, raw in item.items():
                _, params = split_entry({str(env): raw}, f"{where}: saltenv")
                bad = sorted(set(params) - SALTENV_PARAMS)
                if bad:
                    raise ConfigError(f"{where}: saltenv {env}: invalid parameter(s) {', '.join(bad)}")
                conf = {"ref": str(params["ref"])} if params.get("ref") else {}
                for key in ("root", "mountpoint"):
                    if key in params:
                        conf[key] = clean_relpath(params[key], f"{where}: saltenv {env}: {key}")
                out[str(env)] = conf
        return out

    @property
    def id(self) -> str:
        return self.name or public_url(self.url)

    def commit(self, ref: str) -> str | None:
        refs = self.mirror.refs
        for kind in self.ref_types:
            found = self.mirror.commit_of_sha(ref) if kind == "sha" else refs[kind].get(ref)
            if found:
                return found
        return None

    def ref_for(self, saltenv: str) -> str | None:
        conf = self.saltenvs.get(saltenv, {})
        if conf.get("ref"):
            return conf["ref"]
        if self.all_saltenvs:
            return self.all_saltenvs
        if saltenv == "base":
            return self.base
        if self.disable_mapping or saltenv == self.base:
            return None  # the base branch is served as `base` only (like Salt)
        return saltenv

    def resolve(self, saltenv: str) -> tuple[str, str, str] | None:
        """``(commit, root, mountpoint)`` serving ``saltenv`` from this remote, or None."""
        ref = self.ref_for(saltenv)
        commit = self.commit(ref) if ref else None
        if commit is None and self.fallback:
            commit = self.commit(self.fallback)
        if commit is None:
            return None
        conf = self.saltenvs.get(saltenv, {})
        return commit, conf.get("root", self.root), conf.get("mountpoint", self.mountpoint)

    def envs(self) -> set[str]:
        names: set[str] = set()
        refs = self.mirror.refs
        if not self.disable_mapping and not self.all_saltenvs:
            if "branch" in self.ref_types:
                names.update("base" if b == self.base else b for b in refs["branch"])
            if "tag" in self.ref_types:
                names.update("base" if t == self.base else t for t in refs["tag"])
        names.update(env for env in self.saltenvs if self.resolve(env))
        if self.resolve("base"):
            names.add("base")
        return {n for n in names if _plain(n)}


def _plain(name: str) -> bool:
    try:
        check_saltenv(name)
    except SaltInvocationError:
        return False  # a branch like feature/x cannot be asked for over the wire (docs/gitfs.md)
    return True


# ---- the backend ---------------------------------------------------------------------------------


class ViewFiles:
    """The file-client interface (``cache_file``, ``list_files``, ...) over ``views(saltenv)``, in order."""

    def views(self, saltenv: str) -> list[View]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def find(self, relpath: str, saltenv: str) -> tuple[GitMirror, str] | None:
        """``(mirror, blob id)`` of the first remote serving ``relpath`` in ``saltenv``."""
        if not relpath:
            return None
        for view in self.views(saltenv):
            obj = view.files.get(relpath)
            if obj is not None:
                return view.mirror, obj
        return None

    # ---- file-client interface ----------------------------------------------------------------

    def cache_file(self, url: str, saltenv: str = "base") -> str | None:
        relpath, env = split_url(url, saltenv)
        found = self.find(relpath, env)
        return found[0].blob_path(found[1]) if found else None

    def get_bytes(self, url: str, saltenv: str = "base") -> bytes | None:
        path = self.cache_file(url, saltenv)
        if path is None:
            return None
        with open(path, "rb") as fh:
            return fh.read()

    def get_text(self, url: str, saltenv: str = "base") -> str | None:
        data = self.get_bytes(url, saltenv)
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CommandExecutionError(f"{url} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None

    def hash_file(self, url: str, saltenv: str = "base") -> dict[str, str] | None:
        relpath, env = split_url(url, saltenv)
        found = self.find(relpath, env)
        if found is None:
            return None
        return {"hsum": found[0].blob_sha256(found[1]), "hash_type": "sha256"}

    def _listing(self, saltenv: str, prefix: str, dirs: bool) -> list[str]:
        prefix = normalize_relpath(prefix) if prefix else ""
        out: set[str] = set()
        for view in self.views(saltenv):
            out.update(view.dirs if dirs else view.files)
        return sorted(p for p in out if p.startswith(prefix))

    def list_files(self, saltenv: str = "base", prefix: str = "") -> list[str]:
        return self._listing(saltenv, prefix, dirs=False)

    def list_dirs(self, saltenv: str = "base", prefix: str = "") -> list[str]:
        return self._listing(saltenv, prefix, dirs=True)


class ViewClient(ViewFiles):
    """Fixed views per saltenv (git pillar: one remote's ref, then the others of the same env)."""

    def __init__(self, views: dict[str, list[View]]) -> None:
        self._by_env = views

    def views(self, saltenv: str) -> list[View]:
        check_saltenv(saltenv)
        return list(self._by_env.get(saltenv, []))

    def envs(self) -> list[str]:
        return sorted(self._by_env)


class GitFS(ViewFiles):
    """The ``gitfs`` backend with the file-client interface (``cache_file``, ``list_files``, ...)."""

    def __init__(self, opts: Mapping[str, Any], *, remotes_option: str = "gitfs_remotes",
                 role: str = "gitfs") -> None:
        self.opts = opts
        cachedir = os.path.join(str(opts.get("cachedir") or "."), role)
        entries = opts.get(remotes_option) or []
        if not isinstance(entries, list):
            raise ConfigError(f"{remotes_option} must be a list of remotes")
        self.remotes = [GitRemote(e, opts, cachedir, remotes_option) for e in entries]
        self.whitelist = _names(opts.get("gitfs_saltenv_whitelist") or opts.get("gitfs_env_whitelist"))
        self.blacklist = _names(opts.get("gitfs_saltenv_blacklist") or opts.get("gitfs_env_blacklist"))

    # ---- fetching -----------------------------------------------------------------------------

    def update(self, remotes: list[str] | None = None) -> dict[str, bool | None]:
        """Fetch now; ``{remote id: True (changed) | False (unchanged) | None (failed)}``."""
        out: dict[str, bool | None] = {}
        for remote in self.remotes:
            if remotes and remote.id not in remotes and remote.url not in remotes:
                continue
            try:
                out[remote.id] = remote.mirror.fetch()
            except CommandExecutionError:
                out[remote.id] = None
        return out

    def update_due(self) -> None:
        """Fetch the remotes whose ``update_interval`` has passed (the master's background thread)."""
        now = time.monotonic()
        for remote in self.remotes:
            if not remote.mirror.last_fetch or now - remote.mirror.last_fetch >= remote.update_interval:
                try:
                    remote.mirror.fetch()
                except CommandExecutionError:
                    pass  # logged; the previous refs keep being served

    def next_due(self) -> float:
        """Seconds until a remote is due for a fetch."""
        now = time.monotonic()
        waits = [max(0.0, r.mirror.last_fetch + r.update_interval - now) for r in self.remotes]
        return min(waits) if waits else 60.0

    def close(self) -> None:
        for remote in self.remotes:
            remote.mirror.close()

    # ---- lookup -------------------------------------------------------------------------------

    def _view(self, remote: GitRemote, saltenv: str) -> View | None:
        if not allowed(saltenv, self.whitelist, self.blacklist):
            return None
        found = remote.resolve(saltenv)
        if found is None:
            return None
        return cached_view(remote.mirror, *found)

    def views(self, saltenv: str) -> list[View]:
        check_saltenv(saltenv)
        return [v for v in (self._view(r, saltenv) for r in self.remotes) if v is not None]

    def envs(self) -> list[str]:
        names: set[str] = set()
        for remote in self.remotes:
            names |= remote.envs()
        return sorted(n for n in names if allowed(n, self.whitelist, self.blacklist))


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in ([value] if isinstance(value, str) else value)]
