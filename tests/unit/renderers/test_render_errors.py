"""Every kind of render failure names the file (salt:// URL and SLS), the line, and shows the lines."""

from __future__ import annotations

from typing import Any

import pytest
from saline.errors import RenderError
from saline.renderers import TemplateError, render_file, render_string


def render_error(ctx: Any, rel: str, sls: str = "", **kwargs: Any) -> TemplateError:
    with pytest.raises(RenderError) as info:
        render_file(ctx, rel, "base", sls=sls, **kwargs)
    assert isinstance(info.value, TemplateError)
    return info.value


def test_jinja_syntax_error(tree: Any) -> None:
    ctx = tree({"web/init.sls": "a:\n  b: 1\n{% if grains.os %}\nc: {{ 1 }\n"})
    err = render_error(ctx, "web/init.sls", "web")
    text = str(err)
    assert err.line == 4 and err.kind == "Jinja syntax error"
    assert text.startswith("salt://web/init.sls (SLS base:web), line 4: Jinja syntax error:")
    assert ">>> 4 | c: {{ 1 }" in text
    assert "    3 | {% if grains.os %}" in text


def test_unclosed_block_points_at_the_end(tree: Any) -> None:
    ctx = tree({"x.sls": "{% for i in [1] %}\na: 1\n"})
    err = render_error(ctx, "x.sls", "x")
    assert "endfor" in str(err) and err.line is not None


def test_undefined_variable_and_attribute(tree: Any) -> None:
    ctx = tree({"x.sls": "a: 1\nb: {{ pillar.missing.key }}\n", "y.sls": "\n\n{{ nope }}\n"})
    err = render_error(ctx, "x.sls", "x")
    assert err.line == 2 and "'dict object' has no attribute 'missing'" in str(err)
    assert ">>> 2 | b: {{ pillar.missing.key }}" in str(err)
    err = render_error(ctx, "y.sls", "y")
    assert err.line == 3 and "'nope' is undefined" in str(err)


def test_type_error_inside_a_template(tree: Any) -> None:
    ctx = tree({"t.sls": "a: 1\nb: {{ 1 + 'x' }}\n", "u.sls": "{% set s = 'x' %}\nc: {{ s.items() }}\n"})
    err = render_error(ctx, "t.sls", "t")
    assert err.line == 2 and "TypeError" in str(err) and ">>> 2 | b: {{ 1 + 'x' }}" in str(err)
    err = render_error(ctx, "u.sls", "u")
    assert err.line == 2 and "items" in str(err)


def test_yaml_syntax_error_shows_the_rendered_lines(tree: Any) -> None:
    ctx = tree({"y/init.sls": "a:\n  - b\n c: [1\n"})
    err = render_error(ctx, "y/init.sls", "y")
    assert err.kind == "YAML syntax error" and err.line == 3
    assert str(err).startswith("salt://y/init.sls (SLS base:y), line 3: YAML syntax error:")
    assert ">>> 3 |  c: [1" in str(err)


def test_yaml_error_after_jinja_names_the_output_line(tree: Any) -> None:
    ctx = tree({"y.sls": "{% for i in range(3) %}\nk{{ i }}: v\n{% endfor %}\nbad: [\n"})
    err = render_error(ctx, "y.sls", "y")
    assert "Jinja output" in str(err) and "bad: [" in str(err)


def test_duplicate_key_names_the_key_and_line(tree: Any) -> None:
    ctx = tree({"d.sls": "pkgs:\n  vim: 1\n  git: 2\n  vim: 3\n"})
    err = render_error(ctx, "d.sls", "d")
    assert err.line == 4 and "duplicate key 'vim'" in str(err)
    assert "starts at line 2" in str(err) and ">>> 4 |   vim: 3" in str(err)


@pytest.mark.parametrize(("shebang", "name", "kind"), [
    ("#!yaml|gpg", "gpg", "Unsupported renderer"),
    ("#!jinja|yaml|gpg", "gpg", "Unsupported renderer"),
    ("#!mako|yaml", "mako", "Unsupported renderer"),
    ("#!stateconf -o yaml . jinja", "stateconf", "Unsupported renderer"),
    ("#!jinja|nosuch", "nosuch", "Unknown renderer"),
])
def test_unsupported_and_unknown_renderers(tree: Any, shebang: str, name: str, kind: str) -> None:
    ctx = tree({"r.sls": f"{shebang}\na: 1\n"})
    err = render_error(ctx, "r.sls", "r")
    assert err.kind == kind and f"'{name}'" in str(err)
    assert "supported renderers: jinja, json, py, toml, yaml" in str(err)
    assert str(err).startswith("salt://r.sls (SLS base:r), line 1:")


def test_unknown_default_renderer(tree: Any) -> None:
    ctx = tree({"r.sls": "a: 1\n"})
    err = render_error(ctx, "r.sls", "r", default_renderer="jinja|cheetah")
    assert "'cheetah'" in str(err)


def test_missing_import_names_the_template_and_the_line(tree: Any) -> None:
    ctx = tree({"m/init.sls": "a: 1\n{% from 'm/nomap.jinja' import x %}\n",
                "n.sls": "{% import_yaml 'missing.yaml' as y %}\n"})
    err = render_error(ctx, "m/init.sls", "m")
    assert err.line == 2 and "template 'm/nomap.jinja' not found in saltenv 'base'" in str(err)
    assert ">>> 2 | {% from 'm/nomap.jinja' import x %}" in str(err)
    err = render_error(ctx, "n.sls", "n")
    assert err.line == 1 and "missing.yaml" in str(err)


