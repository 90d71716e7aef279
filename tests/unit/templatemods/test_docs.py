"""The ``>>>`` examples of docs/modules/template-helpers.md give the answers the page shows, and the
page names every function of the modules it covers."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from saline.loader import Context, load_module

DOC = (Path(__file__).parents[3] / "docs" / "modules" / "template-helpers.md").read_text()
MODULES = ("network", "match", "hashutil", "random", "environ", "sysctl", "hosts", "timezone", "locale")


def _examples() -> list[tuple[str, str]]:
    found = []
    for block in re.findall(r"```pycon\n(.*?)```", DOC, re.S):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if line.startswith(">>> "):
                found.append((line[4:], lines[i + 1]))
    return found


EXAMPLES = _examples()


@pytest.mark.parametrize(("expression", "expected"), EXAMPLES, ids=[e[0][:60] for e in EXAMPLES])
def test_example(expression: str, expected: str) -> None:
    ctx = Context({"id": "web01"})
    ctx.grains = {"id": "web01", "role": "web", "ipv4": ["10.1.2.3"], "ipv6": []}
    ctx.pillar = {"app": {"name": "foo", "port": 80}}
    assert eval(expression, {"salt": ctx.salt, "len": len}) == ast.literal_eval(expected)


def test_enough_examples() -> None:
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize("name", MODULES)
def test_every_function_is_listed(name: str) -> None:
    module = load_module(name, lambda: {})
    assert module is not None
    missing = [f for f in module.functions if f"{name}.{f}" not in DOC and f"`{f}(" not in DOC
               and f"`{f}`" not in DOC]
    assert missing == []
