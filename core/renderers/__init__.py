"""Renderers: turn SLS files and templates into data or text, like Salt's render pipes.

Public API (see docs/templates.md):

- :func:`sls_to_path` — ``a.b`` -> ``a/b.sls`` or ``a/b/init.sls`` (Salt's precedence)
- :func:`render_file` — render a file from the file client; the ``#!`` line picks the pipeline
- :func:`render_string` — render text with a given pipeline (``jinja`` alone returns text)

Errors are :class:`saline.errors.RenderError` (subclass :class:`TemplateError`) naming the file,
the SLS, the line, and showing the offending lines. Jinja and the renderers are imported lazily.
"""

from __future__ import annotations

from typing import Any

from saline.renderers.errors import TemplateError

__all__ = ["TemplateError", "render_file", "render_string", "sls_to_path"]


def sls_to_path(fileclient: Any, sls: str, saltenv: str = "base") -> str | None:
    """Relative path of SLS ``sls`` in ``saltenv``: ``a/b.sls`` wins over ``a/b/init.sls``; None if neither.

    Like Salt, ``a/b`` is accepted as another spelling of ``a.b``.
    """
    if not isinstance(sls, str) or not sls or "\0" in sls:
        return None
    parts = sls.replace("/", ".").split(".")
    if any(not part or part.isspace() for part in parts):
        return None
    base = "/".join(parts)
    for candidate in (f"{base}.sls", f"{base}/init.sls"):
        if fileclient.cache_file(f"salt://{candidate}", saltenv):
            return candidate
    return None


def render_file(
    ctx: Any,
    relpath: str,
    saltenv: str = "base",
    *,
    sls: str = "",
    default_renderer: str | None = None,
    context: dict[str, Any] | None = None,
) -> Any:
    """Render ``salt://relpath`` in ``saltenv``: the ``#!`` line or ``default_renderer`` picks the pipe."""
    from saline.renderers.pipeline import render_file as _render_file

    return _render_file(ctx, relpath, saltenv, sls=sls, default_renderer=default_renderer, context=context)


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
    """Render ``text`` through ``renderer``; ``"jinja"`` returns text, data pipes return data."""
    from saline.renderers.pipeline import render_string as _render_string

    return _render_string(ctx, text, renderer, saltenv=saltenv, sls=sls, source=source, context=context)
