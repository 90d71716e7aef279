"""Render pipes, shebangs, the data renderers, #!py, template loading and the SLS lookup."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
from saline.renderers import render_file, render_string, sls_to_path
from saline.renderers.pipeline import parse_pipe, shebang_pipe


def test_sls_to_path_precedence(tree: Any) -> None:
    ctx = tree({"a/b.sls": "x: 1", "a/b/init.sls": "x: 2", "c/init.sls": "x: 3", "top.sls": ""})
    fc = ctx.fileclient
    assert sls_to_path(fc, "a.b", "base") == "a/b.sls"
    assert sls_to_path(fc, "c", "base") == "c/init.sls"
    assert sls_to_path(fc, "top", "base") == "top.sls"
    assert sls_to_path(fc, "missing", "base") is None
    assert sls_to_path(fc, "a.b", "dev") is None
    assert sls_to_path(fc, "a/b", "base") == "a/b.sls"  # Salt accepts slashes too
    for bad in ("", ".a", "a.", "/a", "a/../b", "a..b", "a\0b", "a. .b"):
        assert sls_to_path(fc, bad, "base") is None


def test_parse_pipe_and_shebang() -> None:
    assert parse_pipe("jinja | yaml") == ["jinja", "yaml"]
    assert parse_pipe("yaml_jinja") == ["jinja", "yaml"]
    assert shebang_pipe("#!jinja|json\n{}") == "jinja|json"
    assert shebang_pipe("#! jinja | yaml\n") == "jinja|yaml"
    assert shebang_pipe("#!/bin/sh\necho") is None
    assert shebang_pipe("#!/usr/bin/env python\n") is None
    assert shebang_pipe("a: 1\n#!yaml\n") is None
    with pytest.raises(ValueError):
        parse_pipe("jinja||yaml")


def test_default_renderer_comes_from_opts(tree: Any) -> None:
    ctx = tree({"a.sls": "a: '{{ 1 }}'\n"}, renderer="yaml")
    assert render_file(ctx, "a.sls") == {"a": "{{ 1 }}"}
    assert render_file(ctx, "a.sls", default_renderer="jinja|yaml") == {"a": "1"}
    assert render_file(ctx, "salt://a.sls") == {"a": "{{ 1 }}"}


def test_yaml_data_is_ordered_and_typed_like_salt(tree: Any) -> None:
    ctx = tree({"a.sls": "z: 1\na: {m: 0644, n: yes}\nd: 2024-01-01\n"})
    data = render_file(ctx, "a.sls")
    assert isinstance(data, OrderedDict) and list(data) == ["z", "a", "d"]
    assert data["a"] == {"m": 644, "n": True} and data["d"] == "2024-01-01"
    assert repr(render_string(ctx, "k: {v: 1}", "yaml")) == "OrderedDict([('k', OrderedDict([('v', 1)]))])"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "{# jinja comment #}\n", "---\n"])
def test_empty_sls_is_an_empty_dict(tree: Any, text: str) -> None:
    assert render_string(tree({}), text) == {}


def test_render_string_text_mode_keeps_the_first_line(tree: Any) -> None:
    ctx = tree({})
    assert render_string(ctx, "#!/bin/sh\necho {{ 1 + 1 }}\n", "jinja") == "#!/bin/sh\necho 2\n"
    # a text template is never re-piped by a shebang-looking first line
    assert render_string(ctx, "#!yaml\nx: {{ 1 }}\n", "jinja") == "#!yaml\nx: 1\n"
    # a data pipe honours it
    assert render_string(ctx, "#!yaml\nx: '{{ 1 }}'\n") == {"x": "{{ 1 }}"}
    assert render_string(ctx, '#!json\n{"a": [1]}') == {"a": [1]}


def test_json_and_toml_renderers(tree: Any) -> None:
    ctx = tree({"j.sls": '#!jinja|json\n{"a": {{ [1, 2] | json }}}\n', "t.sls": '#!jinja|toml\n[s]\nk = "{{ 2 }}"\n'})
    assert render_file(ctx, "j.sls") == {"a": [1, 2]}
    assert render_file(ctx, "t.sls") == {"s": {"k": "2"}}
    assert render_string(ctx, "  ", "json") == {}


def test_py_renderer_sees_salt_globals(tree: Any) -> None:
    source = (
        "#!py\n"
        "def run():\n"
        "    return {'id': __grains__['id'], 'role': __pillar__['role'], 'env': [__env__, saltenv],\n"
        "            'sls': [sls, __sls__], 'echo': __salt__['test.echo']('hi'), 'renderer': __opts__['renderer'],\n"
        "            'dir': tpldir, 'slspath': slspath, 'extra': extra}\n"
    )
    ctx = tree({"web/app/init.sls": source}, pillar={"role": "db"})
    data = render_file(ctx, "web/app/init.sls", sls="web.app", context={"extra": 5})
    assert data == {"id": "minion1", "role": "db", "env": ["base", "base"], "sls": ["web.app", "web.app"],
                    "echo": "hi", "renderer": "jinja|yaml", "dir": "web/app", "slspath": "web/app", "extra": 5}


def test_py_renderer_returning_none_is_empty(tree: Any) -> None:
    assert render_file(tree({"p.sls": "#!py\ndef run():\n    pass\n"}), "p.sls") == {}


def test_templates_load_from_the_render_saltenv(tmp_path: Path, tree: Any) -> None:
    dev = tmp_path / "dev"
    (dev / "lib").mkdir(parents=True)
    (dev / "lib" / "v.jinja").write_text("{% set v = 'dev' %}")
    (dev / "s.sls").write_text("{% from 'lib/v.jinja' import v %}"
                               "{% from 'salt://lib/v.jinja?saltenv=base' import v as b %}"
                               "x: {{ v }}-{{ b }}-{{ saltenv }}\n")
    ctx = tree({"lib/v.jinja": "{% set v = 'base' %}"})
    ctx.opts["file_roots"]["dev"] = [str(dev)]
    assert render_file(ctx, "s.sls", "dev") == {"x": "dev-base-dev"}
    assert render_file(ctx, "salt://s.sls?saltenv=dev") == {"x": "dev-base-dev"}


def test_relative_names_escaping_the_roots_are_refused(tree: Any) -> None:
    ctx = tree({"a.sls": "{% include '../../etc/passwd' %}"})
    with pytest.raises(Exception, match="outside the file roots"):
        render_file(ctx, "a.sls")


def test_changed_files_are_recompiled(tree: Any, tmp_path: Path) -> None:
    ctx = tree({"m.jinja": "{% set v = 1 %}", "s.sls": "{% from 'm.jinja' import v %}x: {{ v }}\n"})
    assert render_file(ctx, "s.sls") == {"x": 1}
    (tmp_path / "salt" / "m.jinja").write_text("{% set v = 2 %}")
    assert render_file(ctx, "s.sls") == {"x": 2}


def test_allow_undefined_option(tree: Any) -> None:
    ctx = tree({}, allow_undefined=True)
    assert render_string(ctx, "[{{ nope }}][{{ pillar.nope }}]", "jinja") == "[][]"


def test_jinja_env_options(tree: Any) -> None:
    ctx = tree({}, jinja_env={"variable_start_string": "<<", "variable_end_string": ">>"},
               jinja_sls_env={"line_statement_prefix": "%"})
    assert render_string(ctx, "<< 1 + 1 >> {{ x }}", "jinja") == "2 {{ x }}"
    assert render_string(ctx, "% if true\na: 1\n% endif\n", sls="s") == {"a": 1}


def test_context_overrides_and_include_ignore_missing(tree: Any) -> None:
    ctx = tree({})
    out = render_string(ctx, "{{ sls }}|{{ grains.id }}|{% include 'nope.jinja' ignore missing %}", "jinja",
                        sls="x.y", context={"grains": {"id": "override"}})
    assert out == "x.y|override|"


def test_show_full_context_lists_plain_variables(tree: Any) -> None:
    ctx = tree({"a/b.sls": "{{ show_full_context() | json }}"})
    data = render_file(ctx, "a/b.sls", sls="a.b", default_renderer="jinja|json")
    assert data["sls"] == "a.b" and data["tplfile"] == "a/b.sls" and data["grains"]["id"] == "minion1"
    assert "salt" not in data


def test_salt_function_access_styles(tree: Any) -> None:
    ctx = tree({})
    assert render_string(ctx, "{{ salt['test.echo']('a') }}{{ salt.test.echo('b') }}", "jinja") == "ab"


def test_method_call_is_sandboxed(tree: Any) -> None:
    ctx = tree({})
    with pytest.raises(Exception, match="unsafe"):
        render_string(ctx, "{{ 'x' | method_call('__class__') }}", "jinja")


def test_map_jinja_pattern(tree: Any) -> None:
    """The formula idiom: tplroot from tpldir, map.jinja with import_yaml and grains.filter_by-like merging."""
    files = {
        "app/defaults.yaml": "app:\n  pkg: app\n  port: 80\n",
        "app/osmap.yaml": "Debian:\n  pkg: app-deb\n",
        "app/map.jinja": (
            "{%- set tplroot = tpldir.split('/')[0] %}\n"
            "{%- import_yaml tplroot ~ '/defaults.yaml' as defaults %}\n"
            "{%- import_yaml './osmap.yaml' as osmap %}\n"
            "{%- set app = defaults.app %}\n"
            "{%- do app.update(osmap.get(grains.os_family, {})) %}\n"
            "{%- do app.update(pillar.get('app', {})) %}\n"
        ),
        "app/init.sls": (
            "{%- set tplroot = tpldir.split('/')[0] %}\n"
            "{%- from tplroot ~ '/map.jinja' import app with context %}\n"
            "{{ app.pkg }}:\n  pkg.installed:\n    - port: {{ app.port }}\n"
        ),
    }
    ctx = tree(files, pillar={"app": {"port": 8080}})
    assert render_file(ctx, "app/init.sls", sls="app") == {"app-deb": {"pkg.installed": [{"port": 8080}]}}
