"""Render SLS files with their includes into one high data dict (Salt's ``render_highstate``).

Per SLS file: render it (``saline.renderers``), then pull out ``include``, ``extend`` (collected
under ``__extend__``) and ``exclude`` (``__exclude__``), stamp every ID with ``__sls__`` and
``__env__``, split ``file.managed:`` into ``file: [..., managed]``, render the includes depth first
and merge them in (recording ``__sls_included_from__``), then give every state without an ``order``
the next ``state_auto_order`` number - so included files are numbered before the file including
them. Each SLS is rendered once per run; the same ID defined differently by two files is an error.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from saline.states.engine.highdata import _is_dunder

_XENV = "_xenv"  # include key resolving the SLS in whichever matched saltenv has it
_RELATIVE = re.compile(r"^(\.+)(.*)$")


class TreeRenderer:
    """One compile run over the file client of ``ctx`` (iorder, rendered-SLS set and listings)."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.opts: dict[str, Any] = ctx.opts
        self.fileclient = ctx.fileclient
        self.iorder = 10000
        self._avail: dict[str, list[str]] = {}
        self._envs: set[str] | None = None

    # ---- what the file server offers -------------------------------------------------------------

    def envs(self) -> set[str]:
        if self._envs is None:
            envs = {"base", *map(str, (self.opts.get("file_roots") or {}))}
            try:
                envs.update(self.fileclient.envs())
            except Exception:
                pass
            self._envs = envs
        return self._envs

    def has_env(self, saltenv: str) -> bool:
        envs = self.envs()
        return saltenv in envs or "__env__" in envs

    def avail(self, saltenv: str) -> list[str]:
        """Sorted SLS names of ``saltenv`` (``a/b.sls`` -> ``a.b``, ``a/init.sls`` -> ``a``)."""
        if saltenv not in self._avail:
            names = set()
            try:
                files = self.fileclient.list_files(saltenv)
            except Exception:
                files = []
            for path in files:
                if not path.endswith(".sls"):
                    continue
                if path.endswith("/init.sls"):
                    names.add(path[: -len("/init.sls")].replace("/", "."))
                else:
                    names.add(path[: -len(".sls")].replace("/", "."))
            self._avail[saltenv] = sorted(names)
        return self._avail[saltenv]

    # ---- rendering --------------------------------------------------------------------------------

    def render_highstate(self, matches: dict[str, list[str]], *,
                         context: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
        """Render every SLS of ``{saltenv: [sls or glob, ...]}`` into one high data dict."""
        high: dict[str, Any] = {}
        all_errors: list[str] = []
        mods: set[str] = set()
        for saltenv, patterns in matches.items():
            for pattern in patterns:
                statefiles: list[str] = []
                if self.has_env(saltenv):
                    statefiles = fnmatch.filter(self.avail(saltenv), pattern)
                else:
                    all_errors.append(f"No matching salt environment for environment '{saltenv}' found")
                # not listed (generated, or added meanwhile): try it, the render reports it missing
                for sls in statefiles or [pattern]:
                    if f"{saltenv}:{sls}" in mods:
                        continue
                    state, errors = self.render_state(sls, saltenv, mods, matches, context=context)
                    if state:
                        merge_included_states(high, state, errors)
                    missing = f"SLS {pattern} in saltenv"
                    errors = [
                        f"No matching sls found for '{pattern}' in env '{saltenv}'"
                        if "is not available" in err and missing in err else err
                        for err in errors
                    ]
                    all_errors.extend(errors)
        _dedupe_extends(high)
        return high, all_errors

    def _locate(self, sls: str, saltenv: str) -> str | None:
        from saline.renderers import sls_to_path

        return sls_to_path(self.fileclient, sls, saltenv)

    def _render_file(self, relpath: str, sls: str, saltenv: str, context: dict[str, Any] | None,
                     errors: list[str]) -> Any:
        from saline.errors import RenderError
        from saline.renderers import render_file

        try:
            return render_file(self.ctx, relpath, saltenv, sls=sls, context=context)
        except RenderError as exc:
            errors.append(f"Rendering SLS '{saltenv}:{sls}' failed: {exc}")
        except Exception as exc:
            errors.append(f"Rendering SLS {sls} failed, render error: {type(exc).__name__}: {exc}")
        return None

    def render_state(self, sls: str, saltenv: str, mods: set[str], matches: dict[str, list[str]],
                     context: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
        """Render one SLS and, recursively, what it includes; return ``(state, errors)``."""
        errors: list[str] = []
        relpath = self._locate(sls, saltenv)
        state = None
        if not relpath:
            errors.append(f"Specified SLS {sls} in saltenv {saltenv} is not available on the salt "
                          "master or through a configured fileserver")
        else:
            state = self._render_file(relpath, sls, saltenv, context, errors)
            mods.add(f"{saltenv}:{sls}")
        if not state:
            return {}, errors
        if not isinstance(state, dict):
            errors.append(f"SLS {sls} does not render to a dictionary")
            return {}, errors
        includes: list[Any] = []
        if "include" in state:
            if isinstance(state["include"], list):
                includes = state.pop("include")
            else:
                errors.append(f"Include Declaration in SLS {sls} is not formed as a list")
        _take_extend(state, sls, saltenv, errors)
        _take_exclude(state, sls, errors)
        _state_decls(state, sls, saltenv, errors)
        is_init = bool(relpath) and relpath.endswith("/init.sls")
        for include in includes:
            self._include(state, include, sls, saltenv, is_init, mods, matches, context, errors)
        self._auto_order(state)
        return state, errors

    def _include(self, state: dict[str, Any], include: Any, sls: str, saltenv: str, is_init: bool,
                 mods: set[str], matches: dict[str, list[str]], context: dict[str, Any] | None,
                 errors: list[str]) -> None:
        if isinstance(include, dict) and len(include) == 1:
            env_key, inc_sls = next(iter(include.items()))
        elif isinstance(include, (str, int, float)) and not isinstance(include, bool):
            env_key, inc_sls = saltenv, include
        else:
            errors.append(f"Include declaration {include!r} in SLS '{saltenv}:{sls}' must be an SLS "
                          "name or a single-key dictionary {saltenv: sls}")
            return
        env_key, inc_sls = str(env_key), str(inc_sls)
        if not self.has_env(env_key):
            errors.append(f"Nonexistent saltenv '{env_key}' found in include of '{inc_sls}' within SLS "
                          f"'{saltenv}:{sls}'")
            return
        if inc_sls.startswith("."):
            levels, rest = _RELATIVE.match(inc_sls).groups()  # type: ignore[union-attr]
            parts = sls.split(".") + (["init"] if is_init else [])
            if len(levels) > len(parts):
                errors.append(f"Attempted relative include of '{inc_sls}' within SLS '{saltenv}:{sls}' "
                              "goes beyond top level package ")
                return
            inc_sls = ".".join([*parts[:-len(levels)], rest])
        if env_key != _XENV:
            found = env_key in matches or fnmatch.filter(self.avail(env_key), inc_sls)
            resolved = [env_key] if found else []
        else:
            resolved = [env for env in matches if fnmatch.filter(self.avail(env), inc_sls)]
        if not (len(resolved) == 1 or saltenv in resolved):
            if not resolved:
                where = ", ".join(matches) if env_key == _XENV else env_key
                errors.append(f"Unknown include: Specified SLS {env_key}: {inc_sls} is not available on "
                              f"the salt master in saltenv(s): {where} ")
            else:
                errors.append(f"Ambiguous include: Specified SLS {env_key}: {inc_sls} is available on the "
                              f"salt master in multiple available saltenvs: {', '.join(resolved)}")
            return
        r_env = resolved[0] if len(resolved) == 1 else saltenv
        for target in fnmatch.filter(self.avail(saltenv), inc_sls) or [inc_sls]:
            if f"{r_env}:{target}" in mods:
                continue
            nstate, nerrors = self.render_state(target, r_env, mods, matches, context)
            if nstate:
                for id_, body in nstate.items():
                    if _is_dunder(id_) or not isinstance(body, dict):
                        continue
                    body.setdefault("__sls_included_from__", []).append(sls)
                merge_included_states(state, nstate, errors)
            errors.extend(nerrors)

    def _auto_order(self, state: dict[str, Any]) -> None:
        """Number every state declaration that has no ``order`` (``state_auto_order``)."""
        if not self.opts.get("state_auto_order", True):
            return
        for body in state.values():
            if not isinstance(body, dict):
                continue
            for key, decl in body.items():
                if not isinstance(key, str) or key.startswith("_") or not isinstance(decl, list):
                    continue
                if any(isinstance(arg, dict) and arg and next(iter(arg)) == "order" for arg in decl):
                    continue
                decl.append({"order": self.iorder})
                self.iorder += 1


def merge_included_states(high: dict[str, Any], state: dict[str, Any], errors: list[str]) -> None:
    """Merge a rendered SLS into ``high``: extends and excludes accumulate, IDs must be unique."""
    if "__extend__" in state:
        high.setdefault("__extend__", []).extend(state.pop("__extend__"))
    if "__exclude__" in state:
        high.setdefault("__exclude__", []).extend(state.pop("__exclude__"))
    for id_, body in state.items():
        if id_ in high and high[id_] != body:
            old = high[id_] if isinstance(high[id_], dict) else {}
            new = body if isinstance(body, dict) else {}
            errors.append(
                "Detected conflicting IDs, SLS IDs need to be globally unique.\n    The conflicting ID "
                f"is '{id_}' and is found in SLS '{old.get('__env__')}:{old.get('__sls__')}' and SLS "
                f"'{new.get('__env__')}:{new.get('__sls__')}'"
            )
    high.update(state)


def _dedupe_extends(high: dict[str, Any]) -> None:
    """Split the collected extend dicts into one entry per ID, dropping exact duplicates."""
    if "__extend__" not in high:
        return
    seen: list[tuple[Any, Any]] = []
    for ext in high["__extend__"]:
        for item in ext.items():
            if item not in seen:
                seen.append(item)
    high["__extend__"] = [{name: body} for name, body in seen]


def _split_dotted(body: dict[str, Any]) -> list[str]:
    """``file.managed: [...]`` -> ``file: [..., managed]``; returns the state types seen twice."""
    seen: set[str] = set()
    twice: list[str] = []
    for key in list(body):
        if not isinstance(key, str) or key.startswith("_") or not isinstance(body[key], list):
            continue
        if "." not in key:
            seen.add(key)
            continue
        parts = key.split(".")
        if parts[0] in seen:
            twice.append(parts[0])
            continue
        body[parts[0]] = body.pop(key)  # re-inserted: it moves to the end like Salt's
        body[parts[0]].append(parts[1])
        seen.add(parts[0])
    return twice


def _state_decls(state: dict[str, Any], sls: str, saltenv: str, errors: list[str]) -> None:
    """Stamp ``__sls__``/``__env__`` and expand the short ``id: mod.fun`` and ``mod.fun:`` forms."""
    for id_ in state:
        body = state[id_]
        if not isinstance(body, dict):
            if id_ in ("__extend__", "__exclude__"):
                continue
            if isinstance(body, str) and "." in body:
                parts = body.split(".")
                state[id_] = {"__sls__": sls, "__env__": saltenv, parts[0]: [parts[1]]}
                continue
            errors.append(f"ID {id_} in SLS {sls} is not a dictionary")
            continue
        if _split_dotted(body):
            errors.append(f"ID '{id_}' in SLS '{sls}' contains multiple state declarations of the same type")
        body.setdefault("__sls__", sls)
        body.setdefault("__env__", saltenv)


def _take_extend(state: dict[str, Any], sls: str, saltenv: str, errors: list[str]) -> None:
    if "extend" not in state:
        return
    ext = state.pop("extend")
    if not isinstance(ext, dict):
        errors.append(f"Extension value in SLS '{sls}' is not a dictionary")
        return
    for name, body in ext.items():
        if not isinstance(body, dict):
            errors.append(f"Extension name '{name}' in SLS '{sls}' is not a dictionary")
            continue
        body.setdefault("__sls__", sls)
        body.setdefault("__env__", saltenv)
        for key in list(body):
            if isinstance(key, str) and not key.startswith("_") and "." in key \
                    and isinstance(body[key], list):
                parts = key.split(".")
                body[parts[0]] = body.pop(key)
                body[parts[0]].append(parts[1])
    state.setdefault("__extend__", []).append({n: b for n, b in ext.items() if isinstance(b, dict)})


def _take_exclude(state: dict[str, Any], sls: str, errors: list[str]) -> None:
    if "exclude" not in state:
        return
    exc = state.pop("exclude")
    if not isinstance(exc, list):
        errors.append(f"Exclude Declaration in SLS {sls} is not formed as a list")
        return
    state.setdefault("__exclude__", []).extend(exc)
