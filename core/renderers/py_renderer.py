"""The ``#!py`` renderer: a Python module whose ``run()`` returns the data.

Like Salt, the module sees ``__salt__``, ``__grains__``, ``__pillar__``, ``__opts__``, ``__env__``
and ``saltenv``, ``__sls__`` and ``sls``, plus the template path variables. Errors name the file
and the line inside it (found from the traceback), not a line of Saline's code.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

from saline.renderers.pipeline import RenderJob, sls_vars, tpl_vars


def _module_globals(job: RenderJob) -> dict[str, Any]:
    ctx = job.ctx
    namespace: dict[str, Any] = {
        "__name__": f"saline_py_sls_{(job.sls or 'string').replace('.', '_')}",
        "__file__": job.local_path or job.source,
        "__builtins__": __builtins__,
        "__salt__": ctx.salt,
        "__grains__": ctx.grains,
        "__pillar__": ctx.pillar,
        "__opts__": ctx.opts,
        "__env__": job.saltenv,
        "saltenv": job.saltenv,
        "__sls__": job.sls,
        "sls": job.sls,
    }
    namespace.update(sls_vars(job.sls, job.relpath))
    namespace.update(tpl_vars(job.relpath, job.local_path))
    namespace.update(job.context)
    return namespace


def _error_line(tb: Any, filename: str) -> int | None:
    line = None
    for frame, lineno in traceback.walk_tb(tb):
        if frame.f_code.co_filename == filename:
            line = lineno
    return line


def render_py(data: Any, job: RenderJob) -> Any:
    if not isinstance(data, str):
        raise job.error("the py renderer needs Python source text", kind="Python error")
    filename = job.source
    try:
        code = compile(data, filename, "exec")
    except SyntaxError as exc:
        raise job.error(exc.msg, kind="Python syntax error", line=exc.lineno, text=data) from None
    namespace = _module_globals(job)
    try:
        exec(code, namespace)
        run = namespace.get("run")
        if not callable(run):
            raise job.error("a #!py file must define a function run() that returns the data",
                            kind="Python error", line=1, text=data)
        result = run()
    except Exception as exc:
        from saline.errors import RenderError

        if isinstance(exc, RenderError) and getattr(exc, "source", None) == filename:
            raise
        line = _error_line(sys.exc_info()[2], filename)
        raise job.error(f"{type(exc).__name__}: {exc}", kind="Python error", line=line, text=data) from exc
    return {} if result is None else result
