"""Turn an exception raised while rendering Jinja into a :class:`TemplateError` that says where.

Jinja rewrites tracebacks so that template frames carry the template's file name and line; the
innermost such frame is where the error happened, the outer ones are the files that imported or
included it. The excerpt shows the file the user has to edit, not Saline's code.
"""

from __future__ import annotations

import traceback
from typing import Any

import jinja2
from saline.errors import RenderError, SalineError
from saline.renderers.errors import TemplateError
from saline.renderers.jinja_tags import ImportedDataError
from saline.renderers.pipeline import RenderJob
from saline.renderers.serialize import BlockDataError, FilterError


def template_frames(tb: Any, sources: dict[str, str]) -> list[tuple[str, int]]:
    """``(file, line)`` of each template frame in ``tb``, outermost first, consecutive repeats merged."""
    frames: list[tuple[str, int]] = []
    for frame, lineno in traceback.walk_tb(tb):
        name = frame.f_code.co_filename
        if name in sources:
            if frames and frames[-1][0] == name:
                frames[-1] = (name, lineno)
            else:
                frames.append((name, lineno))
    return frames


def _classify(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return "Jinja syntax error", exc.message or str(exc)
    if isinstance(exc, jinja2.TemplateNotFound):
        return "Jinja error", exc.message or f"template '{exc.name}' not found"
    if isinstance(exc, jinja2.UndefinedError):
        return "Jinja variable error", exc.message or str(exc)
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return "Jinja sandbox error", str(exc)
    if isinstance(exc, (FilterError, ImportedDataError)):
        return "Jinja filter error", str(exc)
    if isinstance(exc, jinja2.TemplateRuntimeError):
        return "Jinja error", str(exc)
    if isinstance(exc, SalineError):
        return "Error in a function called by the template", f"{type(exc).__name__}: {exc}"
    return "Jinja error", f"{type(exc).__name__}: {exc}"


def translate(exc: BaseException, job: RenderJob, sources: dict[str, str]) -> RenderError:
    if isinstance(exc, TemplateError) and exc.source in sources and exc.source != job.source:
        return exc  # already located (a nested render of another file)
    frames = template_frames(exc.__traceback__, sources)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        name = exc.filename or exc.name or job.source
        if name not in sources and exc.source is not None:
            sources[name] = exc.source
        if not frames or frames[-1][0] != name:
            frames.append((name, exc.lineno))
        else:
            frames[-1] = (name, exc.lineno)
    if isinstance(exc, ImportedDataError):
        sources[exc.filename] = exc.text  # the line counts in the rendered text
        frames.append((exc.filename, exc.line or 1))
    elif isinstance(exc, BlockDataError) and exc.data_line and frames:
        name, line = frames[-1]
        frames[-1] = (name, line + exc.data_line - 1)
    kind, message = _classify(exc)
    if isinstance(exc, TemplateError):
        kind, message = "Render error", str(exc)
    if not frames:
        return job.error(message, kind=kind)
    source, line = frames[-1]
    chain: list[tuple[str, int | None]] = list(frames[:-1])
    if source != job.source and (not chain or chain[0][0] != job.source):
        chain.insert(0, (job.source, None))
    return TemplateError(
        message, kind=kind, source=source, sls=job.sls, saltenv=job.saltenv, line=line,
        text=sources.get(source), chain=chain,
    )
