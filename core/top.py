"""State top files: which SLS files a minion gets, per saltenv (``state.show_top``, highstate).

The pipeline follows Salt's:

1. **gather** — render the top file (``state_top``, default ``top.sls``) of every saltenv (only
   ``saltenv`` when one is given, only ``state_top_saltenv`` when that is set), then the top
   files named by their ``include:`` lists (globs over the SLS names of that saltenv);
2. **merge** — ``top_file_merging_strategy``: ``merge`` (default: the base top file is
   authoritative, another saltenv's top file only contributes its own section, and only when
   base did not define that section), ``same`` (each saltenv uses only its own top file, or
   ``default_top``'s section for it when it has none) or ``merge_all`` (every section of every
   top file, targets merged, in ``env_order``);
3. **match** — each target is matched with the type named by a ``- match: <type>`` item
   (``compound`` when absent); matching targets add their SLS names in top-file order
   (duplicates kept, like Salt). ``- <saltenv>: <sls>`` items add to another saltenv,
   ``- subfilter: {target: [...]}`` narrows further.

Deliberate difference: a top file that fails to render, or is not shaped like a top file, is
reported as an error instead of silently producing an empty highstate.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Mapping
from typing import Any

from saline.errors import SaltInvocationError
from saline.matchers import TARGET_TYPES, match_or_false

log = logging.getLogger(__name__)

STRATEGIES = ("merge", "same", "merge_all")
# Keys of dict items inside a target's list that are options, not saltenv assignments.
_ITEM_OPTIONS = frozenset({"match", "subfilter", "order", "ignore_missing"})


class TopError(SaltInvocationError):
    """A top file cannot be used; ``errors`` holds the messages."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def state_top_url(state_top: str | None) -> str:
    """``state_top`` as a ``salt://`` URL (``top.sls``, ``/x/top.sls`` and ``salt://x/top.sls`` accepted)."""
    value = state_top or "top.sls"
    if value.startswith("salt://"):
        return value
    return "salt://" + value.lstrip("/")


def list_states(fileclient: Any, saltenv: str) -> list[str]:
    """Sorted SLS names available in ``saltenv`` (``a/b.sls`` -> ``a.b``, ``a/init.sls`` -> ``a``)."""
    names = set()
    try:
        files = fileclient.list_files(saltenv)
    except SaltInvocationError:
        return []
    for path in files:
        if path.endswith("/init.sls"):
            names.add(path[: -len("/init.sls")].replace("/", "."))
        elif path.endswith(".sls") and path != "init.sls":
            names.add(path[: -len(".sls")].replace("/", "."))
    return sorted(names)


def _client_envs(fileclient: Any) -> list[str]:
    try:
        return [str(env) for env in fileclient.envs()]
    except (AttributeError, SaltInvocationError):
        return []


def top_envs(opts: Mapping[str, Any], fileclient: Any, roots_key: str = "file_roots") -> list[str]:
    """Saltenvs whose top files are read, in order: ``env_order`` if set, else base then the roots'."""
    client_envs = _client_envs(fileclient)
    env_order = list(dict.fromkeys(str(e) for e in (opts.get("env_order") or [])))
    if env_order:
        return [e for e in env_order if e in client_envs] if client_envs else env_order
    envs = ["base"]
    envs += [str(e) for e in (opts.get(roots_key) or {}) if str(e) not in envs and e != "__env__"]
    envs += [e for e in client_envs if e not in envs]
    return envs


# ---- gather ----------------------------------------------------------------------------------


def _render_top(ctx: Any, url: str, saltenv: str, errors: list[str]) -> Any:
    from saline.errors import RenderError
    from saline.renderers import render_file

    try:
        data = render_file(ctx, url, saltenv)
    except RenderError as exc:  # its message names the file, line and offending lines
        errors.append(f"Rendering the top file of saltenv '{saltenv}' failed: {exc}")
        return {}
    except Exception as exc:  # e.g. a template calling a function that fails
        errors.append(f"Rendering top file {url} in saltenv '{saltenv}' failed: {exc}")
        return {}
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        errors.append(f"Top file {url} in saltenv '{saltenv}' did not render to a mapping of saltenvs "
                      f"(got {type(data).__name__})")
        return {}
    bad = [str(env) for env, body in data.items() if env != "include" and not isinstance(body, Mapping)]
    for env in bad:
        errors.append(f"The top file matches for saltenv {env} in {url} (saltenv '{saltenv}') are not "
                      "formatted as a dict")
    return dict(data)


