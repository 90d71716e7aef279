"""Execution-module declarations, the function registry and the call context.

A module file declares ``mod = Module("name", ...)`` and decorates its functions with
``@mod.query`` (read-only, allowed while planning) or ``@mod.action`` (changes the system,
refused while planning). Functions take an explicit ``ctx`` first; there are no magic globals.
Builtin modules are listed literally in :mod:`saline.module_index` and imported lazily, so a
call only pays for the modules it uses.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from saline.errors import ActionRefusedError, CommandNotFoundError

Availability = Callable[[Mapping[str, Any]], "bool | str"]


@dataclass
class Function:
    module: Module
    name: str
    fn: Callable[..., Any]
    kind: str  # "query" or "action"
    # An action that is read-only for some arguments (``dry_run=True``): given the context and the
    # call's bound arguments (defaults applied), True when this call cannot change the system.
    read_only_if: Callable[[Any, dict[str, Any]], bool] | None = None

    @property
    def full_name(self) -> str:
        return f"{self.module.name}.{self.name}"

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.fn.__doc__ or "")


class Module:
    """A named execution module (or one backend of it)."""

    def __init__(
        self,
        name: str,
        backend: str | None = None,
        available: Availability | None = None,
        doc: str = "",
    ) -> None:
        self.name = name
        self.backend = backend
        self._available = available
        self.doc = doc
        self.functions: dict[str, Function] = {}

    def _register(
        self, fn: Callable[..., Any], kind: str, name: str | None, read_only_if: Any = None
    ) -> Callable[..., Any]:
        public = name or fn.__name__.rstrip("_")
        self.functions[public] = Function(self, public, fn, kind, read_only_if)
        return fn

    def query(self, fn: Callable[..., Any] | None = None, *, name: str | None = None) -> Any:
        """Declare a read-only function (may run while planning)."""
        if fn is None:
            return lambda f: self._register(f, "query", name)
        return self._register(fn, "query", name)

    def action(
        self,
        fn: Callable[..., Any] | None = None,
        *,
        name: str | None = None,
        read_only_if: Callable[[Any, dict[str, Any]], bool] | None = None,
    ) -> Any:
        """Declare a function that changes the system (refused while planning).

        ``read_only_if(ctx, arguments)`` marks calls that cannot change anything (e.g. ``dry_run=True``):
        those are allowed while planning.
        """
        if fn is None:
            return lambda f: self._register(f, "action", name, read_only_if)
        return self._register(fn, "action", name, read_only_if)

    @property
    def has_condition(self) -> bool:
        return self._available is not None

    def availability(self, grains: Mapping[str, Any]) -> str | None:
        """None when usable, else the reason it is not."""
        if self._available is None:
            return None
        verdict = self._available(grains)
        if verdict is True:
            return None
        return verdict if isinstance(verdict, str) and verdict else "not available on this system"


@dataclass
class Context:
    """Everything a module function may use: options, grains, pillar and the other functions."""

    opts: dict[str, Any]
    grains_loader: Callable[[], dict[str, Any]] | None = None
    pillar_loader: Callable[[], dict[str, Any]] | None = None
    # Builds the file client (salt:// access) on first use; see saline.fileclient
    fileclient_loader: Callable[[], Any] | None = None
    planning: bool = False
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("saline.modules"))
    # Salt's __context__: per-run scratch space shared by modules (e.g. the last retcode)
    scratch: dict[str, Any] = field(default_factory=dict)
    retcode: int = 0
    _grains: dict[str, Any] | None = None
    _pillar: dict[str, Any] | None = None
    _salt: FunctionRegistry | None = None
    _fileclient: Any = None
    # Compiles a fresh pillar for other parameters without touching ctx.pillar (pillar.items
    # pillarenv=...): called as pillar_compiler(pillarenv=, saltenv=, override=) -> dict
    pillar_compiler: Callable[..., dict[str, Any]] | None = None

    @property
    def grains(self) -> dict[str, Any]:
        # Grains are collected on first use: `test.ping` never pays for them.
        if self._grains is None:
            self._grains = self.grains_loader() if self.grains_loader else {}
        return self._grains

    @grains.setter
    def grains(self, value: dict[str, Any]) -> None:
        self._grains = value

    @property
    def pillar(self) -> dict[str, Any]:
        if self._pillar is None:
            self._pillar = self.pillar_loader() if self.pillar_loader else dict(self.opts.get("pillar") or {})
        return self._pillar

    @pillar.setter
    def pillar(self, value: dict[str, Any]) -> None:
        self._pillar = value

    @property
    def fileclient(self) -> Any:
        """The :class:`saline.fileclient.FileClient` serving ``salt://`` URLs for this context."""
        if self._fileclient is None:
            if self.fileclient_loader is None:
                from saline.fileclient import LocalFileClient

                self._fileclient = LocalFileClient(self.opts)
            else:
                self._fileclient = self.fileclient_loader()
        return self._fileclient

    @property
    def test(self) -> bool:
        return bool(self.opts.get("test"))

    @property
    def salt(self) -> FunctionRegistry:
        if self._salt is None:
            self._salt = FunctionRegistry(self)
        return self._salt

    def planning_view(self) -> Context:
        """A copy of this context in which ``@action`` functions are refused."""
        return Context(
            self.opts, self.grains_loader, self.pillar_loader, self.fileclient_loader, True, self.log,
            self.scratch, _grains=self._grains, _pillar=self._pillar, _fileclient=self._fileclient,
            pillar_compiler=self.pillar_compiler,
        )


