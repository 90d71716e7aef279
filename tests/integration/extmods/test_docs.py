"""docs/custom-modules.md: its files, put in a file root, give the console output the page shows."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

_spec = importlib.util.spec_from_file_location(
    "saline_tests_console_docs", Path(__file__).parents[2] / "unit" / "cmd" / "console_docs.py")
console_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(console_docs)

DOC = (Path(__file__).parents[3] / "docs" / "custom-modules.md").read_text()
FILES = re.findall(r"^`salt://([\w/.]+)`:\n\n```\w+\n(.*?)^```", DOC, re.S | re.M)


def test_the_walkthrough(saline_call: Any, tmp_path: Path) -> None:
    assert [name for name, _ in FILES] == ["_modules/hello.py", "_states/greet.py", "_grains/colour.py",
                                           "greeting.sls"]
    for name, text in FILES:
        saline_call.write_state(name, text)
    (block,) = console_docs.console_blocks(DOC)
    for command, expected, actual in console_docs.run_block(block, tmp_path, saline_call.config_dir):
        assert actual == expected, f"$ {command}"
