"""git pillar: ``ext_pillar: [{git: ["BRANCH URL", {"BRANCH URL": [{root: x}, {env: y}]}, ...]}]``.

Salt's rules, as documented for ``salt.pillar.git_pillar``:

- each entry is ``BRANCH URL`` (or just ``URL``: ``git_pillar_branch``, default ``master``); the branch
  ``git_pillar_base`` (default ``master``, or the remote's ``base``) is the pillar environment ``base``,
  any other branch or tag the environment of the same name, unless ``env`` (or ``git_pillar_env``)
  names one; ``__env__`` as branch follows the minion's pillarenv/saltenv (``base`` -> the base branch);
- every remote is compiled on its own, like a ``pillar_roots`` directory of its environment, from its own
  ``top.sls`` (under ``root``/``git_pillar_root``; ``mountpoint`` places files under a prefix), with the
  same renderers as pillar_roots; with ``git_pillar_includes`` (default true) an SLS may include files
  of the other remotes of the same environment;
- the remotes' pillars are merged in order, then merged over the pillar_roots pillar, both with
  ``pillar_source_merging_strategy``; with ``pillarenv`` set, only remotes of that environment count.

Remotes are fetched by the master's refresh thread (``git_pillar_update_interval``) and by
``saline-run git_pillar.update``; a compile never waits for the network except for a remote that was
never fetched. Without a master (``saline-call --local``) every compile fetches first, like Salt.
Each remote has its own cache directory, a hash of URL, branch and parameters (CVE-2023-20898).
"""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
import time
from collections.abc import Mapping
from typing import Any

from saline.errors import CommandExecutionError, ConfigError, SaltInvocationError

log = logging.getLogger(__name__)

PARAMS = frozenset({"name", "root", "env", "base", "mountpoint", "all_saltenvs", "fallback", "ssl_verify",
                    "privkey", "pubkey"})
_REGISTRY: dict[str, GitPillar] = {}
_REGISTRY_LOCK = threading.Lock()


class PillarRemote:
    """One ``git`` ext_pillar entry: a branch (or ``__env__``) of a URL, and its mirror."""

    def __init__(self, entry: Any, opts: Mapping[str, Any], cachedir: str, item: int = 0) -> None:
        from saline.gitfs import bool_param, clean_relpath, split_entry
        from saline.gitrepo import GitMirror, cache_key, check_url, public_url

        text, params = split_entry(entry, "ext_pillar git")
        words = text.split()
        if len(words) == 1:
            words = [str(opts.get("git_pillar_branch") or "master"), words[0]]
        if len(words) != 2:
            raise ConfigError(f"ext_pillar git: {text!r} must be 'BRANCH URL' (per-remote parameters go in a "
                              f"list under it, e.g. '- root: pillar')")
        self.branch, url = words
        try:
            self.url = check_url(url)
        except SaltInvocationError as exc:
            raise ConfigError(f"ext_pillar git: {exc}") from None
        where = f"ext_pillar git: remote '{self.branch} {public_url(self.url)}'"
        unknown = sorted(set(params) - PARAMS)
        if unknown:
            raise ConfigError(f"{where}: invalid parameter(s) {', '.join(unknown)} "
                              f"(valid: {', '.join(sorted(PARAMS))})")
        self.item = item  # which `- git:` entry of ext_pillar this remote belongs to
        self.name = str(params.get("name") or "")
        self.root = clean_relpath(params.get("root", opts.get("git_pillar_root")), f"{where}: root")
        self.mountpoint = clean_relpath(params.get("mountpoint"), f"{where}: mountpoint")
        self.base = str(params.get("base") or opts.get("git_pillar_base") or "master")
        self.env = str(params.get("env") or opts.get("git_pillar_env") or "")
        self.all_saltenvs = str(params.get("all_saltenvs") or "")
        self.fallback = str(params.get("fallback") or "")
        if self.env:
            from saline.fileclient_local import check_saltenv

            try:
                check_saltenv(self.env)
            except SaltInvocationError as exc:
                raise ConfigError(f"{where}: env: {exc}") from None
        ssl_verify = bool_param(params.get("ssl_verify", opts.get("git_pillar_ssl_verify", True)),
                                f"{where}: ssl_verify")
        privkey = str(params.get("privkey", opts.get("git_pillar_privkey")) or "")
        key = cache_key(self.url, {"branch": self.branch, **params})
        self.mirror = GitMirror(self.url, os.path.join(cachedir, key), ssl_verify=ssl_verify, privkey=privkey)

    @property
    def id(self) -> str:
        """Salt's remote id: ``BRANCH URL`` (the ``name`` parameter only selects it in git_pillar.update)."""
        from saline.gitrepo import public_url

        return f"{self.branch} {public_url(self.url)}"

    def env_for(self, pillarenv: str | None, saltenv: str | None) -> str:
        if self.branch == "__env__":
            return pillarenv or saltenv or "base"
        if self.env:
            return self.env
        return "base" if self.branch == self.base else self.branch

    def commit(self, env: str) -> str | None:
        if self.all_saltenvs:
            refs = [self.all_saltenvs]
        elif self.branch == "__env__":
            refs = [self.base if env == "base" else env]
        else:
            refs = [self.branch]
        if self.fallback:
            refs.append(self.fallback)
        for ref in refs:
            found = (self.mirror.refs["branch"].get(ref) or self.mirror.refs["tag"].get(ref)
                     or self.mirror.commit_of_sha(ref))
            if found:
                return found
        return None


