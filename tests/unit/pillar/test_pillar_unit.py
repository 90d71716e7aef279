"""Pillar compiler and pillar/config modules: options and paths the Salt-checked cases do not cover."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.pillar import compile_pillar

GRAINS = {"id": "web1", "os": "Debian"}


def tree(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(root)


def opts_for(tmp_path, envs, **extra):
    roots = {env: [tree(tmp_path / env, files)] for env, files in envs.items()}
    return {"id": "web1", "pillar_roots": roots, "state_top": "top.sls", "renderer": "jinja|yaml", **extra}


TOP_ALL = "base:\n  '*':\n    - a\n"


def test_unsafe_render_errors_show_the_error(tmp_path):
    opts = opts_for(tmp_path, {"base": {"top.sls": TOP_ALL, "a.sls": "x: {{ nope() }}\n"}},
                    pillar_safe_render_error=False)
    errors = compile_pillar(opts, GRAINS)["_errors"]
    assert len(errors) == 1
    assert errors[0].startswith("Rendering SLS 'a' failed, render error:\n")
    assert "nope" in errors[0]


def test_safe_render_errors_hide_the_error_but_log_it(tmp_path, caplog):
    opts = opts_for(tmp_path, {"base": {"top.sls": TOP_ALL, "a.sls": "x: {{ nope() }}\n"}})
    assert compile_pillar(opts, GRAINS)["_errors"] == [
        "Rendering SLS 'a' failed. Please see master log for details."]
    assert "nope" in caplog.text


def test_env_pillar_root_maps_onto_the_requested_pillarenv(tmp_path):
    tree(tmp_path / "dev", {"top.sls": "dev:\n  '*':\n    - d\n", "d.sls": "where: dev\n"})
    opts = {"id": "web1", "pillar_roots": {"__env__": [str(tmp_path / "__env__")]}, "pillarenv": "dev"}
    assert compile_pillar(opts, GRAINS) == {"where": "dev"}


def test_pillarenv_from_saltenv(tmp_path):
    opts = opts_for(tmp_path, {
        "base": {"top.sls": TOP_ALL, "a.sls": "where: base\n"},
        "dev": {"top.sls": "dev:\n  '*':\n    - d\n", "d.sls": "where: dev\n"},
    }, pillarenv_from_saltenv=True)
    assert compile_pillar(opts, GRAINS) == {"where": "dev"}  # both envs: base first, then dev
    assert compile_pillar(opts, GRAINS, saltenv="base") == {"where": "base"}


def test_merge_strategy_none_uses_the_saltenv_top_only(tmp_path):
    opts = opts_for(tmp_path, {
        "base": {"top.sls": TOP_ALL, "a.sls": "where: base\n"},
        "dev": {"top.sls": "dev:\n  '*':\n    - d\n", "d.sls": "where: dev\n"},
    }, pillar_source_merging_strategy="none")
    assert compile_pillar(opts, GRAINS) == {"where": "base"}
    assert compile_pillar(opts, GRAINS, saltenv="dev") == {"where": "dev"}


def test_pillar_opts_adds_the_options_under_master(tmp_path):
    opts = opts_for(tmp_path, {"base": {"top.sls": TOP_ALL, "a.sls": "a: 1\n"}}, pillar_opts=True)
    pillar = compile_pillar(opts, GRAINS)
    assert pillar["a"] == 1
    assert pillar["master"]["id"] == "web1"
    assert "grains" not in pillar["master"]


def test_templates_see_salt_functions_and_the_static_pillar(tmp_path):
    sls = "echo: {{ salt['test.echo']('hi') }}\nrole: {{ salt['pillar.get']('role', 'none') }}\n"
    opts = opts_for(tmp_path, {"base": {"top.sls": TOP_ALL, "a.sls": sls}}, pillar={"role": "static"})
    assert compile_pillar(opts, GRAINS) == {"echo": "hi", "role": "static"}


def test_pillar_top_odd_shapes(tmp_path, caplog):
    top = ("base:\n  '*': a\n  'web*':\n    - b\n    - order: not-a-number\n"
           "  'x':\n    - match: bogus\n    - c\n")
    opts = opts_for(tmp_path, {"base": {"top.sls": top, "a.sls": "a: 1\n", "b.sls": "b: 1\n", "c.sls": "c: 1\n"}})
    pillar = compile_pillar(opts, GRAINS)
    assert pillar["a"] == 1 and pillar["b"] == 1 and "c" not in pillar
    assert pillar["_errors"] == ["Unknown matcher 'bogus' for target 'x' in the pillar top file"]


def test_override_must_be_a_mapping(tmp_path):
    opts = opts_for(tmp_path, {"base": {"top.sls": TOP_ALL, "a.sls": "a: 1\n"}})
    with pytest.raises(SaltInvocationError, match="dictionary"):
        compile_pillar(opts, GRAINS, override=["not", "a", "dict"])
    assert compile_pillar(opts, GRAINS, override={"a": 2, "b": 3}) == {"a": 2, "b": 3}


def test_top_naming_an_unknown_pillar_saltenv(tmp_path):
    opts = opts_for(tmp_path, {"base": {"top.sls": "prod:\n  '*':\n    - p\n"}})
    assert compile_pillar(opts, GRAINS) == {
        "_errors": ["No matching pillar environment for environment 'prod' found"]}


# ---- the pillar module through saline-call's context ---------------------------------------------

CASE = {
    "grains": {"id": "web1"},
    "pillar_roots": {
        "base": {"top.sls": TOP_ALL, "a.sls": "where: base\nweb: {port: 80}\n"},
        "dev": {"top.sls": "dev:\n  '*':\n    - d\n", "d.sls": "where: dev\n"},
    },
}


def test_pillarenv_argument_compiles_fresh_without_touching_memory(case_runner):
    runner = case_runner(CASE)
    ctx = runner.context()
    before = dict(ctx.opts)
    assert ctx.pillar["where"] == "dev"  # both saltenvs, dev merged last
    assert ctx.salt["pillar.items"](pillarenv="base") == {"where": "base", "web": {"port": 80}}
    assert ctx.salt["pillar.get"]("where", pillarenv="base") == "base"
    assert ctx.salt["pillar.item"]("where", pillarenv="dev") == {"where": "dev"}
    assert ctx.pillar["where"] == "dev"
    assert ctx.opts == before  # the options the loader compiled from are restored


def test_pillar_compiler_hook_is_preferred(case_runner):
    ctx = case_runner(CASE).context()
    seen = []
    ctx.pillar_compiler = lambda **kw: seen.append(kw) or {"from": "hook"}
    assert ctx.salt["pillar.items"](pillarenv="x", pillar={"a": 1}) == {"from": "hook"}
    assert seen == [{"pillarenv": "x", "saltenv": None, "override": {"a": 1}}]


def test_items_override_argument_and_bad_arguments(case_runner):
    ctx = case_runner(CASE).context()
    assert ctx.salt["pillar.items"](pillar={"web": {"tls": True}})["web"] == {"port": 80, "tls": True}
    assert ctx.pillar["web"] == {"port": 80}
    with pytest.raises(SaltInvocationError, match="must be formatted as a dictionary"):
        ctx.salt["pillar.items"](pillar="text")
    with pytest.raises(SaltInvocationError, match="pillar_enc"):
        ctx.salt["pillar.items"](pillar={"a": 1}, pillar_enc="gpg")


def test_raise_on_missing(case_runner):
    ctx = case_runner({**CASE, "config": {"pillar_raise_on_missing": True}}).context()
    with pytest.raises(CommandExecutionError, match="Pillar key not found: nope"):
        ctx.salt["pillar.get"]("nope")
    assert ctx.salt["pillar.get"]("nope", default=None) is None
    assert ctx.salt["pillar.get"]("web:port") == 80


def test_keys_delimiter_and_file_exists_refuses_traversal(case_runner):
    ctx = case_runner(CASE).context()
    assert ctx.salt["pillar.keys"]("web") == ["port"]
    assert ctx.salt["pillar.file_exists"]("d.sls", saltenv="dev") is True
    assert ctx.salt["pillar.file_exists"]("d.sls", saltenv="base") is False
    assert ctx.salt["pillar.file_exists"]("d.sls", saltenv="nope") is False
    with pytest.raises(SaltInvocationError):
        ctx.salt["pillar.file_exists"]("../etc/passwd")


def test_config_items_and_lookup_of_live_grains_and_pillar(case_runner):
    ctx = case_runner(CASE).context()
    everything = ctx.salt["config.items"]()
    assert everything["id"] == "web1"
    assert everything["grains"]["id"] == "web1"
    assert everything["pillar"]["where"] == "dev"
    assert ctx.salt["config.get"]("web:port") == 80
    assert ctx.salt["config.get"]("web", merge="bogus") == {"port": 80}


def test_documentation_has_cli_examples():
    from saline.loader import load_module

    for name in ("pillar", "config"):
        module = load_module(name, lambda: {})
        assert module is not None
        for function in module.functions.values():
            assert "CLI Example" in function.doc, function.full_name


# ---- end to end --------------------------------------------------------------------------------


def test_saline_call_end_to_end(saline_call):
    saline_call.write_pillar("top.sls", "base:\n  '*':\n    - data\n")
    saline_call.write_pillar("data.sls", "app:\n  port: 80\n  host: {{ grains['id'] }}\n")
    rc, out, err = saline_call("pillar.items", "pillar={\"app\": {\"port\": 8080}}", "--out=json")
    assert rc == 0, err
    assert json.loads(out) == {"local": {"app": {"port": 8080, "host": "saline-test"}}}
    rc, out, err = saline_call("pillar.get", "nope", "--out=json")
    assert (rc, json.loads(out)) == (0, {"local": ""})
    rc, out, err = saline_call("config.get", "app:host", "--out=json")
    assert (rc, json.loads(out)) == (0, {"local": "saline-test"})


def test_importing_targeting_and_pillar_code_stays_light():
    code = ("import sys, saline.matchers, saline.top, saline.pillar, saline.modules.pillar, "
            "saline.modules.config; print(sorted(m for m in ('jinja2', 'msgpack') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_relative_include_names_only_the_sibling(tmp_path):
    """Salt also merges a top-level `db` for `- .db`; Saline includes only app/db (docs/pillar.md)."""
    opts = opts_for(tmp_path, {"base": {
        "top.sls": "base:\n  '*':\n    - app\n",
        "app/init.sls": "include:\n  - .db\napp: 1\n",
        "app/db.sls": "appdb: 1\n",
        "db.sls": "topdb: 1\n",
    }})
    assert compile_pillar(opts, GRAINS) == {"appdb": 1, "app": 1}
