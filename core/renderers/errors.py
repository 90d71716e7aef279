"""Render errors that say where: the file (``salt://`` URL and SLS), the line, and the lines around it.

Salt reports many render failures as a bare exception text, or with the rendered output instead of
the source; here every error names the file the user has to edit and shows that file's lines with a
marker on the offending one.
"""

from __future__ import annotations

from saline.errors import RenderError

CONTEXT_LINES = 3


class TemplateError(RenderError):
    """A :class:`RenderError` that keeps where it happened (``source``, ``sls``, ``line``)."""

    def __init__(
        self,
        message: str,
        *,
        kind: str = "",
        source: str = "<string>",
        sls: str = "",
        saltenv: str = "",
        line: int | None = None,
        text: str | None = None,
        detail: str = "",
        chain: list[tuple[str, int | None]] | None = None,
    ) -> None:
        self.kind = kind
        self.chain = chain or []
        self.reason = message
        self.source = source
        self.sls = sls
        self.saltenv = saltenv
        self.line = line
        self.text = text
        self.detail = detail
        super().__init__(format_message(message, kind, source, sls, saltenv, line, text, detail, self.chain))


def where(source: str, sls: str = "", saltenv: str = "", line: int | None = None) -> str:
    """``salt://a/b.sls (SLS base:a.b), line 3`` — the location part of a message."""
    out = source
    if sls:
        out += f" (SLS {saltenv}:{sls})" if saltenv else f" (SLS {sls})"
    if line is not None:
        out += f", line {line}"
    return out


def excerpt(text: str, line: int, context: int = CONTEXT_LINES) -> str:
    """The lines around ``line`` (1-based), numbered, with a ``>>>`` marker on ``line``."""
    lines = text.splitlines()
    if not lines or line < 1:
        return ""
    line = min(line, len(lines))
    first, last = max(1, line - context), min(len(lines), line + context)
    width = len(str(last))
    out = []
    for n in range(first, last + 1):
        mark = ">>>" if n == line else "   "
        out.append(f"{mark} {n:>{width}} | {lines[n - 1]}".rstrip())
    return "\n".join(out)


def format_message(
    message: str,
    kind: str = "",
    source: str = "<string>",
    sls: str = "",
    saltenv: str = "",
    line: int | None = None,
    text: str | None = None,
    detail: str = "",
    chain: list[tuple[str, int | None]] | None = None,
) -> str:
    """``where: kind: message``, the detail, the ``from`` chain of including files, then the excerpt.

    ``chain`` lists the files that imported/included ``source``, outermost first; the SLS name is
    shown on the outermost one (the file that was rendered).
    """
    head = f"{where(source, '' if chain else sls, saltenv, line)}: {kind + ': ' if kind else ''}{message}"
    parts = [head]
    for index, (outer, outer_line) in enumerate(reversed(chain or [])):
        outer_sls = sls if index == len(chain or []) - 1 else ""
        parts.append(f"  imported from {where(outer, outer_sls, saltenv, outer_line)}")
    if detail:
        parts.append(detail)
    if text is not None and line is not None:
        shown = excerpt(text, line)
        if shown:
            parts.append(shown)
    return "\n".join(parts)
