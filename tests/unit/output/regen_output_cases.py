"""Write the outputter cases (tests/cases/output/*.yaml) from real ``salt-call``.

Developer tool, not a test: needs the Salt oracle (shared/oracle/setup.sh). Usage::

    .venv/bin/python tests/unit/output/regen_output_cases.py [--all | NAME ...]

Each seed is ``name: arg``: the argument given to ``salt-call --local test.echo ARG`` (typed by
Salt's CLI rules, so ``'{a: [1, 2]}'`` is a dict). For every variant in VARIANTS (outputter plus
options) the tool records Salt's exact stdout under ``expected``. Without arguments only missing
cases are written.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import yaml

HERE = pathlib.Path(__file__).resolve()
REPO = HERE.parents[3]
CASES = REPO / "tests" / "cases" / "output"
SALT_CALL = pathlib.Path(
    os.environ.get("SALT_VENV", pathlib.Path.home() / ".cache/saline-oracle/salt-venv")
) / "bin/salt-call"

# variant name -> extra salt-call options
VARIANTS: dict[str, list[str]] = {
    "nested": ["--out=nested"],
    "nested_color": ["--out=nested", "--force-color"],
    "json": ["--out=json"],
    "json_indent_0": ["--out=json", "--out-indent=0"],
    "json_indent_2": ["--out=json", "--out-indent=2"],
    "json_indent_-1": ["--out=json", "--out-indent=-1"],
    "yaml": ["--out=yaml"],
    "yaml_indent_2": ["--out=yaml", "--out-indent=2"],
    "raw": ["--out=raw"],
    "pprint": ["--out=pprint"],
    "txt": ["--out=txt"],
    "newline_values_only": ["--out=newline_values_only"],
    "quiet": ["--out=quiet"],
}

SEEDS: dict[str, str] = {
    "scalar-true": "true",
    "scalar-false": "false",
    "scalar-none": "null",
    "scalar-int": "42",
    "scalar-negative": "-7",
    "scalar-zero": "0",
    "scalar-float": "1.5",
    "scalar-float-big": "1.0e+20",
    "scalar-string": "hello world",
    "scalar-empty-string": "''",
    "scalar-multiline": "first line\nsecond line\n\nfourth",
    "scalar-trailing-newline": "text\n",
    "scalar-leading-spaces": "'  indented'",
    "scalar-unicode": "héllo wörld ☃",
    "scalar-special-chars": "'a: b # c'",
    "list-scalars": "[1, two, 3.5, true, null]",
    "list-empty-string": "['', a, '']",
    "list-empty": "[]",
    "list-nested": "[[1, 2], [], [a, [b]]]",
    "list-of-dicts": "[{a: 1}, {b: {c: 2}}, {}]",
    "list-multiline": "['a\\nb', c]",
    "dict-simple": "{a: 1, b: two, c: true}",
    "dict-empty": "{}",
    "dict-nested": "{a: {b: {c: {d: 1}}}}",
    "dict-lists": "{pkgs: [vim, curl], empty: [], nested: [[1], {x: y}]}",
    "dict-scalar-values": "{none: null, yes: true, no: false, zero: 0, empty: '', float: 2.5}",
    "dict-empty-values": "{d: {}, l: [], s: ''}",
    "dict-multiline-value": "{text: \"line1\\nline2\\n\", other: x}",
    "dict-int-keys": "{1: one, 2: two, 10: ten}",
    "dict-unsorted-keys": "{zeta: 1, alpha: 2, Mid: 3, _u: 4}",
    "dict-unicode": "{ключ: значение, é: [ü]}",
    "dict-deep-mixed": "{web: {pkgs: [nginx, {name: php, version: '8.2'}], conf: {port: 80, ssl: false}, "
                       "users: [{name: a, groups: [x, y]}, {name: b, groups: []}]}}",
    "dict-colon-strings": "{url: 'http://x', 'a: b': c, 'k#': '#v'}",
}


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    printable = "\x1b" not in value and "\t" not in value and not value.endswith(" ")
    style = "|" if "\n" in value and printable and " \n" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def ask_salt(arg: str, variant: list[str], conf: pathlib.Path) -> str:
    proc = subprocess.run(
        [str(SALT_CALL), "--local", "-c", str(conf), "-l", "quiet", *variant, "test.echo", "--", arg],
        capture_output=True, text=True, timeout=120,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"salt-call failed for {arg!r} {variant}: {proc.stderr}")
    return proc.stdout


def main(names: list[str]) -> int:
    refresh_all = names == ["--all"]
    wanted = SEEDS if refresh_all or not names else {n: SEEDS[n] for n in names}
    if not refresh_all and not names:
        wanted = {n: s for n, s in wanted.items() if not (CASES / f"{n}.yaml").exists()}
    CASES.mkdir(parents=True, exist_ok=True)
    jobs = [(name, variant) for name in wanted for variant in VARIANTS]
    with tempfile.TemporaryDirectory(prefix="saline-out-") as tmp:
        conf = pathlib.Path(tmp) / "conf"
        root = pathlib.Path(tmp) / "root"
        conf.mkdir()
        (conf / "minion").write_text(yaml.safe_dump({
            "id": "oracle", "file_client": "local", "root_dir": str(root),
            "file_roots": {"base": [str(root / "srv/salt")]},
            "pillar_roots": {"base": [str(root / "srv/pillar")]},
        }))
        with ThreadPoolExecutor(4) as pool:
            outputs = list(pool.map(lambda j: ask_salt(wanted[j[0]], VARIANTS[j[1]], conf), jobs))
    results: dict[str, dict[str, str]] = {}
    for (name, variant), text in zip(jobs, outputs, strict=True):
        results.setdefault(name, {})[variant] = text
    for name, expected in results.items():
        case = {"arg": wanted[name], "expected": expected}
        (CASES / f"{name}.yaml").write_text(
            yaml.dump(case, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
        )
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
