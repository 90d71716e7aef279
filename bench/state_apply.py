"""Benchmark: state.apply of N file.managed states and compiling large corpus trees, Saline vs Salt.

Runs ``saline-call --local`` and real Salt's ``salt-call --local`` (the oracle venv, if installed) on the
same generated tree in throw-away directories: first run (creates N files), second run (no changes),
and test=True; then ``state.show_low_sls`` of the largest corpus trees. Prints medians and ratios.

    .venv/bin/python bench/state_apply.py [--runs 3] [--sizes 100,500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SALT_CALL = Path(os.environ.get("SALT_VENV", Path.home() / ".cache/saline-oracle/salt-venv")) / "bin/salt-call"
CORPUS = Path(os.environ.get("SALINE_CORPUS", REPO.parent / "shared" / "corpus"))


def saline_cmd() -> list[str]:
    return [sys.executable, "-m", "saline.minion.call"]


def write_tree(root: Path, count: int, target: Path) -> None:
    (root / "srv").mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(count):
        lines.append(f"f{i}:\n  file.managed:\n    - name: {target}/f{i}.txt\n"
                     f"    - contents: 'file {i}'\n    - mode: '0644'\n    - makedirs: True\n")
    (root / "srv" / "bench.sls").write_text("".join(lines))


def write_config(conf: Path, root: Path, file_root: Path) -> None:
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "minion").write_text(
        f"id: bench\nfile_client: local\nroot_dir: {root}\nfile_roots: {{base: [{file_root}]}}\n"
        f"pillar_roots: {{base: [{root}/pillar]}}\ncachedir: {root}/cache\n"
    )


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if res.returncode not in (0,):
        raise SystemExit(f"command failed ({res.returncode}): {' '.join(cmd)}\n{res.stderr[-2000:]}")
    return elapsed


def apply_series(tool: list[str], count: int, runs: int) -> dict[str, float]:
    results: dict[str, list[float]] = {"first run": [], "second run": [], "test=True": []}
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="saline-bench-") as tmp:
            base = Path(tmp)
            target = base / "out"
            write_tree(base, count, target)
            write_config(base / "conf", base / "root", base / "srv")
            call = [*tool, "--local", "-c", str(base / "conf"), "--out", "quiet"]
            results["test=True"].append(timed([*call, "state.apply", "bench", "test=True"]))
            results["first run"].append(timed([*call, "state.apply", "bench"]))
            results["second run"].append(timed([*call, "state.apply", "bench"]))
            assert len(list(target.iterdir())) == count
    return {k: statistics.median(v) for k, v in results.items()}


def compile_series(tool: list[str], tree: Path, sls: str, runs: int) -> float:
    """Median of warm runs: one untimed run first fills each tool's caches (as on a real minion)."""
    with tempfile.TemporaryDirectory(prefix="saline-bench-") as tmp:
        base = Path(tmp)
        write_config(base / "conf", base / "root", tree)
        cmd = [*tool, "--local", "-c", str(base / "conf"), "--out", "quiet", "state.show_low_sls", sls]
        timed(cmd)
        return statistics.median(timed(cmd) for _ in range(runs))


def row(label: str, saline: float, salt: float | None) -> str:
    if salt is None:
        return f"| {label:<34} | {saline:8.3f} s | {'n/a':>10} | {'n/a':>6} |"
    return f"| {label:<34} | {saline:8.3f} s | {salt:8.3f} s | {saline / salt:5.2f}x |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="100,500")
    ns = parser.parse_args()
    salt = [str(SALT_CALL)] if SALT_CALL.exists() else None
    if salt is None:
        print(f"note: {SALT_CALL} not found (run ../shared/oracle/setup.sh): Salt columns are n/a")
    lines = ["| case | Saline | Salt | ratio |", "|---|---|---|---|"]
    for size in (int(s) for s in ns.sizes.split(",")):
        ours = apply_series(saline_cmd(), size, ns.runs)
        theirs = apply_series(salt, size, ns.runs) if salt else {}
        for phase, value in ours.items():
            lines.append(row(f"{size} file.managed, {phase}", value, theirs.get(phase)))
    trees = [("nginx-formula", "nginx"), ("salt-formula", "salt.minion"), ("openssh-formula", "openssh")]
    for tree, sls in trees:
        path = CORPUS / "trees" / tree
        if not path.is_dir():
            continue
        ours_c = compile_series(saline_cmd(), path, sls, ns.runs)
        theirs_c = compile_series(salt, path, sls, ns.runs) if salt else None
        lines.append(row(f"compile {sls} ({tree})", ours_c, theirs_c))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
