"""The compiler examples of docs/states.md compile to exactly the chunks the page shows.

An example sits between ``<!-- compiler-example -->`` and ``<!-- /compiler-example -->``: YAML blocks
whose first line is ``# salt://<path>`` are the files, the backticked ``state.show_low_sls <sls>``
command names what to compile, and the JSON block is the expected output.
"""

from __future__ import annotations

import json
import pathlib
import re
from typing import Any

import pytest
from saline.loader import Context

DOC = pathlib.Path(__file__).resolve().parents[3] / "docs" / "states.md"
EXAMPLE = re.compile(r"<!-- compiler-example -->(.*?)<!-- /compiler-example -->", re.S)
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def examples() -> list[Any]:
    found = EXAMPLE.findall(DOC.read_text())
    return [pytest.param(text, id=f"example-{i}") for i, text in enumerate(found, 1)]


def test_the_page_has_examples() -> None:
    assert examples()


@pytest.mark.parametrize("text", examples())
def test_doc_example(text: str, tmp_path: pathlib.Path) -> None:
    from saline.states.engine.compiler import compile_sls

    expected = None
    for lang, body in BLOCK.findall(text):
        if lang == "yaml":
            first, _, rest = body.partition("\n")
            rel = first.removeprefix("# salt://").strip()
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / rel).write_text(rest)
        elif lang == "json":
            expected = json.loads(body)
    sls = re.search(r"`saline-call --local state\.show_low_sls (\S+)", text).group(1)  # type: ignore[union-attr]
    ctx = Context({"file_roots": {"base": [str(tmp_path)]}, "state_auto_order": True})
    ctx.grains = {"id": "web1", "os_family": "Debian"}
    ctx.pillar = {}
    assert compile_sls(ctx, sls) == expected
