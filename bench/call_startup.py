"""Start-up benchmark: ``saline-call --local`` against real Salt's ``salt-call --local``.

Runs each command N times (default 10) as a fresh process with a throw-away config dir and
root_dir, and prints the median wall-clock time of each, and Saline's time as a fraction of Salt's
(target: <= 0.25x). Salt's columns are skipped, with a note, when the oracle venv is missing.

    .venv/bin/python bench/call_startup.py [--runs N] [--salt-venv DIR] [--no-salt]

``make bench`` runs it. Figures are recorded in docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time

FUNCTIONS = [("test.ping",), ("grains.items",)]
DEFAULT_SALT_VENV = pathlib.Path.home() / ".cache" / "saline-oracle" / "salt-venv"


def saline_command() -> list[str]:
    script = pathlib.Path(sys.executable).parent / "saline-call"
    return [str(script)] if script.exists() else [sys.executable, "-m", "saline.minion.call"]


def write_config(base: pathlib.Path, name: str) -> pathlib.Path:
    conf = base / name / "conf"
    root = base / name / "root"
    for path in (conf, root / "srv" / "salt", root / "srv" / "pillar"):
        path.mkdir(parents=True)
    (conf / "minion").write_text(
        f"id: bench\nfile_client: local\nroot_dir: {root}\n"
        f"file_roots:\n  base:\n    - {root / 'srv' / 'salt'}\n"
        f"pillar_roots:\n  base:\n    - {root / 'srv' / 'pillar'}\n"
    )
    return conf


def time_runs(cmd: list[str], runs: int) -> list[float]:
    env = {k: v for k, v in os.environ.items() if k != "SALINE_CONFIG_DIR"}
    env["PYTHONWARNINGS"] = "ignore"
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per command (default 10)")
    parser.add_argument("--salt-venv", type=pathlib.Path, default=DEFAULT_SALT_VENV,
                        help=f"the Salt venv (default {DEFAULT_SALT_VENV})")
    parser.add_argument("--no-salt", action="store_true", help="time Saline only")
    ns = parser.parse_args(argv)
    if ns.runs < 1:
        parser.error("--runs must be at least 1")
    salt_call = ns.salt_venv / "bin" / "salt-call"
    with_salt = not ns.no_salt and salt_call.exists()
    rows = []
    with tempfile.TemporaryDirectory(prefix="saline-bench-") as tmp:
        base = pathlib.Path(tmp)
        saline_conf = write_config(base, "saline")
        salt_conf = write_config(base, "salt")
        for fun in FUNCTIONS:
            saline = statistics.median(
                time_runs([*saline_command(), "--local", "-c", str(saline_conf), *fun], ns.runs))
            salt = None
            if with_salt:
                salt = statistics.median(time_runs(
                    [str(salt_call), "--local", "-c", str(salt_conf), "-l", "quiet", *fun], ns.runs))
            rows.append((" ".join(fun), saline, salt))
    print(f"saline-call --local vs salt-call --local: median of {ns.runs} runs "
          f"(Python {platform.python_version()}, {os.cpu_count()} CPUs)\n")
    header = f"{'function':<16} {'saline (ms)':>12}"
    if with_salt:
        header += f" {'salt (ms)':>10} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for fun, saline, salt in rows:
        line = f"{fun:<16} {saline * 1000:>12.1f}"
        if salt is not None:
            line += f" {salt * 1000:>10.1f} {saline / salt:>6.2f}x"
        print(line)
    if not with_salt:
        reason = "--no-salt" if ns.no_salt else f"no Salt at {salt_call} (see shared/oracle/setup.sh)"
        print(f"\nSalt columns skipped: {reason}.")
    else:
        worst = max(saline / salt for _, saline, salt in rows if salt)
        print(f"\nTarget: saline <= 0.25x salt; worst ratio here {worst:.2f}x "
              f"({'met' if worst <= 0.25 else 'NOT met'}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