class FunctionRegistry(Mapping[str, Callable[..., Any]]):
    """``ctx.salt["mod.fun"](...)`` and ``salt.mod.fun(...)``: functions bound to a context."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def function(self, full_name: str) -> Function:
        mod_name, _, fun_name = full_name.rpartition(".")
        if not mod_name:
            raise CommandNotFoundError(f"'{full_name}' is not available.")
        module = load_module(mod_name, lambda: self._ctx.grains)
        if module is None or fun_name not in module.functions:
            raise CommandNotFoundError(f"'{full_name}' is not available.")
        return module.functions[fun_name]

    def __getitem__(self, full_name: str) -> Callable[..., Any]:
        return bind(self.function(full_name), self._ctx)

    def __contains__(self, full_name: object) -> bool:
        if not isinstance(full_name, str):
            return False
        try:
            self.function(full_name)
        except CommandNotFoundError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        grains = lambda: self._ctx.grains  # noqa: E731
        for name in list_modules(grains):
            module = load_module(name, grains)
            if module is not None:
                yield from (f"{name}.{f}" for f in module.functions)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __getattr__(self, mod_name: str) -> _ModuleView:
        if mod_name.startswith("_"):
            raise AttributeError(mod_name)
        return _ModuleView(self, mod_name)


class _ModuleView:
    """Attribute access ``salt.cmd.run`` used by Jinja templates."""

    def __init__(self, registry: FunctionRegistry, mod_name: str) -> None:
        self._registry = registry
        self._mod_name = mod_name

    def __getattr__(self, fun_name: str) -> Callable[..., Any]:
        try:
            return self._registry[f"{self._mod_name}.{fun_name}"]
        except CommandNotFoundError:
            raise AttributeError(f"{self._mod_name}.{fun_name}") from None


def bind(function: Function, ctx: Context) -> Callable[..., Any]:
    if function.kind == "action" and ctx.planning:

        @functools.wraps(function.fn)
        def refused(*args: Any, **kwargs: Any) -> Any:
            if function.read_only_if is not None:
                try:
                    bound = inspect.signature(function.fn).bind(ctx, *args, **kwargs)
                except TypeError:
                    bound = None
                if bound is not None:
                    bound.apply_defaults()
                    if function.read_only_if(ctx, dict(bound.arguments)):
                        return function.fn(ctx, *args, **kwargs)
            raise ActionRefusedError(
                f"{function.full_name} changes the system and cannot run while planning (test=True)"
            )

        return refused
    return functools.partial(function.fn, ctx)


# ---- module discovery -------------------------------------------------------------------------

_loaded: dict[str, Module | None] = {}
_missing: dict[str, str] = {}


# Custom execution modules synced by ``saltutil.sync_modules`` (see :mod:`saline.extmods`) are imported
# under this package name; as in Salt they come before the builtin module of the same name.
EXTMODS_PACKAGE = "saline_extmods.modules"


def use_extension_modules(opts: dict[str, Any]) -> None:
    """Serve the custom modules of ``opts``' cachedir; forgets loaded modules when they differ."""
    from saline import extmods

    if extmods.use(opts):
        reset_cache()


