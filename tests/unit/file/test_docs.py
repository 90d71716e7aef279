"""The console examples in docs/modules/file.md run, in order on one scratch dir, and print what the page shows."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

_HELPER = Path(__file__).parents[1] / "cmd" / "console_docs.py"
_spec = importlib.util.spec_from_file_location("saline_tests_console_docs", _HELPER)
console_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(console_docs)

DOC = (Path(__file__).parents[3] / "docs" / "modules" / "file.md").read_text()


def test_console_examples(saline_call: Any, tmp_path: Path) -> None:
    blocks = console_docs.console_blocks(DOC)
    assert len(blocks) >= 12
    for block in blocks:
        for command, expected, actual in console_docs.run_block(block, tmp_path, saline_call.config_dir):
            assert actual == expected, f"$ {command}"


def test_every_function_is_documented() -> None:
    from saline.loader import load_module

    module = load_module("file", lambda: {})
    missing = [name for name in module.functions if f"file.{name}" not in DOC]
    assert missing == []
