"""What both halves of ``make demo`` share: the demo state tree, and running one shown step.

A step runs a real Saline CLI with ``-c CONFDIR`` and prints the command (as a user would type it,
without ``-c``) followed by what it printed.
"""

from __future__ import annotations

import pathlib
import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

# path (relative to the base file root) -> text. The demo tree writes only under root_dir.
STATE_FILES: dict[str, str] = {
    "top.sls": "base:\n  '*':\n    - web\n",
    "web/init.sls": """\
{% set root = opts['root_dir'] %}
web-dir:
  file.directory:
    - name: {{ root }}/www
    - makedirs: True
index:
  file.managed:
    - name: {{ root }}/www/index.html
    - contents: "<h1>{{ pillar.get('site:title', 'untitled') }} on {{ grains['id'] }}</h1>"
    - mode: '0644'
    - require:
      - file: web-dir
announce:
  cmd.run:
    - name: echo index.html changed
    - onchanges:
      - file: index
""",
}
# path (relative to the base pillar root) -> text
PILLAR_FILES: dict[str, str] = {
    "top.sls": "base:\n  '*':\n    - site\n",
    "site.sls": "site:\n  title: Hello from Saline\n",
}

# console script -> module, for running from a checkout whose scripts are not installed
MODULES = {
    "saline-call": "saline.minion.call",
    "saline-master": "saline.master.daemon",
    "saline-minion": "saline.minion.daemon",
    "saline": "saline.master.cli_saline",
    "saline-key": "saline.master.cli_key",
    "saline-run": "saline.master.cli_run",
}


@dataclass
class Step:
    title: str
    argv: list[str]
    tool: str = "saline-call"
    # turns the tool's stdout into what the demo shows (default: as printed)
    show: Callable[[str], str] | None = None
    # arguments passed but not shown (e.g. --out=json for a `show` function to parse)
    hidden: tuple[str, ...] = ()
    note: str = ""
    timeout: float = 120


def command(tool: str) -> list[str]:
    """How to start ``tool``: the console script next to this Python, else ``python -m``."""
    script = pathlib.Path(sys.executable).parent / tool
    return [str(script)] if script.exists() else [sys.executable, "-m", MODULES[tool]]


def write_tree(root: pathlib.Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def run_quiet(tool: str, conf: pathlib.Path, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``tool`` without showing it (the demo's own polling)."""
    return subprocess.run([*command(tool), "-c", str(conf), *argv], capture_output=True, text=True,
                          timeout=timeout, check=False)


def run_step(step: Step, conf: pathlib.Path) -> bool:
    """Print the step's title and command, run it, print its output; False when it failed."""
    print(f"# {step.title}")
    print(f"$ {shlex.join([step.tool, *step.argv])}")
    proc = subprocess.run([*command(step.tool), "-c", str(conf), *step.argv, *step.hidden],
                          capture_output=True, text=True, timeout=step.timeout, check=False)
    text = step.show(proc.stdout) if step.show and proc.returncode == 0 else proc.stdout
    sys.stdout.write(text)
    if proc.stderr:
        sys.stdout.write(proc.stderr)
    if step.note:
        print(step.note)
    print(flush=True)
    if proc.returncode != 0:
        print(f"demo step failed with exit code {proc.returncode}", file=sys.stderr)
        return False
    return True