def gather_tops(ctx: Any) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Render the top files: ``({saltenv: [top data, ...]}, errors)``; a missing top file is ``{}``."""
    opts = ctx.opts
    fileclient = ctx.fileclient
    url = state_top_url(opts.get("state_top"))
    errors: list[str] = []
    strategy = opts.get("top_file_merging_strategy") or "merge"
    if strategy == "same" and not opts.get("saltenv") and not opts.get("default_top"):
        return {}, ["top_file_merging_strategy set to 'same', but no default_top configuration option "
                    "was set"]
    if opts.get("saltenv"):
        envs = [str(opts["saltenv"])]
    elif opts.get("state_top_saltenv"):
        envs = [str(opts["state_top_saltenv"])]
    else:
        envs = top_envs(opts, fileclient)
    tops: dict[str, list[dict[str, Any]]] = {}
    for env in envs:
        try:
            present = fileclient.cache_file(url, env)
        except SaltInvocationError as exc:
            errors.append(str(exc))
            present = None
        tops[env] = [_render_top(ctx, url, env, errors) if present else {}]
    _add_included_tops(ctx, tops, errors)
    return tops, errors


def _add_included_tops(ctx: Any, tops: dict[str, list[dict[str, Any]]], errors: list[str]) -> None:
    """Render the top files named by ``include:`` (globs over SLS names), each once per saltenv."""
    from saline.renderers import sls_to_path

    done: dict[str, set[str]] = {}
    pending = [(env, top) for env, env_tops in tops.items() for top in env_tops]
    while pending:
        env, top = pending.pop(0)
        includes = top.pop("include", None)
        if includes is None:
            continue
        if isinstance(includes, str):
            includes = [includes]
        if not isinstance(includes, list):
            errors.append(f"The include declaration of a top file in saltenv '{env}' is not formed as a list")
            continue
        avail = list_states(ctx.fileclient, env)
        for pattern in includes:
            for sls in fnmatch.filter(avail, str(pattern)):
                if sls in done.setdefault(env, set()):
                    continue
                done[env].add(sls)
                relpath = sls_to_path(ctx.fileclient, sls, env)
                if relpath is None:
                    continue
                included = _render_top(ctx, f"salt://{relpath}", env, errors)
                tops[env].append(included)
                pending.append((env, included))


# ---- merge -----------------------------------------------------------------------------------


def _sections(top: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return [(str(env), body) for env, body in top.items() if env != "include" and isinstance(body, Mapping)]


def _merge_merge(tops: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for top in tops.get("base", []):
        for env, targets in _sections(top):
            if targets:
                merged.setdefault(env, {}).update(targets)
    for cenv in tops:
        if cenv == "base":
            continue
        for top in tops[cenv]:
            for env, targets in _sections(top):
                # only the section for its own saltenv, and only if no earlier top file defined it
                if env != cenv or env in merged or not targets:
                    continue
                merged[env] = dict(targets)
    return merged


def _merge_same(tops: dict[str, list[dict[str, Any]]], default_top: str) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for cenv, env_tops in tops.items():
        if any(env_tops):
            for top in env_tops:
                for env, targets in _sections(top):
                    if env == cenv and targets:
                        merged.setdefault(env, {}).update(targets)
            continue
        fallback = tops.get(default_top, [])
        if not any(fallback):
            log.error("The '%s' saltenv has no top file, and the default_top saltenv (%s) has none either",
                      cenv, default_top)
            continue
        for top in fallback:
            section = dict(_sections(top)).get(cenv)
            if section is not None:
                if section:
                    merged.setdefault(cenv, {}).update(section)
                break
        else:
            log.error("The '%s' saltenv has no top file, and the default_top saltenv (%s) has no section "
                      "for it", cenv, default_top)
    return merged


def _split_target(data: Any) -> tuple[Any, list[Any]]:
    if isinstance(data, str):
        data = [data]
    options = None
    states = []
    for item in data if isinstance(data, list) else []:
        if isinstance(item, Mapping):
            options = item
        elif isinstance(item, str):
            states.append(item)
    return options, states


def _merge_all(tops: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for env_tops in tops.values():
        for top in env_tops:
            for env, targets in _sections(top):
                if not targets:
                    continue
                section = merged.setdefault(env, {})
                for tgt, data in targets.items():
                    if tgt not in section:
                        section[tgt] = data
                        continue
                    first_opts, first_states = _split_target(section[tgt])
                    second_opts, second_states = _split_target(data)
                    combined: list[Any] = []
                    chosen = second_opts or first_opts
                    if chosen is not None:
                        combined.append(chosen)
                    combined += first_states
                    combined += [s for s in second_states if s not in combined]
                    section[tgt] = combined
    return merged


def merge_tops(tops: dict[str, list[dict[str, Any]]], opts: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Merge rendered top files with ``top_file_merging_strategy`` into ``{saltenv: {target: [...]}}``."""
    strategy = opts.get("top_file_merging_strategy") or "merge"
    if strategy not in STRATEGIES:
        log.warning("Invalid top_file_merging_strategy '%s', falling back to 'merge'", strategy)
        strategy = "merge"
    if strategy == "same":
        return _merge_same(tops, str(opts.get("default_top") or "base"))
    if strategy == "merge_all":
        return _merge_all(tops)
    return _merge_merge(tops)


