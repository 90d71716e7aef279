"""The Jinja renderer: Salt's environment, context and template loading through the file client.

Matches Salt 3007: a sandboxed environment, undefined variables are errors (``allow_undefined:
True`` relaxes that), the ``do`` and ``loopcontrols`` extensions plus Salt's ``import_*``/
``load_*`` tags, ``jinja_trim_blocks``/``jinja_lstrip_blocks`` (and the ``jinja_env`` /
``jinja_sls_env`` option dicts). Templates named in ``import``/``include``/``from`` come from
the file client in the render's saltenv; ``./x`` and ``../x`` are relative to the rendered file's
directory (``tpldir``), like Salt. Every loaded template sees Salt's globals (salt, grains,
pillar, opts, saltenv, sls, ...) and its own ``tplfile``/``tpldir``.
"""

from __future__ import annotations

import os
import posixpath
import threading
from collections import ChainMap, OrderedDict
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from saline.renderers.jinja_errors import translate
from saline.renderers.pipeline import RenderJob, sls_vars, tpl_vars

# Compiled template code is reused across renders: formulas import the same map.jinja from
# every SLS. Keyed by the environment's syntax settings, the file name and the exact source.
_CODE_CACHE: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_CODE_CACHE_MAX = 1024
_CODE_LOCK = threading.Lock()

_SYNTAX_KEYS = (
    "block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
    "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
    "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline",
)


def compile_cached(env: jinja2.Environment, source: str, name: str | None, filename: str) -> Any:
    key = (tuple(getattr(env, k) for k in _SYNTAX_KEYS), name, filename, source)
    with _CODE_LOCK:
        code = _CODE_CACHE.get(key)
        if code is not None:
            _CODE_CACHE.move_to_end(key)
            return code
    disk = _disk_cache_path(env, key)
    code = _load_code(disk) if disk else None
    if code is None:
        code = env.compile(source, name, filename)
        if disk:
            _store_code(disk, code)
    with _CODE_LOCK:
        _CODE_CACHE[key] = code
        if len(_CODE_CACHE) > _CODE_CACHE_MAX:
            _CODE_CACHE.popitem(last=False)
    return code


def _disk_cache_path(env: jinja2.Environment, key: tuple[Any, ...]) -> str | None:
    """Where the compiled template for ``key`` is kept between runs (``<cachedir>/jinja``), if anywhere.

    Compiling templates is most of a cold render; like .pyc files, the code is reused while the source,
    the syntax options, Jinja and Python are the same.
    """
    job = getattr(env, "saline_job", None)
    cachedir = (getattr(getattr(job, "ctx", None), "opts", None) or {}).get("cachedir") if job else None
    if not cachedir:
        return None
    import hashlib
    import sys

    digest = hashlib.sha256(repr((key, jinja2.__version__, sys.version)).encode("utf-8", "surrogatepass"))
    return os.path.join(str(cachedir), "jinja", digest.hexdigest() + ".code")


def _load_code(path: str) -> Any:
    import marshal

    try:
        with open(path, "rb") as fh:
            return marshal.load(fh)
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _store_code(path: str, code: Any) -> None:
    import marshal
    import tempfile

    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    except OSError:
        return  # a cache: failing to write it only costs speed
    try:
        with os.fdopen(fd, "wb") as fh:
            marshal.dump(code, fh)
        os.replace(tmp, path)
    except (OSError, ValueError):
        try:
            os.unlink(tmp)
        except OSError:
            pass


class FileClientLoader(jinja2.BaseLoader):
    """Loads templates from the render's file client; remembers sources for error excerpts."""

    def __init__(self, job: RenderJob, top_tpldir: str) -> None:
        self.job = job
        self.top_tpldir = top_tpldir
        self.sources: dict[str, str] = {}
        # tpldir each loaded template resolves ``./x`` against, and the name it was asked for
        self.tpldirs: dict[str, str] = {}
        self.given: dict[str, str] = {}

    def join(self, template: str, parent: str | None) -> str:
        """Resolve ``./x`` and ``../x`` like Salt: against the importing template's ``tpldir``.

        A template loaded by an absolute name has its own directory as ``tpldir``; one loaded by a
        relative name keeps its importer's (so ``./`` inside it still means the importer's directory).
        """
        if not template.startswith(("./", "../")):
            return template
        base = self.tpldirs.get(parent, self.top_tpldir) if parent else self.top_tpldir
        joined = posixpath.normpath(posixpath.join("" if base == "." else base, template))
        if joined == ".." or joined.startswith("../"):
            raise jinja2.TemplateNotFound(template, f"template '{template}' points outside the file roots")
        self.tpldirs.setdefault(joined, base)
        self.given.setdefault(joined, template)
        return joined

    def resolve(self, name: str) -> tuple[str, str]:
        """``(relative path, saltenv)`` of a template name; raises TemplateNotFound when invalid."""
        from saline.errors import SaltInvocationError
        from saline.fileclient_local import split_url

        saltenv = self.job.saltenv
        name = self.join(name, None)
        try:
            return split_url(name, saltenv)
        except SaltInvocationError as exc:
            raise jinja2.TemplateNotFound(name, f"template '{name}': {exc}") from None

    def fetch(self, template: str) -> tuple[str, str, str, str]:
        """``(relpath, local path, source, filename)`` of a template name."""
        relpath, saltenv = self.resolve(template)
        local = self.job.ctx.fileclient.cache_file(f"salt://{relpath}", saltenv)
        if local is None:
            raise jinja2.TemplateNotFound(
                template, f"template '{template}' not found in saltenv '{saltenv}' (salt://{relpath})"
            )
        try:
            with open(local, encoding="utf-8") as fh:
                source = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise jinja2.TemplateNotFound(template, f"template '{template}' cannot be read: {exc}") from None
        filename = f"salt://{relpath}" if saltenv == self.job.saltenv else f"salt://{relpath}?saltenv={saltenv}"
        self.sources[filename] = source
        return relpath, local, source, filename

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        _, _, source, filename = self.fetch(template)
        return source, filename, lambda: True

    def load(self, environment: jinja2.Environment, name: str, globals: Any = None) -> jinja2.Template:
        relpath, local, source, filename = self.fetch(name)
        own = dict(globals.maps[0]) if isinstance(globals, ChainMap) else dict(globals or {})
        tvars = tpl_vars(relpath, local)
        if name in self.given:  # loaded by a relative name: Salt keeps the importer's tpldir
            base = self.tpldirs[name]
            tvars.update(tplfile=self.given[name], tpldir=base, tpldot="" if base == "." else base.replace("/", "."))
        else:
            self.tpldirs.setdefault(name, tvars["tpldir"])
        template_globals = environment.make_globals({**own, **tvars})
        code = compile_cached(environment, source, name, filename)
        return environment.template_class.from_code(environment, code, template_globals, lambda: True)