def test_error_inside_an_imported_file_names_that_file_and_the_importer(tree: Any) -> None:
    ctx = tree({
        "app/init.sls": "# header\n{% from 'app/map.jinja' import cfg with context %}\nx: {{ cfg }}\n",
        "app/map.jinja": "{% set a = 1 %}\n{% set cfg = grains.nokey.sub %}\n",
    })
    err = render_error(ctx, "app/init.sls", "app")
    text = str(err)
    assert text.startswith("salt://app/map.jinja, line 2: Jinja variable error:")
    assert "imported from salt://app/init.sls (SLS base:app), line 2" in text
    assert ">>> 2 | {% set cfg = grains.nokey.sub %}" in text
    assert err.source == "salt://app/map.jinja" and err.sls == "app"


def test_syntax_error_inside_an_imported_file(tree: Any) -> None:
    ctx = tree({"s.sls": "{% import 'lib.jinja' as lib %}\n", "lib.jinja": "ok\n{% macro m( %}\n"})
    err = render_error(ctx, "s.sls", "s")
    assert err.source == "salt://lib.jinja" and err.line == 2 and err.kind == "Jinja syntax error"
    assert "imported from salt://s.sls (SLS base:s), line 1" in str(err)


def test_bad_yaml_in_import_yaml_points_into_the_imported_file(tree: Any) -> None:
    ctx = tree({"i.sls": "a: 1\n{% import_yaml 'd.yaml' as d %}\n", "d.yaml": "ok: 1\nbad: [1\n"})
    err = render_error(ctx, "i.sls", "i")
    assert err.source == "salt://d.yaml" and err.line == 3
    assert "imported from salt://i.sls (SLS base:i), line 2" in str(err)
    assert ">>> 2 | bad: [1" in str(err) or ">>> 3 |" in str(err)


def test_bad_yaml_in_a_load_yaml_block_points_at_the_block_line(tree: Any) -> None:
    ctx = tree({"l.sls": "x: 1\n{% load_yaml as x %}\nk: v\nk: w\n{% endload %}\n"})
    err = render_error(ctx, "l.sls", "l")
    assert err.line == 4 and "conflicting ID 'k'" in str(err) and ">>> 4 | k: w" in str(err)


def test_duplicate_key_without_jinja_changes_says_plain_line(tree: Any) -> None:
    ctx = tree({"d.sls": "a: 1\na: 2\n", "e.sls": "{% set x = 1 %}\na: 1\na: 2\n"})
    assert "Jinja output" not in str(render_error(ctx, "d.sls", "d"))
    assert "Jinja output" in str(render_error(ctx, "e.sls", "e"))


def test_raise_global(tree: Any) -> None:
    ctx = tree({"x.sls": "{% if true %}\n{{ raise('pillar role is required') }}\n{% endif %}\n"})
    err = render_error(ctx, "x.sls", "x")
    assert err.line == 2 and "pillar role is required" in str(err)


def test_failing_salt_function(tree: Any) -> None:
    ctx = tree({"x.sls": "a: {{ salt['nosuch.fun']() }}\n"})
    err = render_error(ctx, "x.sls", "x")
    assert err.line == 1 and "'nosuch.fun' is not available" in str(err)


def test_json_syntax_error(tree: Any) -> None:
    ctx = tree({"j.sls": '#!json\n{"a": 1,\n "b": }\n'})
    err = render_error(ctx, "j.sls", "j")
    assert err.kind == "JSON syntax error" and err.line == 3 and '>>> 3 |  "b": }' in str(err)


def test_py_renderer_errors(tree: Any) -> None:
    ctx = tree({"p.sls": "#!py\ndef run():\n    x = 1\n    return {'a': 1 / 0}\n",
                "q.sls": "#!py\ndef run(:\n", "r.sls": "#!py\nx = 1\n"})
    err = render_error(ctx, "p.sls", "p")
    assert err.line == 4 and "ZeroDivisionError" in str(err) and ">>> 4 |     return {'a': 1 / 0}" in str(err)
    err = render_error(ctx, "q.sls", "q")
    assert err.kind == "Python syntax error" and err.line == 2
    err = render_error(ctx, "r.sls", "r")
    assert "run()" in str(err)


def test_missing_file_and_bad_path(tree: Any) -> None:
    ctx = tree({})
    err = render_error(ctx, "nope.sls", "nope")
    assert "file not found in saltenv 'base'" in str(err) and "salt://nope.sls" in str(err)
    with pytest.raises(RenderError, match=r"'\.\.' is not allowed"):
        render_file(ctx, "../etc/passwd")


def test_sandbox_refuses_internals(tree: Any) -> None:
    ctx = tree({})
    with pytest.raises(RenderError, match=r"unsafe|sandbox"):
        render_string(ctx, "{{ ''.__class__.__mro__ }}", "jinja")


def test_render_string_errors_name_the_source(tree: Any) -> None:
    ctx = tree({})
    with pytest.raises(RenderError) as info:
        render_string(ctx, "line one\n{{ 1 + }}\n", "jinja", source="salt://files/motd")
    assert str(info.value).startswith("salt://files/motd, line 2: Jinja syntax error")


def test_non_utf8_file(tree: Any, tmp_path: Any) -> None:
    ctx = tree({})
    (tmp_path / "salt" / "bin.sls").write_bytes(b"a: \xff\xfe\n")
    err = render_error(ctx, "bin.sls", "bin")
    assert "not UTF-8" in str(err)