def _custom_module(name: str) -> Module:
    """The custom module ``name``: a Saline-style one as it is, a Salt-style one wrapped."""
    from saline import extmods

    module = extmods.load_file("modules", name)
    if module is None:
        raise ImportError(f"no custom module {name}", name=name)
    declared = getattr(module, "mod", None)
    if isinstance(declared, Module):
        return declared

    def available(grains: Mapping[str, Any]) -> bool | str:
        return extmods.virtual(module, Context(extmods.options(), _grains=dict(grains))) or True

    wrapped = Module(name, backend="custom", doc=inspect.cleandoc(module.__doc__ or ""),
                     available=available if hasattr(module, "__virtual__") else None)
    for fun, fn in extmods.public_functions(module).items():
        wrapped.action(extmods.with_context(fn), name=fun)  # what a custom function changes is unknown
    return wrapped


def _import(path: str) -> Module:
    if path.startswith(EXTMODS_PACKAGE + "."):
        return _custom_module(path.rpartition(".")[2])
    module = importlib.import_module(path)
    mod = getattr(module, "mod", None)
    if not isinstance(mod, Module):
        raise RuntimeError(f"{path} does not declare `mod = Module(...)`")
    return mod


def _entry_point_modules() -> dict[str, list[str]]:
    """Third-party execution modules registered under the ``saline.modules`` entry-point group."""
    from importlib.metadata import entry_points

    found: dict[str, list[str]] = {}
    for ep in entry_points(group="saline.modules"):
        found.setdefault(ep.name, []).append(ep.value)
    return found


def module_paths(name: str) -> tuple[str, ...]:
    from saline import extmods
    from saline.module_index import BUILTIN_MODULES

    custom = (f"{EXTMODS_PACKAGE}.{name}",) if name in extmods.names("modules") else ()
    if name in BUILTIN_MODULES:
        return (*custom, *BUILTIN_MODULES[name])
    return (*custom, *_entry_point_modules().get(name, ()))


GrainsSource = Callable[[], Mapping[str, Any]]


def load_module(name: str, grains: GrainsSource) -> Module | None:
    """The first available backend of module ``name``; reasons for the others go to ``missing``.

    ``grains`` is called only when a backend's availability depends on them.
    """
    if name in _loaded:
        return _loaded[name]
    chosen = None
    reasons = []
    for path in module_paths(name):
        try:
            candidate = _import(path)
        except ImportError as exc:
            reasons.append(f"{path.rsplit('.', 1)[-1]}: cannot import {exc.name or exc}")
            continue
        reason = candidate.availability(grains()) if candidate.has_condition else None
        if reason is None:
            chosen = candidate
            break
        label = candidate.backend or candidate.name
        reasons.append(f"{label}: {reason}")
    if chosen is None and reasons:
        _missing[name] = "; ".join(reasons)
    elif chosen is not None:
        # Backends passed over for a later one keep their reason too: sys.missing shows
        # e.g. "service (systemd)": "PID 1 is not systemd ...; using sysvinit".
        for skipped in reasons:
            label, _, why = skipped.partition(": ")
            _missing[f"{name} ({label})"] = f"{why}; using {chosen.backend or chosen.name}"
    _loaded[name] = chosen
    return chosen


def list_modules(grains: GrainsSource) -> list[str]:
    from saline import extmods
    from saline.module_index import BUILTIN_MODULES

    names = sorted({*BUILTIN_MODULES, *_entry_point_modules(), *extmods.names("modules")})
    return [n for n in names if load_module(n, grains) is not None]


def missing_modules(grains: GrainsSource) -> dict[str, str]:
    list_modules(grains)
    return dict(sorted(_missing.items()))


def reset_cache() -> None:
    """Forget loaded modules (tests change grains between calls)."""
    _loaded.clear()
    _missing.clear()
