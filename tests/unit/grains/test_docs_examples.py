"""The shell examples in docs/grains.md run and print what the page shows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest

DOC = (Path(__file__).parents[3] / "docs" / "grains.md").read_text()
BLOCKS = [body for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", DOC, re.S | re.M)
          if not lang and body.startswith("$ ")]


def sessions(block: str) -> list[tuple[list[str], str]]:
    """(argv, expected output) for each ``$ command`` of a console block."""
    steps = []
    for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
        command, _, output = chunk.partition("\n")
        steps.append((shlex.split(command), output))
    return steps


def test_the_page_has_console_examples() -> None:
    assert len(BLOCKS) >= 2


def host_is_debian12() -> bool:
    text = Path("/etc/os-release").read_text() if Path("/etc/os-release").exists() else ""
    return 'ID=debian' in text and 'VERSION_ID="12"' in text


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_console_examples(block: str, saline_call: Any) -> None:
    for argv, expected in sessions(block):
        if argv[0] == "cat":
            assert argv[1] == "/etc/saline/grains"
            assert (saline_call.config_dir / "grains").read_text() == expected
            continue
        assert argv[:2] == ["saline-call", "--local"]
        rc, out, err = saline_call(*argv[2:])
        assert rc == 0, err
        if "grains.item" in argv and not host_is_debian12():
            continue  # that example shows a Debian 12 host's values
        assert out == expected