def verify_tops(top: Any) -> list[str]:
    """Structural errors of a merged top (Salt's messages)."""
    errors: list[str] = []
    if not isinstance(top, Mapping):
        return ["Top data was not formed as a dict"]
    for env, targets in top.items():
        if env == "include":
            continue
        if not isinstance(env, str):
            errors.append(f"Environment {env} in top file is not formed as a string")
        if env == "":
            errors.append("Empty saltenv statement in top file")
        if not isinstance(targets, Mapping):
            errors.append(f"The top file matches for saltenv {env} are not formatted as a dict")
            continue
        for tgt, items in targets.items():
            if not isinstance(items, list):
                errors.append("Malformed topfile (state declarations not formed as a list)")
                continue
            for item in items:
                if isinstance(item, Mapping):
                    errors += [f"Improperly formatted top file matcher in saltenv {env}: {key}: {val!r} "
                               f"(target '{tgt}')" for key, val in item.items() if not val]
                elif isinstance(item, str) and not item:
                    errors.append(f"Environment {env} contains an empty sls index")
    return errors


# ---- match -----------------------------------------------------------------------------------


def matcher_of(items: Any) -> str:
    """The matcher a top-file target uses: its last ``- match: <type>`` item, else ``compound``."""
    matcher = "compound"
    for item in items if isinstance(items, list) else []:
        if isinstance(item, Mapping) and "match" in item:
            matcher = str(item["match"])
    return matcher


def target_matches(tgt: Any, items: Any, *, minion_id: str, grains: Mapping[str, Any],
                   pillar: Mapping[str, Any], opts: Mapping[str, Any]) -> bool:
    """Does top-file target ``tgt`` (with its item list) select this minion? Bad targets match nothing."""
    matcher = matcher_of(items)
    if matcher not in TARGET_TYPES:
        raise SaltInvocationError(
            f"Unknown matcher '{matcher}' for target '{tgt}' in the top file "
            f"(expected one of {', '.join(TARGET_TYPES)})"
        )
    return match_or_false(tgt, matcher, minion_id, grains, pillar, opts=opts,
                          nodegroups=opts.get("nodegroups") or {})


def top_matches(top: Mapping[str, Any], *, minion_id: str, grains: Mapping[str, Any],
                pillar: Mapping[str, Any], opts: Mapping[str, Any], envs: list[str] | None = None,
                saltenv: str | None = None) -> dict[str, list[str]]:
    """``{saltenv: [sls, ...]}`` for this minion from a merged top; ``saltenv`` restricts to one env."""
    known_envs = set(envs or []) | {str(e) for e in top}
    matches: dict[str, list[str]] = {}

    def visit(env: str, tgt: Any, data: Any) -> None:
        if isinstance(data, str):
            data = [data]
        if not isinstance(data, list):
            return
        if not target_matches(tgt, data, minion_id=minion_id, grains=grains, pillar=pillar, opts=opts):
            return
        matches.setdefault(env, [])
        for item in data:
            if isinstance(item, str):
                matches[env].append(item)
            elif isinstance(item, Mapping):
                sub = item.get("subfilter")
                if isinstance(sub, Mapping):
                    for sub_tgt, sub_data in sub.items():
                        visit(env, sub_tgt, sub_data)
                for key, value in item.items():
                    if key in _ITEM_OPTIONS or str(key) not in known_envs:
                        continue
                    names = [value] if isinstance(value, str) else value
                    if isinstance(names, list):
                        matches.setdefault(str(key), []).extend(str(n) for n in names)

    for env, body in top.items():
        if saltenv and env != saltenv:
            continue
        if isinstance(body, Mapping):
            for tgt, data in body.items():
                visit(str(env), tgt, data)
    return matches


def highstate_matches(ctx: Any) -> tuple[dict[str, list[str]], list[str]]:
    """This minion's top-file result ``({saltenv: [sls, ...]}, errors)`` — what ``state.show_top`` shows.

    Uses ``ctx.opts`` (``saltenv``, ``state_top``, ``top_file_merging_strategy``, ``env_order``,
    ``default_top``, ``state_top_saltenv``, ``nodegroups``), ``ctx.grains``, ``ctx.pillar`` and
    ``ctx.fileclient``.
    """
    opts = ctx.opts
    tops, errors = gather_tops(ctx)
    if errors:
        return {}, errors
    top = merge_tops(tops, opts)
    errors = verify_tops(top)
    if errors:
        return {}, errors
    envs = top_envs(opts, ctx.fileclient)
    try:
        matches = top_matches(top, minion_id=str(opts.get("id") or ctx.grains.get("id") or ""),
                              grains=ctx.grains, pillar=ctx.pillar, opts=opts, envs=envs,
                              saltenv=opts.get("saltenv") or None)
    except SaltInvocationError as exc:
        return {}, [str(exc)]
    return matches, []
