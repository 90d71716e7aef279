"""The console examples in docs/modules/cmd.md run and print what the page shows."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

_spec = importlib.util.spec_from_file_location("saline_tests_console_docs", Path(__file__).with_name("console_docs.py"))
console_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(console_docs)

DOC = (Path(__file__).parents[3] / "docs" / "modules" / "cmd.md").read_text()
BLOCKS = console_docs.console_blocks(DOC)


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_console_example(block: str, saline_call: Any, tmp_path: Path) -> None:
    for command, expected, actual in console_docs.run_block(block, tmp_path, saline_call.config_dir):
        assert actual == expected, f"$ {command}"


def test_every_function_is_documented() -> None:
    from saline.loader import load_module

    module = load_module("cmd", lambda: {})
    assert [name for name in module.functions if f"cmd.{name}" not in DOC] == []
