"""``make demo``: Saline on this host, first masterless, then as a small cluster (cluster_demo.py).

The masterless part runs the real ``saline-call --local`` in a throw-away config dir and root_dir,
and prints each command and what it printed. To add a step, append a ``Step`` to STEPS; files a step
needs (SLS files, pillar) go in demo_steps.STATE_FILES and PILLAR_FILES, written under the temporary
file_roots / pillar_roots before the first step. Exits non-zero as soon as a step fails.
"""

from __future__ import annotations

import json
import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from demo_steps import PILLAR_FILES, STATE_FILES, Step, run_step, write_tree

GRAINS_SHOWN = ["id", "os", "osrelease", "oscodename", "kernel", "cpuarch", "num_cpus", "mem_total"]


def few_grains(stdout: str) -> str:
    """grains.items prints every grain; show a handful, in the default (nested) layout."""
    from saline.output import render

    grains = json.loads(stdout)["local"]
    chosen = {k: grains[k] for k in GRAINS_SHOWN if k in grains}
    return f"({len(chosen)} of {len(grains)} grains shown)\n" + render({"local": chosen}, "nested", {})


STEPS: list[Step] = [
    Step("Is the minion code path alive?", ["--local", "test.ping"]),
    Step("Facts about this host (grains)", ["--local", "grains.items"], show=few_grains,
         hidden=("--out=json",)),
    Step("Run a command (no shell unless python_shell=True)", ["--local", "cmd.run", "echo hello"]),
    Step("Apply the demo state tree (highstate): first run makes the changes", ["--local", "state.apply"]),
    Step("Apply it again: already in the desired state, nothing changes", ["--local", "state.apply"],
         hidden=("--state-output=terse",)),
]


def prepare(base: pathlib.Path) -> pathlib.Path:
    """Write the minion config (file_client: local, everything under base) and the demo's files."""
    conf, root = base / "etc", base / "root"
    file_root, pillar_root = root / "srv" / "salt", root / "srv" / "pillar"
    for path in (conf, file_root, pillar_root):
        path.mkdir(parents=True)
    write_tree(file_root, STATE_FILES)
    write_tree(pillar_root, PILLAR_FILES)
    (conf / "minion").write_text(
        "id: demo-minion\n"
        "file_client: local\n"
        f"root_dir: {root}\n"
        f"file_roots:\n  base:\n    - {file_root}\n"
        f"pillar_roots:\n  base:\n    - {pillar_root}\n"
    )
    return conf


def masterless() -> int:
    with tempfile.TemporaryDirectory(prefix="saline-demo-") as tmp:
        conf = prepare(pathlib.Path(tmp))
        print(f"Saline demo, part 1: saline-call --local with config dir {conf} (removed afterwards)\n")
        for step in STEPS:
            if not run_step(step, conf):
                return 1
    return 0


def main() -> int:
    if masterless() != 0:
        return 1
    import cluster_demo

    if cluster_demo.main() != 0:
        return 1
    print("Done. Next: `make test`, and docs/cli.md for saline-call, saline, saline-key and saline-run.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
