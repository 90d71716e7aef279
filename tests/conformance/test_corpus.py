"""Corpus conformance: Saline compiles real-world Salt trees exactly like Salt 3007 did.

The corpus (``$SALINE_CORPUS``, else ``<repo>/../shared/corpus``) holds public state trees and,
per case, what real Salt produced: the high data (``state.show_sls``/``state.show_highstate``),
``state.show_top`` and ``compiled_low`` (the chunks ``state.apply`` runs). A case passes when Saline's
high data and low chunks equal Salt's (``__sls_included_from__`` may be omitted from chunks), or,
when Salt refused the tree, Saline refuses it too. The session summary prints the pass count and
why each failing case fails (``conftest.py``).
"""

from __future__ import annotations

import copy
import os
import pathlib
from typing import Any

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
CORPUS = pathlib.Path(os.environ.get("SALINE_CORPUS") or REPO.parent / "shared" / "corpus")
HAVE_CORPUS = (CORPUS / "cases.yaml").is_file()
NO_CORPUS = f"corpus not found at {CORPUS} (set SALINE_CORPUS to a corpus folder with cases.yaml)"
# Functions whose answer depends on the host; a template calling them may see another answer here.
HOST_DEPENDENT = ("user.info", "cmd.has_exec", "file.file_exists", "file.directory_exists")


def load_cases() -> list[Any]:
    if not HAVE_CORPUS:
        return [pytest.param(None, id="no-corpus", marks=pytest.mark.skip(reason=NO_CORPUS))]
    cases = yaml.safe_load((CORPUS / "cases.yaml").read_text())["cases"]
    return [pytest.param(case, id=case["name"]) for case in cases]


def case_grains(case: dict[str, Any]) -> dict[str, Any]:
    grains = yaml.safe_load((CORPUS / "grains-debian12.yaml").read_text())
    grains.update(copy.deepcopy(case.get("grains") or {}))
    return grains


def make_ctx(case: dict[str, Any], tmp_path: pathlib.Path) -> Any:
    from saline.config import load_config
    from saline.loader import Context

    trees = case["tree"] if isinstance(case["tree"], list) else [case["tree"]]
    grains = case_grains(case)
    conf_dir = tmp_path / "conf"
    conf_dir.mkdir()
    overrides = {
        "id": grains.get("id", "web1"),
        "root_dir": str(tmp_path / "root"),
        "file_client": "local",
        "file_roots": {"base": [str(CORPUS / t) for t in trees]},
        "pillar_roots": {"base": [str(CORPUS / case["pillar_root"])]} if case.get("pillar_root")
        else {"base": [str(tmp_path / "pillar")]},
        **copy.deepcopy(case.get("config") or {}),
    }
    opts = load_config("minion", str(conf_dir), overrides)
    ctx = Context(opts)
    ctx.grains = grains
    ctx.pillar = case_pillar(case, ctx, tmp_path)
    return ctx


def case_pillar(case: dict[str, Any], ctx: Any, tmp_path: pathlib.Path) -> dict[str, Any]:
    """The case's pillar, compiled by Saline's pillar compiler like the oracle set it up for Salt.

    ``pillar_files`` become the SLS files of a generated pillar tree whose top file applies them
    (then ``pillar:`` as a last JSON SLS) to every minion; a ``pillar_root`` is used as it is.
    """
    import json

    from saline.pillar import compile_pillar

    if not case.get("pillar_root"):
        root = tmp_path / "pillar"
        root.mkdir()
        names = []
        for index, rel in enumerate(case.get("pillar_files") or []):
            names.append(f"corpus_pillar_{index}")
            (root / f"{names[-1]}.sls").write_text((CORPUS / rel).read_text())
        if case.get("pillar") is not None:
            names.append("corpus_pillar_json")
            (root / f"{names[-1]}.sls").write_text("#!json\n" + json.dumps(case["pillar"]))
        top = "base:\n  '*':\n" + "".join(f"    - {name}\n" for name in names) if names else "{}\n"
        (root / "top.sls").write_text(top)
    return compile_pillar(ctx.opts, ctx.grains)


