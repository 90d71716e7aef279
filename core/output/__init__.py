"""Outputters: turn a return (``{minion_id: data}``) into text, in Salt's formats.

Each outputter module is imported only when used; ``render`` is the single entry point.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, TextIO

from saline.errors import SalineError

OUTPUTTERS: dict[str, str] = {
    "nested": "saline.output.nested",
    "json": "saline.output.json_out",
    "yaml": "saline.output.yaml_out",
    "raw": "saline.output.simple",
    "pprint": "saline.output.simple",
    "txt": "saline.output.simple",
    "newline_values_only": "saline.output.simple",
    "highstate": "saline.output.highstate",
    "quiet": "saline.output.simple",
}


def render(data: Any, fmt: str, opts: dict[str, Any] | None = None) -> str:
    """Return ``data`` formatted by outputter ``fmt``.

    Like Salt, trailing whitespace is dropped and one newline added; empty output prints nothing.
    """
    opts = opts or {}
    path = OUTPUTTERS.get(fmt)
    if path is None:
        raise SalineError(f"unknown outputter '{fmt}'; choose one of: {', '.join(sorted(OUTPUTTERS))}")
    module = importlib.import_module(path)
    text = module.output(data, opts, fmt).rstrip()
    return f"{text}\n" if text else ""


def use_color(opts: dict[str, Any], stream: TextIO = sys.stdout) -> bool:
    if opts.get("force_color"):
        return True
    if opts.get("no_color") or not opts.get("color", True) or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def emit(data: Any, fmt: str, opts: dict[str, Any]) -> None:
    """Render and write to ``--out-file`` (appending with ``--out-file-append``) or stdout.

    Colour goes to a terminal only, or anywhere with ``--force-color`` (files included).
    """
    out_file = opts.get("out_file")
    color = bool(opts.get("force_color")) if out_file else use_color(opts, sys.stdout)
    text = render(data, fmt, {**opts, "color": color})
    if out_file:
        mode = "a" if opts.get("out_file_append") else "w"
        with open(out_file, mode, encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
