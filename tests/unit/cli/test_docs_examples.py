"""The ``console`` examples in docs/cli.md and docs/configuration.md, run for real.

Conventions in those pages: a fenced ``console`` block holds ``$ saline-call ...`` lines, each
followed by the exact text it prints (stdout then stderr) and an optional ``[exit N]`` line
(default 0). A fenced block whose info string is ``yaml file=PATH`` writes PATH (relative to the
config dir) before the console blocks that follow it. Each console block runs against a fresh
configuration (the ``saline_call`` fixture); the temporary config dir is shown as /etc/saline,
job ids and process ids as ``(a 20-digit job id)`` and ``(the process id)``.
"""

from __future__ import annotations

import pathlib
import re
import shlex
from dataclasses import dataclass, field

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[3] / "docs"
PAGES = ["cli.md", "configuration.md"]


@dataclass
class Command:
    argv: list[str]
    expected: str
    rc: int = 0


@dataclass
class Example:
    page: str
    line: int
    files: dict[str, str]
    commands: list[Command] = field(default_factory=list)


def parse(page: str) -> list[Example]:
    lines = (DOCS / page).read_text(encoding="utf-8").splitlines()
    examples: list[Example] = []
    files: dict[str, str] = {}
    i = 0
    while i < len(lines):
        fence = lines[i]
        if not fence.startswith("```") or fence == "```":
            i += 1
            continue
        info = fence[3:].strip()
        end = lines.index("```", i + 1)
        body = lines[i + 1:end]
        if info.startswith("yaml file="):
            files[info.split("=", 1)[1]] = "\n".join(body) + "\n"
        elif info == "console":
            example = Example(page, i + 1, dict(files))
            for text in body:
                if text.startswith("$ "):
                    argv = shlex.split(text[2:])
                    assert argv[0] == "saline-call", f"{page}:{i + 1}: only saline-call examples run"
                    example.commands.append(Command(argv[1:], ""))
                elif re.fullmatch(r"\[exit \d+\]", text):
                    example.commands[-1].rc = int(text[6:-1])
                else:
                    example.commands[-1].expected += text + "\n"
            examples.append(example)
        i = end + 1
    return examples


EXAMPLES = [e for page in PAGES for e in parse(page)]


def normalise(text: str, config_dir: pathlib.Path) -> str:
    text = text.replace(str(config_dir), "/etc/saline")
    text = re.sub(r"\b\d{20}\b", "(a 20-digit job id)", text)
    text = re.sub(r'("__pub_pid": )\d+', r"\1(the process id)", text)
    return re.sub(r"(__pub_pid:\n\s+)\d+", r"\1(the process id)", text)


def test_pages_have_examples():
    assert {e.page for e in EXAMPLES} == set(PAGES)
    assert sum(len(e.commands) for e in EXAMPLES) >= 15


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e.page}:{e.line}" for e in EXAMPLES])
def test_example(saline_call, example):
    for rel, text in example.files.items():
        saline_call.write_config(text, rel)
    for command in example.commands:
        rc, out, err = saline_call(*command.argv, local=False)
        assert normalise(out + err, saline_call.config_dir) == command.expected, command.argv
        assert rc == command.rc, command.argv