class GitPillar:
    """Every ``git`` ext_pillar remote of one configuration (shared by the compiles of one process)."""

    def __init__(self, entries: list[tuple[int, Any]], opts: Mapping[str, Any]) -> None:
        cachedir = os.path.join(str(opts.get("cachedir") or "."), "git_pillar")
        self.remotes = [PillarRemote(e, opts, cachedir, item) for item, e in entries]
        interval = opts.get("git_pillar_update_interval", 60)
        if isinstance(interval, bool) or not isinstance(interval, int | float) or interval <= 0:
            raise ConfigError(f"git_pillar_update_interval must be a positive number of seconds, got {interval!r}")
        self.update_interval = float(interval)
        self.includes = bool(opts.get("git_pillar_includes", True))
        self.background = False  # set by the master daemon, whose thread fetches on a timer

    def update(self, branch: str | None = None, repo: str | None = None) -> dict[str, bool | None]:
        """Fetch now; ``{remote id: True (new commits) | None (nothing new) | False (failed)}`` (Salt's)."""
        out: dict[str, bool | None] = {}
        for remote in self.remotes:
            if branch is not None and remote.branch != branch:
                continue
            if repo is not None and remote.url != repo and remote.name != repo:
                continue
            try:
                out[remote.id] = True if remote.mirror.fetch() else None
            except CommandExecutionError:
                out[remote.id] = False
        return out

    def update_due(self) -> None:
        now = time.monotonic()
        for remote in self.remotes:
            if not remote.mirror.last_fetch or now - remote.mirror.last_fetch >= self.update_interval:
                try:
                    remote.mirror.fetch()
                except CommandExecutionError:
                    pass  # logged; the last fetched refs keep being served

    def next_due(self) -> float:
        now = time.monotonic()
        waits = [max(0.0, r.mirror.last_fetch + self.update_interval - now) for r in self.remotes]
        return min(waits) if waits else 60.0

    def _ensure_fetched(self, remotes: list[PillarRemote]) -> None:
        for remote in remotes:
            if not self.background or not remote.mirror.fetched():
                try:
                    remote.mirror.fetch()
                except CommandExecutionError:
                    pass

    def compile(self, compiler: Any, item: int = 0) -> tuple[dict[str, Any], list[str]]:
        """The merged pillar of the remotes of ext_pillar entry ``item`` for ``compiler``'s minion, and errors."""
        from saline.gitfs import View, ViewClient, cached_view
        from saline.pillar.compiler import PillarCompiler

        remotes = [r for r in self.remotes if r.item == item]
        self._ensure_fetched(remotes)
        pillarenv, saltenv = compiler.pillarenv, compiler.saltenv
        views: list[tuple[str, View]] = []
        for remote in remotes:
            env = remote.env_for(pillarenv, saltenv)
            if pillarenv and env != pillarenv:
                continue
            commit = remote.commit(env)
            if commit is None:
                log.debug("git_pillar remote %s has no ref for environment %s", remote.id, env)
                continue
            views.append((env, cached_view(remote.mirror, commit, remote.root, remote.mountpoint)))
        result: dict[str, Any] = {}
        errors: list[str] = []
        for index, (env, view) in enumerate(views):
            others = [v for i, (e, v) in enumerate(views) if e == env and i != index] if self.includes else []
            opts = {**compiler.opts, "pillar_roots": {env: [f"git_pillar:{index}"]}, "ext_pillar": [],
                    "pillar": {}, "pillar_opts": False, "pillarenv": env, "saltenv": env}
            inner = PillarCompiler(opts, compiler.grains, minion_id=compiler.minion_id, saltenv=env,
                                   pillarenv=env, override={}, fileclient=ViewClient({env: [view, *others]}))
            data = inner.compile()
            errors += data.pop("_errors", [])
            result = compiler.merge(result, data)
        return result, errors


def _config_key(entries: list[Any], opts: Mapping[str, Any]) -> str:
    keys = sorted(k for k in opts if str(k).startswith("git_pillar_"))
    return json.dumps([str(opts.get("cachedir")), entries, {k: opts.get(k) for k in keys}], sort_keys=True,
                      default=str)


def git_entries(opts: Mapping[str, Any]) -> list[tuple[int, Any]]:
    """Every ``git`` remote entry of ``ext_pillar`` with the index of its ``- git:`` item, in order."""
    out: list[tuple[int, Any]] = []
    items = opts.get("ext_pillar") or []
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, Mapping) and "git" in item:
            value = item["git"]
            out += [(index, entry) for entry in (value if isinstance(value, list) else [value])]
    return out


def git_pillar_for(opts: Mapping[str, Any]) -> GitPillar | None:
    """The shared :class:`GitPillar` of this configuration, or None without ``git`` ext_pillar entries."""
    entries = git_entries(opts)
    if not entries:
        return None
    key = _config_key(entries, opts)
    with _REGISTRY_LOCK:
        found = _REGISTRY.get(key)
        if found is None:
            found = _REGISTRY[key] = GitPillar(entries, opts)
        return found


def run_ext_pillars(compiler: Any, pillar: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``pillar`` with every ``ext_pillar`` source merged over it, in order (Salt's default order)."""
    items = compiler.opts.get("ext_pillar") or []
    if not isinstance(items, list):
        return pillar, ["ext_pillar must be a list of single-key mappings"]
    errors: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or len(item) != 1:
            errors.append(f"ext_pillar entry {item!r} must be a single-key mapping")
            continue
        name = next(iter(item))
        if name != "git":
            log.critical("Specified ext_pillar interface %s is unavailable", name)
            continue
        try:
            shared = git_pillar_for(compiler.opts)
            assert shared is not None
            data, sub_errors = shared.compile(compiler, index)
        except ConfigError as exc:
            errors.append(f"Failed to load ext_pillar git: {exc}")
            continue
        errors += sub_errors
        pillar = compiler.merge(pillar, copy.deepcopy(data))
    return pillar, errors
