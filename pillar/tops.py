"""Pillar top files: gather every pillar saltenv's ``top.sls``, merge them, match this minion.

Differences from state tops, as in Salt: every saltenv's top file may assign SLS files to any
saltenv (a later top file replaces an earlier one's definition of the same target); targets may
carry ``- order: N`` (targets sorted by it) and ``- ignore_missing: True`` (listed SLS files
that do not exist are skipped silently); SLS names may be globs; a minion's list per saltenv has
no duplicates. ``pillarenv`` restricts everything to that saltenv.

Salt reads the top files in an unspecified order; Saline reads ``base`` first, then the other
``pillar_roots`` saltenvs in configuration order, so the result is always the same.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from saline.errors import SaltInvocationError
from saline.matchers import TARGET_TYPES, match_or_false
from saline.top import list_states, matcher_of, state_top_url

log = logging.getLogger(__name__)


def pillar_envs(opts: Mapping[str, Any]) -> list[str]:
    """``base`` then the ``pillar_roots`` saltenvs, in configuration order."""
    envs = ["base"]
    envs += [str(e) for e in (opts.get("pillar_roots") or {}) if str(e) not in envs]
    return envs


def _render(pctx: Any, url: str, saltenv: str) -> Any:
    from saline.renderers import render_file

    return render_file(pctx, url, saltenv)


def gather_pillar_tops(pctx: Any, opts: Mapping[str, Any], *, pillarenv: str | None,
                       saltenv: str | None) -> tuple[dict[str, list[Any]], list[str]]:
    """Rendered pillar top files per saltenv, and the errors met."""
    from saline.renderers import sls_to_path

    errors: list[str] = []
    roots = opts.get("pillar_roots") or {}
    if pillarenv:
        envs = [pillarenv] if pillarenv in roots else []
        if not envs:
            log.debug("pillarenv '%s' is not a pillar_roots saltenv (%s)", pillarenv, ", ".join(roots))
    else:
        envs = pillar_envs(opts)
        if opts.get("pillar_source_merging_strategy") == "none":
            envs = [e for e in envs if e == (saltenv or "base")]
    url = state_top_url(opts.get("state_top"))
    tops: dict[str, list[Any]] = {}
    pending: list[tuple[str, Any]] = []
    for env in envs:
        try:
            if not pctx.fileclient.cache_file(url, env):
                continue
            top = _render(pctx, url, env)
        except Exception as exc:  # render errors of any kind are reported in _errors, like Salt
            errors.append(f"Rendering Primary Top file failed, render error:\n{exc}")
            continue
        if top is None:
            top = {}
        tops.setdefault(env, []).append(top)
        pending.append((env, top))
    done: dict[str, set[str]] = {}
    while pending:
        env, top = pending.pop(0)
        includes = top.pop("include", None) if isinstance(top, dict) else None
        for sls in [includes] if isinstance(includes, str) else (includes or []):
            sls = str(sls)
            if sls in done.setdefault(env, set()):
                continue
            done[env].add(sls)
            try:
                relpath = sls_to_path(pctx.fileclient, sls, env)
                if relpath is None:
                    raise SaltInvocationError(f"SLS '{sls}' not found in saltenv '{env}'")
                included = _render(pctx, f"salt://{relpath}", env)
            except Exception as exc:
                errors.append(f"Rendering Top file {sls} failed, render error:\n{exc}")
                continue
            included = included if included is not None else {}
            tops[env].append(included)
            pending.append((env, included))
    return tops, errors


def _order(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


MergedTop = dict[str, dict[Any, list[Any]]]


def merge_pillar_tops(tops: dict[str, list[Any]]) -> tuple[MergedTop, dict[str, list[str]], list[str]]:
    """``(merged top, {saltenv: [ignore_missing SLS]}, errors)``; targets sorted by ``order``."""
    merged: dict[str, dict[str, list[Any]]] = {}
    orders: dict[str, dict[Any, int]] = {}
    ignored: dict[str, list[str]] = {}
    errors: list[str] = []
    for env_tops in tops.values():
        for top in env_tops:
            if not isinstance(top, Mapping):
                errors.append("Error encountered while rendering pillar top file.")
                continue
            for env, targets in top.items():
                if env == "include":
                    continue
                if not isinstance(targets, Mapping):
                    errors.append("Error encountered while rendering pillar top file.")
                    continue
                env = str(env)
                for tgt, items in targets.items():
                    items = [items] if isinstance(items, str) else items
                    if not isinstance(items, list):
                        errors.append(f"Pillar top file target '{tgt}' in saltenv '{env}' is not a list")
                        continue
                    options: list[Any] = []
                    states: dict[str, bool] = {}
                    order, ignore_missing = 0, False
                    for item in items:
                        if isinstance(item, Mapping):
                            if "match" in item:
                                options.append(item)
                            if "order" in item:
                                order = _order(item["order"])
                            if item.get("ignore_missing"):
                                ignore_missing = True
                        elif isinstance(item, str):
                            states[item] = True
                    if ignore_missing:
                        ignored.setdefault(env, []).extend(states)
                    orders.setdefault(env, {})[tgt] = order
                    merged.setdefault(env, {})[tgt] = [*options, *states]
    ordered = {
        env: dict(sorted(targets.items(), key=lambda kv, env=env: orders[env][kv[0]]))
        for env, targets in merged.items()
    }
    return ordered, ignored, errors


def pillar_top_matches(top: Mapping[str, Mapping[Any, list[Any]]], *, minion_id: str,
                       grains: Mapping[str, Any], pillar: Mapping[str, Any], opts: Mapping[str, Any],
                       pillarenv: str | None) -> tuple[dict[str, list[str]], list[str]]:
    """``({saltenv: [sls or glob, ...]}, errors)``: the SLS entries of every target this minion matches."""
    matches: dict[str, list[str]] = {}
    errors: list[str] = []
    for env, targets in top.items():
        if pillarenv and env != pillarenv:
            continue
        for tgt, items in targets.items():
            matcher = matcher_of(items)
            if matcher not in TARGET_TYPES:
                errors.append(f"Unknown matcher '{matcher}' for target '{tgt}' in the pillar top file")
                continue
            if not match_or_false(tgt, matcher, minion_id, grains, pillar, opts=opts,
                                  nodegroups=opts.get("nodegroups") or {}):
                continue
            found = matches.setdefault(env, [])
            found += [item for item in items if isinstance(item, str) and item not in found]
    return matches, errors


def available(pctx: Any, opts: Mapping[str, Any]) -> dict[str, list[str]]:
    """SLS names per pillar saltenv (what top-file globs and includes are matched against)."""
    return {env: list_states(pctx.fileclient, env) for env in pillar_envs(opts)}