def _env_options(job: RenderJob) -> dict[str, Any]:
    opts = job.ctx.opts or {}
    options: dict[str, Any] = {
        "trim_blocks": bool(opts.get("jinja_trim_blocks", False)),
        "lstrip_blocks": bool(opts.get("jinja_lstrip_blocks", False)),
    }
    # Salt: jinja_sls_env when rendering an SLS (a state or pillar file), jinja_env otherwise
    extra = opts.get("jinja_sls_env" if job.sls else "jinja_env") or {}
    if isinstance(extra, dict):
        options.update({k: v for k, v in extra.items() if k in _SYNTAX_KEYS})
    return options


def base_context(job: RenderJob) -> dict[str, Any]:
    """Salt's standard template variables (globals of every template of this render)."""
    ctx = job.ctx
    values: dict[str, Any] = {
        "salt": ctx.salt,
        "grains": ctx.grains,
        "pillar": ctx.pillar,
        "opts": ctx.opts,
        "saltenv": job.saltenv,
        "sls": job.sls,
    }
    values.update(sls_vars(job.sls, job.relpath))
    return values


_PLAIN = (str, int, float, bool, type(None))


def _unorder(value: Any) -> Any:
    if isinstance(value, OrderedDict):
        return {k: _unorder(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {k: _unorder(v) for k, v in value.items()} if any(_has_odict(v) for v in value.values()) else value
    if isinstance(value, list):
        return [_unorder(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_unorder(v) for v in value)
    return value


def _has_odict(value: Any) -> bool:
    if isinstance(value, OrderedDict):
        return True
    if isinstance(value, dict):
        return any(_has_odict(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_odict(v) for v in value)
    return False


def finalize(value: Any) -> Any:
    """``{{ x }}`` prints ordered mappings (YAML-rendered data) like plain dicts, as Salt does."""
    if isinstance(value, _PLAIN):
        return value
    return _unorder(value) if _has_odict(value) else value


class SaltEnvironment(SandboxedEnvironment):
    def join_path(self, template: str, parent: str) -> str:
        loader = self.loader
        return loader.join(template, parent) if isinstance(loader, FileClientLoader) else template


def make_environment(job: RenderJob, loader: FileClientLoader) -> SandboxedEnvironment:
    from saline.renderers.jinja_globals import GLOBALS, TESTS
    from saline.renderers.jinja_tags import SaltTagsExtension
    from saline.renderers.registry import filters

    opts = job.ctx.opts or {}
    undefined = jinja2.Undefined if opts.get("allow_undefined") else jinja2.StrictUndefined
    env = SaltEnvironment(
        loader=loader,
        undefined=undefined,
        extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols", SaltTagsExtension],
        autoescape=False,
        cache_size=400,
        finalize=finalize,
        **_env_options(job),
    )
    env.filters.update(filters())
    env.tests.update(TESTS)
    env.globals.update(GLOBALS)
    env.globals.update(base_context(job))
    env.saline_job = job  # type: ignore[attr-defined]  # filters that need the file client use it
    return env


def render_jinja(data: Any, job: RenderJob) -> str:
    if not isinstance(data, str):
        raise job.error(f"the jinja renderer needs text, got {type(data).__name__}", kind="Jinja error")
    tvars = tpl_vars(job.relpath, job.local_path) if job.relpath else tpl_vars("", "")
    if not job.relpath:
        tvars["tplfile"] = "" if job.source.startswith("<") else job.source
    loader = FileClientLoader(job, tvars["tpldir"])
    env = make_environment(job, loader)
    loader.sources[job.source] = data
    context = {**tvars, **job.context}
    try:
        code = compile_cached(env, data, None, job.source)
        template = env.template_class.from_code(env, code, env.make_globals(dict(tvars)), None)
        out = template.render(context)
    except Exception as exc:
        raise translate(exc, job, loader.sources) from exc
    if data.endswith("\n"):
        out += "\n"  # Jinja drops the source's final newline; Salt puts one back
    return out
