"""Custom modules synced from the file server by ``saltutil.sync_*``: ``<cachedir>/extmods/<kind>/*.py``.

A custom module may be written for Saline (it declares ``mod = Module(...)`` or ``st = StateModule(...)``
like a builtin one) or, so that an admin's existing ``_modules``/``_states`` work unchanged, in Salt's
style: plain public functions that use Salt's injected names ``__salt__``, ``__grains__``, ``__pillar__``,
``__opts__`` and ``__context__``, with an optional ``__virtual__()`` and ``__virtualname__``. Salt injects
those per loader; here they are proxies that look up the context of the call running in this thread,
so concurrent jobs each see their own grains, pillar and options.

As in Salt, a custom module replaces a builtin one of the same name. Salt-style state functions are
trusted to honour ``__opts__['test']`` themselves (they run with a context that may act), exactly as
Salt runs them; Saline-style ones go through the runner's plan/apply like builtin states.
"""

from __future__ import annotations

import contextvars
import importlib.util
import inspect
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

log = logging.getLogger(__name__)

KINDS = ("modules", "states", "grains")
_VIRTUALNAME = re.compile(r"""^__virtualname__\s*(?::\s*str\s*)?=\s*["']([A-Za-z_]\w*)["']""", re.M)

_root: str | None = None
_opts: dict[str, Any] = {}
_current: contextvars.ContextVar[Any] = contextvars.ContextVar("saline_extmods_ctx", default=None)
# (kind, name) -> (path, mtime_ns, size, loaded python module)
_files: dict[tuple[str, str], tuple[str, int, int, Any]] = {}


def root_of(opts: Mapping[str, Any]) -> str | None:
    cachedir = opts.get("cachedir")
    return os.path.join(str(cachedir), "extmods") if cachedir else None


def use(opts: dict[str, Any]) -> bool:
    """Serve custom modules from ``opts``' cachedir; True when what is there differs from before (the
    caller then forgets the modules it loaded). Many identities of one process (the benchmark swarm)
    switch roots all the time with nothing synced: that is no change."""
    global _root, _opts
    before = _signature()
    _root, _opts = root_of(opts), opts
    return _signature() != before


def _signature() -> tuple[tuple[str, str, str], ...]:
    return tuple((kind, name, path) for kind in KINDS for name, path in sorted(names(kind).items()))


def directory(kind: str) -> str | None:
    return os.path.join(_root, kind) if _root else None


# folder -> (its mtime, names): a job asks on every call, a sync renames files in (new mtime)
_listed: dict[str, tuple[int, dict[str, str]]] = {}


def names(kind: str) -> dict[str, str]:
    """Custom modules of ``kind``: module name (``__virtualname__`` or file name) -> file path."""
    folder = directory(kind)
    if not folder:
        return {}
    try:
        mtime = os.stat(folder).st_mtime_ns
    except OSError:
        return {}
    cached = _listed.get(folder)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    found = _scan(folder)
    # a folder changed in the last seconds may change again within the same timestamp tick: read it again
    if time.time_ns() - mtime > 2_000_000_000:
        _listed[folder] = (mtime, found)
    return found


def _scan(folder: str) -> dict[str, str]:
    try:
        files = sorted(f for f in os.listdir(folder) if f.endswith(".py") and f[:-3].isidentifier())
    except OSError:
        return {}
    found: dict[str, str] = {}
    for filename in files:
        path = os.path.join(folder, filename)
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                match = _VIRTUALNAME.search(fh.read())
        except OSError:
            continue
        found.setdefault(match.group(1) if match else filename[:-3], path)
    return found


def load_file(kind: str, name: str) -> Any | None:
    """The python module of custom module ``name`` (executed again when its file changed); None when
    there is none. A module that fails to import raises ImportError naming the file and the error."""
    path = names(kind).get(name)
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    cached = _files.get((kind, name))
    if cached and cached[:3] == (path, st.st_mtime_ns, st.st_size):
        return cached[3]
    module_name = f"saline_extmods.{kind}.{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}", name=path)
    module = importlib.util.module_from_spec(spec)
    inject(module)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a broken custom module is reported as missing; it never breaks the caller
        sys.modules.pop(module_name, None)
        raise ImportError(f"{path}: {type(exc).__name__}: {exc}") from exc
    _files[(kind, name)] = (path, st.st_mtime_ns, st.st_size, module)
    return module


# ---- Salt's injected names --------------------------------------------------------------------------

def current() -> Any:
    ctx = _current.get()
    if ctx is None:
        raise RuntimeError("a custom module's __salt__/__grains__/... is only usable while one of its "
                           "functions is being called")
    return ctx


class _Live(MutableMapping[str, Any]):
    """A dict of the calling context (its grains, pillar, opts or scratch space), looked up on each use."""

    def __init__(self, get: Callable[[Any], Any]) -> None:
        self._get = get

    def _data(self) -> Any:
        return self._get(current())

    def __getitem__(self, key: str) -> Any:
        return self._data()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __repr__(self) -> str:
        return repr(self._data())


def inject(module: Any) -> None:
    """Give ``module`` Salt's ``__salt__``, ``__grains__``, ``__pillar__``, ``__opts__``, ``__context__``."""
    module.__salt__ = _Live(lambda ctx: ctx.salt)
    module.__grains__ = _Live(lambda ctx: ctx.grains)
    module.__pillar__ = _Live(lambda ctx: ctx.pillar)
    module.__opts__ = _Live(lambda ctx: ctx.opts)
    module.__context__ = _Live(lambda ctx: ctx.scratch)


def with_context(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` (a Salt-style function) as a Saline one: ``ctx`` first, made current during the call."""

    def call(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        token = _current.set(ctx)
        try:
            return fn(*args, **kwargs)
        finally:
            _current.reset(token)

    signature = inspect.signature(fn)
    ctx_param = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_ONLY)
    call.__signature__ = signature.replace(parameters=[ctx_param, *signature.parameters.values()])  # type: ignore[attr-defined]
    call.__name__, call.__qualname__, call.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    return call


def public_functions(module: Any) -> dict[str, Callable[..., Any]]:
    """Salt's rule: functions defined in the module whose names do not start with ``_``."""
    return {name: fn for name, fn in vars(module).items()
            if not name.startswith("_") and inspect.isfunction(fn) and fn.__module__ == module.__name__}


def virtual(module: Any, ctx: Any) -> str | None:
    """Run ``__virtual__`` (if any) with ``ctx`` current: None when the module loads, else why not."""
    check = getattr(module, "__virtual__", None)
    if check is None:
        return None
    token = _current.set(ctx)
    try:
        verdict = check()
    except Exception as exc:
        return f"__virtual__ raised {type(exc).__name__}: {exc}"
    finally:
        _current.reset(token)
    if isinstance(verdict, tuple):
        ok, reason = (*verdict, None)[:2]
        return None if ok else str(reason or "__virtual__ returned False")
    if verdict is False or verdict is None:
        return "__virtual__ returned False"
    return None


def options() -> dict[str, Any]:
    """The options of the context custom modules are served for (used by ``__virtual__``)."""
    return _opts