def run_case(case: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """What Saline makes of the case: ``top``, ``high``, ``low`` and ``errors``."""
    from saline.states.engine import compiler

    out: dict[str, Any] = {"errors": []}
    pillar_errors = ctx.pillar.get("_errors")
    if pillar_errors:
        out["errors"] = ["Pillar failed to render", *pillar_errors]
        return out
    if case.get("highstate"):
        from saline.top import highstate_matches

        matches, errors = highstate_matches(ctx)
        out["top"] = matches
        high, render_errors = compiler.render_highstate(ctx, matches)
        errors = errors + render_errors
    else:
        high, errors = compiler.render_high(ctx, case["sls"], "base")
    out["high"] = copy.deepcopy(high)
    try:
        out["low"] = compiler.compile_low(high, ctx.opts, render_errors=errors)
    except compiler.StateCompileError as exc:
        out["errors"] = exc.errors
    return out


def strip_included_from(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in c.items() if k != "__sls_included_from__"} for c in chunks]


def compare(case: dict[str, Any], expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Differences between Saline's answer and Salt's, as short human-readable lines."""
    problems: list[str] = []
    if got["errors"] and expected["status"] == "ok":
        problems.append("Saline failed: " + " | ".join(e[:300] for e in got["errors"][:3]))
    high_key = "state.show_highstate" if case.get("highstate") else "state.show_sls"
    if "state.show_top" in expected and got.get("top") != expected["state.show_top"]:
        problems.append(f"top differs: {got.get('top')} != {expected['state.show_top']}")
    if isinstance(expected.get(high_key), dict) and got.get("high") != expected[high_key]:
        problems.append("high data differs: " + _first_difference(got["high"], expected[high_key]))
        if got["errors"]:
            problems.append("Saline errors: " + " | ".join(e[:300] for e in got["errors"][:3]))
    if expected["status"] == "error":
        if not got["errors"]:
            problems.append("Salt refused this tree but Saline compiled it")
        return problems
    if got["errors"]:
        return problems
    mine, salt = strip_included_from(got["low"]), strip_included_from(expected["compiled_low"])
    if mine != salt:
        problems.append("low chunks differ: " + _first_difference(mine, salt))
    return problems


def _first_difference(mine: Any, salt: Any, path: str = "") -> str:
    if isinstance(mine, dict) and isinstance(salt, dict):
        for key in list(salt) + [k for k in mine if k not in salt]:
            if key not in mine:
                return f"{path}/{key} missing"
            if key not in salt:
                return f"{path}/{key} unexpected"
            if mine[key] != salt[key]:
                return _first_difference(mine[key], salt[key], f"{path}/{key}")
    if isinstance(mine, list) and isinstance(salt, list):
        for index, (a, b) in enumerate(zip(mine, salt, strict=False)):
            if a != b:
                return _first_difference(a, b, f"{path}[{index}]")
        if len(mine) != len(salt):
            return f"{path} has {len(mine)} items, Salt {len(salt)}"
    return f"{path}: {str(mine)[:200]!r} != {str(salt)[:200]!r}"


@pytest.mark.parametrize("case", load_cases())
def test_corpus_case(case: dict[str, Any], tmp_path: pathlib.Path, corpus_results: dict[str, Any]) -> None:
    import json

    expected = json.loads((CORPUS / "expected" / f"{case['name']}.json").read_text())
    results = corpus_results
    try:
        ctx = make_ctx(case, tmp_path)
        got = run_case(case, ctx)
        problems = compare(case, expected, got)
    except Exception as exc:
        results[case["name"]] = [f"crashed: {type(exc).__name__}: {exc}"]
        raise
    results[case["name"]] = problems
    assert not problems, "\n".join(problems)

