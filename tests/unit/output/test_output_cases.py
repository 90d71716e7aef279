"""Outputters byte for byte against Salt: tests/cases/output/*.yaml hold Salt's stdout for
``salt-call --local test.echo ARG --out X`` (recorded by regen_output_cases.py)."""

from __future__ import annotations

import pathlib

import pytest
import yaml
from saline.args import yamlify
from saline.output import render

CASES_DIR = pathlib.Path(__file__).resolve().parents[2] / "cases" / "output"
CASES = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(CASES_DIR.glob("*.yaml"))}

# variant -> (outputter, options as saline-call builds them, command-line flags)
VARIANTS: dict[str, tuple[str, dict, list[str]]] = {
    "nested": ("nested", {}, ["--out=nested"]),
    "nested_color": ("nested", {"color": True}, ["--out=nested", "--force-color"]),
    "json": ("json", {}, ["--out=json"]),
    "json_indent_0": ("json", {"output_indent": 0}, ["--out=json", "--out-indent=0"]),
    "json_indent_2": ("json", {"output_indent": 2}, ["--out=json", "--out-indent=2"]),
    "json_indent_-1": ("json", {"output_indent": -1}, ["--out=json", "--out-indent=-1"]),
    "yaml": ("yaml", {}, ["--out=yaml"]),
    "yaml_indent_2": ("yaml", {"output_indent": 2}, ["--out=yaml", "--out-indent=2"]),
    "raw": ("raw", {}, ["--out=raw"]),
    "pprint": ("pprint", {}, ["--out=pprint"]),
    "txt": ("txt", {}, ["--out=txt"]),
    "newline_values_only": ("newline_values_only", {}, ["--out=newline_values_only"]),
    "quiet": ("quiet", {}, ["--out=quiet"]),
}

PAIRS = [(name, variant) for name, case in CASES.items() for variant in case["expected"]]


def test_every_case_covers_every_variant():
    assert len(CASES) >= 30
    for name, case in CASES.items():
        assert set(case["expected"]) == set(VARIANTS), name


@pytest.mark.parametrize(("name", "variant"), PAIRS)
def test_render_matches_salt(name, variant):
    case = CASES[name]
    fmt, opts, _ = VARIANTS[variant]
    data = {"local": yamlify(case["arg"])}
    assert render(data, fmt, dict(opts)) == case["expected"][variant]


# End to end through saline-call: every variant for a few shapes, the default outputter for all.
E2E = sorted({(n, v) for n, v in PAIRS if n in ("dict-deep-mixed", "list-empty-string", "scalar-multiline")}
             | {(n, "nested") for n in CASES} | {(n, "nested_color") for n in CASES if n.startswith("dict")})


@pytest.mark.parametrize(("name", "variant"), E2E)
def test_saline_call_prints_what_salt_prints(saline_call, name, variant):
    case = CASES[name]
    rc, out, err = saline_call(*VARIANTS[variant][2], "test.echo", "--", case["arg"])
    assert rc == 0, err
    assert out == case["expected"][variant]
