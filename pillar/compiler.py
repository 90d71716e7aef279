"""Compile a minion's pillar: top files, SLS rendering with includes, merging, overrides.

Order of assembly, as in Salt:

1. the matched SLS files of each saltenv are rendered (same renderers as states; Jinja sees
   ``grains``, ``opts``, ``salt``, ``saltenv``, ``sls`` and ``pillar`` — the static ``pillar``
   option, not the pillar being built) and merged in top-file order with
   ``pillar_source_merging_strategy`` (``smart``, ``recurse``, ``aggregate``, ``overwrite``,
   ``none``) and ``pillar_merge_lists``;
2. an SLS's ``include:`` entries are merged before the SLS itself (the including file wins);
   ``- name: {key: 'a:b', defaults: {...}}`` nests the included data under ``a:b`` and passes
   ``defaults`` to its template as variables;
3. ``ext_pillar`` sources (``git``, see :mod:`saline.pillar.git_pillar`) are merged over it, in order;
4. the result is merged over the static ``pillar`` option of the configuration;
5. problems are listed under ``_errors`` (a missing SLS, a render failure, a non-dict SLS);
6. the ``pillar=`` overrides of the command line are merged last.
"""

from __future__ import annotations

import copy
import fnmatch
import logging
from collections.abc import Mapping
from typing import Any

from saline.dictupdate import merge

log = logging.getLogger(__name__)


