"""``make demo``: Saline on this host, masterless, in a throw-away config dir and root_dir.

Each step runs the real ``saline-call --local`` and prints the command and what it printed. To add
a step, append a ``Step`` to STEPS; files a step needs (SLS files, pillar) go in STATE_FILES and
PILLAR_FILES, written under the temporary file_roots / pillar_roots before the first step.
Exits non-zero as soon as a step fails.
"""

from __future__ import annotations

import json
import pathlib
import shlex
import subprocess
import sys
import tempfile
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


@dataclass
class Step:
    title: str
    argv: list[str]
    # turns saline-call's stdout into what the demo shows (default: as printed)
    show: Callable[[str], str] | None = None
    # arguments passed but not shown (e.g. --out=json for a `show` function to parse)
    hidden: tuple[str, ...] = ()
    note: str = ""


GRAINS_SHOWN = ["id", "os", "osrelease", "oscodename", "kernel", "cpuarch", "num_cpus", "mem_total"]


def few_grains(stdout: str) -> str:
    """grains.items prints every grain; show a handful, in the default (nested) layout."""
    from saline.output import render

    grains = json.loads(stdout)["local"]
    chosen = {k: grains[k] for k in GRAINS_SHOWN if k in grains}
    return f"({len(chosen)} of {len(grains)} grains shown)\n" + render({"local": chosen}, "nested", {})


STEPS: list[Step] = [
    Step("Is the minion code path alive?", ["test.ping"]),
    Step("Facts about this host (grains)", ["grains.items"], show=few_grains, hidden=("--out=json",)),
    Step("Run a command (no shell unless python_shell=True)", ["cmd.run", "echo hello"]),
    Step("Apply the demo state tree (highstate): first run makes the changes", ["state.apply"]),
    Step("Apply it again: already in the desired state, nothing changes", ["state.apply"],
         hidden=("--state-output=terse",)),
]


def saline_call() -> list[str]:
    script = pathlib.Path(sys.executable).parent / "saline-call"
    return [str(script)] if script.exists() else [sys.executable, "-m", "saline.minion.call"]


def prepare(base: pathlib.Path) -> pathlib.Path:
    """Write the minion config (file_client: local, everything under base) and the demo's files."""
    conf, root = base / "etc", base / "root"
    file_root, pillar_root = root / "srv" / "salt", root / "srv" / "pillar"
    for path in (conf, file_root, pillar_root):
        path.mkdir(parents=True)
    for tree, files in ((file_root, STATE_FILES), (pillar_root, PILLAR_FILES)):
        for rel, text in files.items():
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            (tree / rel).write_text(text)
    (conf / "minion").write_text(
        "id: demo-minion\n"
        "file_client: local\n"
        f"root_dir: {root}\n"
        f"file_roots:\n  base:\n    - {file_root}\n"
        f"pillar_roots:\n  base:\n    - {pillar_root}\n"
    )
    return conf


def run_step(step: Step, conf: pathlib.Path) -> bool:
    shown = ["saline-call", "--local", *step.argv]
    print(f"# {step.title}")
    print(f"$ {shlex.join(shown)}")
    proc = subprocess.run([*saline_call(), "--local", "-c", str(conf), *step.argv, *step.hidden],
                          capture_output=True, text=True, timeout=300, check=False)
    text = step.show(proc.stdout) if step.show and proc.returncode == 0 else proc.stdout
    sys.stdout.write(text)
    if proc.stderr:
        sys.stdout.write(proc.stderr)
    if step.note:
        print(step.note)
    print()
    if proc.returncode != 0:
        print(f"demo step failed with exit code {proc.returncode}", file=sys.stderr)
        return False
    return True


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="saline-demo-") as tmp:
        conf = prepare(pathlib.Path(tmp))
        print(f"Saline demo: saline-call --local with config dir {conf} (removed afterwards)\n")
        for step in STEPS:
            if not run_step(step, conf):
                return 1
    print("Done. Next: `make test`, and docs/cli.md for more saline-call usage.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
