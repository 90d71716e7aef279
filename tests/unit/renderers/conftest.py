"""Fixtures for the renderer tests: a real file_roots tree in tmp_path and a Context serving it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from saline.loader import Context


def make_ctx(root: Path, files: dict[str, str] | None = None, grains: dict[str, Any] | None = None,
             pillar: dict[str, Any] | None = None, **opts: Any) -> Context:
    """A Context whose file client serves ``root/salt`` (base) holding ``files``."""
    base = root / "salt"
    base.mkdir(parents=True, exist_ok=True)
    for rel, text in (files or {}).items():
        target = base / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    config = {"file_roots": {"base": [str(base)]}, "renderer": "jinja|yaml", "id": "minion1", **opts}
    ctx = Context(config)
    ctx.grains = {"id": "minion1", "os": "Debian", "os_family": "Debian", **(grains or {})}
    ctx.pillar = dict(pillar or {})
    return ctx


@pytest.fixture
def tree(tmp_path: Path) -> Callable[..., Context]:
    """``tree({"a.sls": "..."}, grains=..., pillar=..., **opts)`` -> Context over those files."""

    def build(files: dict[str, str] | None = None, **kwargs: Any) -> Context:
        return make_ctx(tmp_path, files, **kwargs)

    return build
