"""Render pipes: ``#!jinja|yaml`` shebang parsing and running the stages in order.

Each stage takes the previous stage's output. ``jinja`` turns text into text; ``yaml``, ``json``
and ``toml`` turn text into data (and pass data through unchanged); ``py`` runs a Python module's
``run()``. Salt's other renderers are recognised by name and refused with a clear error.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from saline.renderers.errors import TemplateError

# Salt's renderers that Saline does not implement: named in the error so users know why.
UNSUPPORTED = frozenset(
    {
        "aws_kms", "cheetah", "dson", "genshi", "gpg", "hjson", "json5", "mako", "msgpack", "nacl",
        "pass", "pydsl", "pyobjects", "stateconf", "wempy", "yamlex",
    }
)
# Salt's old single-word names for two-stage pipes
LEGACY = {"yaml_jinja": "jinja|yaml", "json_jinja": "jinja|json", "yaml_mako": "mako|yaml",
          "yaml_wempy": "wempy|yaml", "json_mako": "mako|json", "json_wempy": "wempy|json"}
TEXT_RENDERERS = frozenset({"jinja"})

_PIPE_RE = re.compile(r"^[A-Za-z0-9_]+(\|[A-Za-z0-9_]+)*$")


@dataclass
class RenderJob:
    """One render: what is rendered, where it comes from, and the caller's extra context."""

    ctx: Any
    saltenv: str = "base"
    sls: str = ""
    source: str = "<string>"  # salt://a/b.sls, or a label for strings
    relpath: str = ""  # a/b.sls when the text comes from the file client
    local_path: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    pipe: list[str] = field(default_factory=list)
    stage: int = 0
    text: str = ""  # the source text, before any stage

    def error(self, message: str, kind: str = "", line: int | None = None, text: str | None = None,
              detail: str = "") -> TemplateError:
        return TemplateError(message, kind=kind, source=self.source, sls=self.sls, saltenv=self.saltenv,
                             line=line, text=text, detail=detail)

    @property
    def after_jinja(self) -> bool:
        """True when an earlier stage rewrote the text (line numbers refer to its output)."""
        return any(name in TEXT_RENDERERS for name in self.pipe[: self.stage])


def _renderer(name: str) -> Callable[[Any, RenderJob], Any]:
    if name == "jinja":
        from saline.renderers.jinja_env import render_jinja

        return render_jinja
    if name == "yaml":
        from saline.renderers.data import render_yaml

        return render_yaml
    if name == "json":
        from saline.renderers.data import render_json

        return render_json
    if name == "toml":
        from saline.renderers.data import render_toml

        return render_toml
    if name == "py":
        from saline.renderers.py_renderer import render_py

        return render_py
    raise KeyError(name)


SUPPORTED = ("jinja", "json", "py", "toml", "yaml")


def parse_pipe(spec: str) -> list[str]:
    """``"jinja | yaml"`` -> ``["jinja", "yaml"]`` (legacy names expanded); raises ValueError if malformed."""
    compact = re.sub(r"\s*\|\s*", "|", spec.strip())
    compact = LEGACY.get(compact, compact)
    if not _PIPE_RE.match(compact):
        raise ValueError(f"invalid renderer pipe {spec!r}")
    out: list[str] = []
    for name in compact.split("|"):
        out.extend(LEGACY.get(name, name).split("|"))
    return out


def shebang_pipe(text: str) -> str | None:
    """The renderer pipe named on a ``#!`` first line, or None (``#!/bin/sh`` is not a pipe)."""
    if not text.startswith("#!"):
        return None
    first = text.split("\n", 1)[0][2:].strip()
    compact = re.sub(r"\s*\|\s*", "|", first)
    token = compact.split(None, 1)[0] if compact else ""
    return token if token and _PIPE_RE.match(LEGACY.get(token, token)) else None


def check_pipe(names: list[str], job: RenderJob, spec: str) -> None:
    for name in names:
        if name in SUPPORTED:
            continue
        if name in UNSUPPORTED or name == "tomlmod":
            raise job.error(
                f"renderer '{name}' (in '{spec}') is not supported by Saline; "
                f"supported renderers: {', '.join(SUPPORTED)}", kind="Unsupported renderer", line=1,
            )
        raise job.error(f"unknown renderer '{name}' in '{spec}'; supported renderers: {', '.join(SUPPORTED)}",
                        kind="Unknown renderer", line=1)


