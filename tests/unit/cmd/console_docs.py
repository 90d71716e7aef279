"""Run the console examples of a Markdown page and compare their output with the page.

A console example is a fenced block without a language whose lines start with ``$ ``; the lines up
to the next ``$ `` are the expected output. The commands of one block run in one bash process, in
order, inside a temp dir: ``/tmp/saline-doc`` in the page means that dir, ``saline-call`` is the
real one with a private config dir (``-c``), and ``$?`` carries over between commands. Process ids
(``"pid": 123``) are not compared.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

DOC_DIR = "/tmp/saline-doc"
_MARK = "@@saline-doc-step@@"


def console_blocks(markdown: str) -> list[str]:
    return [body for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", markdown, re.S | re.M)
            if not lang and body.startswith("$ ")]


def steps(block: str) -> list[tuple[str, str]]:
    out = []
    for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
        command, _, expected = chunk.partition("\n")
        out.append((command, expected))
    return out


def _normalize(text: str) -> str:
    return re.sub(r'("pid": |pid:\n\s+)\d+', r"\g<1>N", text)


def run_block(block: str, tmp: Path, config_dir: Path) -> list[tuple[str, str, str]]:
    """(command, expected, actual) for every step of ``block``."""
    work = tmp / "doc"
    work.mkdir(exist_ok=True)
    call = f"{shlex.quote(sys.executable)} -m saline.minion.call -c {shlex.quote(str(config_dir))}"
    script = [f"saline-call() {{ {call} \"$@\"; }}", f"cd {shlex.quote(str(work))}"]
    todo = steps(block)
    for command, _ in todo:
        script.append(command.replace(DOC_DIR, str(work)))
        script.append(f"__rc=$?; printf '%s\\n' '{_MARK}'; (exit $__rc)")
    proc = subprocess.run(["bash", "-c", "\n".join(script)], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    outputs = proc.stdout.split(_MARK + "\n")
    assert len(outputs) == len(todo) + 1, proc.stdout + proc.stderr
    return [(cmd, _normalize(expected), _normalize(actual.replace(str(work), DOC_DIR)))
            for (cmd, expected), actual in zip(todo, outputs, strict=False)]
