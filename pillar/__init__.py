"""Pillar: per-minion data compiled from ``pillar_roots`` (top files, SLS, merge strategies, overrides).

Public API: :func:`compile_pillar` (see :mod:`saline.pillar.compiler`).
"""

from __future__ import annotations

from typing import Any


def compile_pillar(opts: Any, grains: Any, **kwargs: Any) -> dict[str, Any]:
    """Compile the pillar of one minion; see :func:`saline.pillar.compiler.compile_pillar`."""
    from saline.pillar.compiler import compile_pillar as _compile

    return _compile(opts, grains, **kwargs)


__all__ = ["compile_pillar"]