def run_pipe(text: str, spec: str, job: RenderJob, honour_shebang: bool) -> Any:
    pipe_spec = spec
    if honour_shebang:
        from_shebang = shebang_pipe(text)
        if from_shebang:
            pipe_spec = from_shebang
    try:
        names = parse_pipe(pipe_spec)
    except ValueError as exc:
        raise job.error(str(exc), kind="Invalid renderer") from None
    check_pipe(names, job, pipe_spec)
    if "py" in names and names[0] != "py":
        raise job.error(f"the py renderer must come first in a pipe, got '{pipe_spec}'", kind="Invalid renderer")
    job.pipe = names
    job.text = text
    data: Any = text
    for index, name in enumerate(names):
        job.stage = index
        data = _renderer(name)(data, job)
    return data


def _tpl_source(relpath: str) -> str:
    return f"salt://{relpath}"


def render_file(
    ctx: Any,
    relpath: str,
    saltenv: str = "base",
    *,
    sls: str = "",
    default_renderer: str | None = None,
    context: dict[str, Any] | None = None,
) -> Any:
    from saline.errors import SaltInvocationError
    from saline.fileclient_local import split_url

    job = RenderJob(ctx, saltenv=saltenv, sls=sls, context=dict(context or {}))
    try:
        relpath, saltenv = split_url(relpath, saltenv)
    except SaltInvocationError as exc:
        raise job.error(str(exc), kind="Invalid path") from None
    job.saltenv, job.relpath, job.source = saltenv, relpath, _tpl_source(relpath)
    fileclient = ctx.fileclient
    url = f"salt://{relpath}"
    local = fileclient.cache_file(url, saltenv)
    if local is None:
        raise job.error(f"file not found in saltenv '{saltenv}'", kind="Missing file")
    job.local_path = local
    try:
        with open(local, encoding="utf-8") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise job.error(f"not UTF-8 text ({exc.reason} at byte {exc.start})", kind="Encoding error") from None
    except OSError as exc:
        raise job.error(f"cannot read {local}: {exc.strerror}", kind="Read error") from None
    spec = default_renderer or (ctx.opts or {}).get("renderer") or "jinja|yaml"
    return run_pipe(text, spec, job, honour_shebang=True)


def render_string(
    ctx: Any,
    text: str,
    renderer: str = "jinja|yaml",
    *,
    saltenv: str = "base",
    sls: str = "",
    source: str = "<string>",
    context: dict[str, Any] | None = None,
) -> Any:
    job = RenderJob(ctx, saltenv=saltenv, sls=sls, source=source, context=dict(context or {}))
    if source.startswith("salt://"):
        from saline.errors import SaltInvocationError
        from saline.fileclient_local import split_url

        try:
            job.relpath, _ = split_url(source, saltenv)
        except SaltInvocationError:
            job.relpath = ""
    if not isinstance(text, str):
        raise job.error(f"expected text to render, got {type(text).__name__}", kind="Invalid input")
    try:
        names = parse_pipe(renderer)
    except ValueError as exc:
        raise job.error(str(exc), kind="Invalid renderer") from None
    # A text template (file.managed's `template: jinja`) keeps its first line: `#!/bin/sh` scripts.
    honour = not all(n in TEXT_RENDERERS for n in names)
    return run_pipe(text, renderer, job, honour_shebang=honour)


def tpl_vars(relpath: str, local_path: str = "") -> dict[str, str]:
    """Salt's per-template variables: ``tplfile``, ``tpldir``, ``tpldot``, ``tplpath``."""
    tpldir = posixpath.dirname(relpath) or "."
    return {
        "tplfile": relpath,
        "tpldir": tpldir,
        "tpldot": "" if tpldir == "." else tpldir.replace("/", "."),
        "tplpath": local_path,
    }


def sls_vars(sls: str, relpath: str) -> dict[str, str]:
    """``slspath`` and friends: the SLS's directory in slash, underscore, dot and colon forms."""
    if not sls:
        slspath = ""
    elif relpath.endswith("/init.sls") or relpath == "init.sls":
        slspath = sls.replace(".", "/")
    else:
        slspath = sls.replace(".", "/").rpartition("/")[0]
    return {
        "slspath": slspath,
        "sls_path": slspath.replace("/", "_"),
        "slsdotpath": slspath.replace("/", "."),
        "slscolonpath": slspath.replace("/", ":"),
    }