class PillarCompiler:
    """One compilation: the options, grains and render context it uses, and what it has rendered."""

    def __init__(self, opts: dict[str, Any], grains: dict[str, Any], *, minion_id: str, saltenv: str | None,
                 pillarenv: str | None, override: dict[str, Any], ctx: Any = None,
                 fileclient: Any = None) -> None:
        self.opts = opts
        self.grains = grains
        self.minion_id = minion_id
        self.saltenv = saltenv
        self.pillarenv = pillarenv
        self.override = override
        self.static = copy.deepcopy(opts.get("pillar") or {})
        self.strategy = str(opts.get("pillar_source_merging_strategy") or "smart")
        self.renderer = str(opts.get("renderer") or "jinja|yaml")
        self.merge_lists = bool(opts.get("pillar_merge_lists", False))
        self.ctx = self._render_context(ctx, fileclient)
        self.ignored: dict[str, list[str]] = {}
        self._avail: dict[str, list[str]] | None = None

    def _render_context(self, ctx: Any, fileclient: Any) -> Any:
        from saline.loader import Context

        def client() -> Any:
            if fileclient is not None:
                return fileclient
            from saline.fileclient_local import RootsFileClient

            return RootsFileClient(self.opts, roots_key="pillar_roots")

        static = self.static
        pctx = Context(
            self.opts,
            grains_loader=lambda: self.grains,
            pillar_loader=lambda: copy.deepcopy(static),
            fileclient_loader=client,
            planning=bool(getattr(ctx, "planning", False)),
        )
        if ctx is not None:
            pctx.log = ctx.log
        return pctx

    def merge(self, base: Any, update: Any) -> dict[str, Any]:
        return merge(base, update, self.strategy, self.renderer, self.merge_lists)

    @property
    def avail(self) -> dict[str, list[str]]:
        if self._avail is None:
            from saline.pillar.tops import available

            self._avail = available(self.ctx, self.opts)
        return self._avail

    # ---- top ---------------------------------------------------------------------------------

    def matches(self) -> tuple[dict[str, list[str]], list[str]]:
        from saline.pillar.tops import gather_pillar_tops, merge_pillar_tops, pillar_top_matches

        tops, errors = gather_pillar_tops(self.ctx, self.opts, pillarenv=self.pillarenv, saltenv=self.saltenv)
        top, self.ignored, merge_errors = merge_pillar_tops(tops)
        found, match_errors = pillar_top_matches(top, minion_id=self.minion_id, grains=self.grains,
                                                 pillar=self.static, opts=self.opts, pillarenv=self.pillarenv)
        return found, errors + merge_errors + match_errors

    # ---- SLS ---------------------------------------------------------------------------------

    def _render_error(self, sls: str, exc: BaseException) -> str:
        log.critical("Rendering SLS '%s' failed, render error:\n%s", sls, exc)
        if self.opts.get("pillar_safe_render_error", True):
            return f"Rendering SLS '{sls}' failed. Please see master log for details."
        return f"Rendering SLS '{sls}' failed, render error:\n{exc}"

    def _missing(self, sls: str, saltenv: str) -> list[str]:
        if sls in self.ignored.get(saltenv, []):
            log.debug("Skipping ignored and missing SLS '%s' in environment '%s'", sls, saltenv)
            return []
        if (self.opts.get("pillar_roots") or {}).get(saltenv):
            return [f"Specified SLS '{sls}' in environment '{saltenv}' is not available on the salt master"]
        log.debug("Specified SLS '%s' in environment '%s' was not found; '%s' is not a pillar_roots saltenv",
                  sls, saltenv, saltenv)
        return []

    def _include_names(self, sub_sls: str, sls: str, relpath: str,
                       saltenv: str) -> tuple[list[str], list[str]]:
        if sub_sls.startswith("."):
            parts = sls.split(".") if relpath.endswith("init.sls") else sls.split(".")[:-1]
            sub_sls = ".".join([*parts, sub_sls[1:]])
        if saltenv not in self.avail:
            return [sub_sls], [f"No matching pillar environment for environment '{saltenv}' found"]
        return fnmatch.filter(self.avail[saltenv], sub_sls.replace("/", ".")) or [sub_sls], []

    def render_sls(self, sls: str, saltenv: str, mods: dict[str, Any],
                   defaults: dict[str, Any] | None = None) -> tuple[Any, list[str]]:
        """The data of one pillar SLS with its includes merged in, and the errors met."""
        from saline.renderers import render_file, sls_to_path

        defaults = defaults or {}
        try:
            relpath = sls_to_path(self.ctx.fileclient, sls, saltenv)
        except Exception as exc:
            return None, [f"Specified SLS '{sls}' in environment '{saltenv}' cannot be read: {exc}"]
        if relpath is None:
            return None, self._missing(sls, saltenv)
        errors: list[str] = []
        try:
            state = render_file(self.ctx, relpath, saltenv, sls=sls, context=defaults)
        except Exception as exc:  # any render failure lands in _errors; the rest of the pillar still compiles
            errors.append(self._render_error(sls, exc))
            state = None
        mods[sls] = state
        if not state:
            return state, errors
        if not isinstance(state, Mapping):
            log.error("SLS '%s' does not render to a dictionary", sls)
            return state, [*errors, f"SLS '{sls}' does not render to a dictionary"]
        state = dict(state)
        # Another include of this SLS (or a cycle back to it) reuses its own data, without its
        # includes, as Salt does.
        mods[sls] = state
        if "include" not in state:
            return state, errors
        if not isinstance(state["include"], list):
            # Salt keeps the malformed `include` key in the data and reports it
            log.error("Include Declaration in SLS '%s' is not formed as a list", sls)
            return state, [*errors, f"Include Declaration in SLS '{sls}' is not formed as a list"]
        includes = state.pop("include")
        parts: list[Any] = []
        for entry in includes:
            key, sub_defaults = None, defaults
            if isinstance(entry, Mapping) and entry:
                sub_sls, options = next(iter(entry.items()))
                options = options if isinstance(options, Mapping) else {}
                key = options.get("key")
                sub_defaults = options.get("defaults") or {}
            else:
                sub_sls = entry
            names, env_errors = self._include_names(str(sub_sls), sls, relpath, saltenv)
            errors += env_errors
            for name in names:
                if name in mods:
                    nstate = mods[name]
                else:
                    nstate, sub_errors = self.render_sls(name, saltenv, mods, sub_defaults)
                    errors += sub_errors
                if not nstate:
                    continue
                if key:
                    for fragment in reversed(str(key).split(":")):
                        nstate = {fragment: nstate}
                if self.opts.get("pillar_includes_override_sls", False):
                    state = self.merge(state, nstate)
                else:
                    parts.append(nstate)
        merged: dict[str, Any] = {}
        for part in [*parts, state]:
            if isinstance(part, Mapping):
                merged = self.merge(merged, part) if merged else copy.deepcopy(dict(part))
        return merged, errors

    # ---- whole pillar ------------------------------------------------------------------------

    def render_pillar(self, matches: dict[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
        pillar: dict[str, Any] = copy.deepcopy(self.override)
        errors: list[str] = []
        for saltenv, entries in matches.items():
            files: list[str] = []
            for entry in entries:
                if saltenv in self.avail:
                    found = fnmatch.filter(self.avail[saltenv], entry)
                else:
                    errors.append(f"No matching pillar environment for environment '{saltenv}' found")
                    found = []
                files += found or [entry]
            mods: dict[str, Any] = {}
            for sls in files:
                data, sls_errors = self.render_sls(sls, saltenv, mods)
                errors += sls_errors
                if data is None:
                    continue
                if not isinstance(data, Mapping):
                    log.error("The rendered pillar SLS '%s' is not a dictionary; ignored", sls)
                    continue
                pillar = self.merge(pillar, data)
        return pillar, errors

    def compile(self) -> dict[str, Any]:
        matches, errors = self.matches()
        pillar, render_errors = self.render_pillar(matches)
        errors = render_errors + errors
        if self.opts.get("ext_pillar"):  # merged over the pillar_roots data, like Salt (pillar/git_pillar.py)
            from saline.pillar.git_pillar import run_ext_pillars

            pillar, ext_errors = run_ext_pillars(self, pillar)
            errors += ext_errors
        if self.opts.get("pillar_opts", False):
            pillar["master"] = {k: copy.deepcopy(v) for k, v in self.opts.items()
                                if k not in ("grains", "pillar", "pillar_override")}
        if self.static:
            pillar = self.merge(self.static, pillar)
        if errors:
            for error in errors:
                log.critical("Pillar render error: %s", error)
            pillar["_errors"] = errors
        if self.override:
            pillar = self.merge(pillar, self.override)
        return pillar


def _pillar_opts(opts: Mapping[str, Any], env: str) -> dict[str, Any]:
    """A copy of ``opts`` with an ``__env__`` pillar root mapped onto ``env`` (Salt's rule)."""
    out = dict(opts)
    roots = {str(k): list(v) if isinstance(v, list | tuple) else [v]
             for k, v in (opts.get("pillar_roots") or {}).items()}
    if "__env__" in roots:
        generic = roots.pop("__env__")
        if env not in roots:
            roots[env] = [str(d).replace("__env__", env) for d in generic]
    out["pillar_roots"] = roots
    return out


def compile_pillar(
    opts: Mapping[str, Any],
    grains: Mapping[str, Any],
    *,
    minion_id: str | None = None,
    saltenv: str | None = None,
    pillarenv: str | None = None,
    override: Mapping[str, Any] | None = None,
    ctx: Any = None,
    fileclient: Any = None,
) -> dict[str, Any]:
    """The pillar of the minion described by ``opts``/``grains`` (see the module docstring).

    ``saltenv``/``pillarenv`` default to the options of the same name (``pillarenv_from_saltenv``
    honoured); ``override`` defaults to ``opts["pillar_override"]`` (set by ``pillar=`` on the
    command line); ``fileclient`` defaults to the local ``pillar_roots``.
    """
    from saline.errors import SaltInvocationError

    saltenv = saltenv if saltenv is not None else opts.get("saltenv")
    pillarenv = pillarenv if pillarenv is not None else opts.get("pillarenv")
    if pillarenv is None and opts.get("pillarenv_from_saltenv"):
        pillarenv = saltenv
    if override is None:
        override = opts.get("pillar_override") or {}
    if not isinstance(override, Mapping):
        raise SaltInvocationError("Pillar data must be formatted as a dictionary")
    work_opts = _pillar_opts(opts, str(pillarenv or saltenv or "base"))
    work_opts["saltenv"], work_opts["pillarenv"] = saltenv, pillarenv
    minion_id = minion_id or str(opts.get("id") or grains.get("id") or "")
    compiler = PillarCompiler(work_opts, dict(grains), minion_id=minion_id, saltenv=saltenv,
                              pillarenv=pillarenv, override=copy.deepcopy(dict(override)), ctx=ctx,
                              fileclient=fileclient)
    return compiler.compile()
