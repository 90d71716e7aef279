"""The examples in docs/templates.md render to exactly what the page shows.

An example is a group of blocks preceded by ``<!-- example NAME file PATH -->`` (a file under the
base file root), ``<!-- example NAME output path=P [sls=S] [renderer=R] -->`` (the text, or for a data
pipe the JSON data, that rendering P gives) or ``<!-- example NAME error path=P [sls=S] -->`` (the
exact error message).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from saline.errors import RenderError
from saline.renderers import render_file

DOC = Path(__file__).resolve().parents[3] / "docs" / "templates.md"
BLOCK = re.compile(r"<!-- example (\S+) (file|output|error) ([^\n]*?) -->\n```\w*\n(.*?)```", re.S)


def _examples() -> dict[str, list[tuple[str, str, str]]]:
    examples: dict[str, list[tuple[str, str, str]]] = {}
    for name, kind, args, body in BLOCK.findall(DOC.read_text(encoding="utf-8")):
        examples.setdefault(name, []).append((kind, args, body))
    return examples


def test_the_page_has_examples() -> None:
    examples = _examples()
    assert {"pipe", "yaml", "py", "map", "vars", "filters", "err", "dup"} <= set(examples)
    for parts in examples.values():
        assert any(kind in ("output", "error") for kind, _, _ in parts)


@pytest.mark.parametrize("name", sorted(_examples()))
def test_example(name: str, tree: Any) -> None:
    parts = _examples()[name]
    files = {args: body for kind, args, body in parts if kind == "file"}
    ctx = tree(files, grains={"id": "web1"}, pillar={"app": {"port": 8080}})
    for kind, args, body in parts:
        if kind == "file":
            continue
        opts = dict(a.split("=", 1) for a in args.split())
        renderer = opts.get("renderer", "jinja")
        if kind == "error":
            with pytest.raises(RenderError) as info:
                render_file(ctx, opts["path"], sls=opts.get("sls", ""), default_renderer=renderer)
            assert str(info.value) == body.rstrip("\n")
            continue
        result = render_file(ctx, opts["path"], sls=opts.get("sls", ""), default_renderer=renderer)
        if renderer == "jinja":
            assert result.rstrip("\n") == body.rstrip("\n")
        else:
            assert json.loads(json.dumps(result)) == json.loads(body)
