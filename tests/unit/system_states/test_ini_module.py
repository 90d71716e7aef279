"""The ``ini`` execution module on real files, and properties of the ini model."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from saline import inifile
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context

TEXT = "top = 1\n\n[main]\n# the port\nport = 80\nhost = localhost\n  continued\n\n[other]\nx = y\n"


def _salt() -> dict:
    return Context({"id": "t"}).salt


def test_reads(tmp_path: Path) -> None:
    path = tmp_path / "a.ini"
    path.write_text(TEXT)
    salt = _salt()
    assert salt["ini.get_option"](str(path), "main", "port") == "80"
    assert salt["ini.get_option"](str(path), None, "top") == "1"
    assert salt["ini.get_option"](str(path), "main", "nope") is None
    assert salt["ini.get_option"](str(path), "nope", "port") is None
    assert salt["ini.get_section"](str(path), "main") == {"port": "80", "host": "localhost\n  continued"}
    assert salt["ini.get_section"](str(path), "missing") == {}
    assert salt["ini.get_ini"](str(path)) == {"top": "1", "main": {"port": "80", "host": "localhost\n  continued"},
                                              "other": {"x": "y"}}
    assert salt["ini.get_ini"](str(tmp_path / "missing.ini")) == {}


def test_edits(tmp_path: Path) -> None:
    path = tmp_path / "a.ini"
    path.write_text(TEXT)
    salt = _salt()
    assert salt["ini.set_option"](str(path), {"main": {"port": 8080}, "new": {"a": True}}) == {
        "main": {"port": {"before": "80", "after": "8080"}}, "new": {"before": None, "after": {"a": "True"}}}
    assert salt["ini.get_option"](str(path), "main", "port") == "8080"
    assert salt["ini.remove_option"](str(path), "main", "port") == "8080"
    assert salt["ini.remove_option"](str(path), "main", "port") is None
    assert salt["ini.remove_section"](str(path), "other") == {"x": "y"}
    assert salt["ini.remove_section"](str(path), "other") is None
    assert path.read_text() == ("top = 1\n\n[main]\n# the port\nhost = localhost\n  continued\n\n[new]\n"
                                "a = True\n")


def test_commented_option_is_replaced_in_place(tmp_path: Path) -> None:
    path = tmp_path / "a.ini"
    path.write_text("[s]\na = 1\n#b = 2\nc = 3\n")
    _salt()["ini.set_option"](str(path), {"s": {"b": 5}})
    assert path.read_text() == "[s]\na = 1\nb = 5\nc = 3\n"


def test_errors(tmp_path: Path) -> None:
    salt = _salt()
    with pytest.raises(SaltInvocationError):
        salt["ini.set_option"](str(tmp_path / "a.ini"), ["not", "a", "dict"])
    with pytest.raises(SaltInvocationError):
        salt["ini.get_ini"](str(tmp_path / "a.ini"), separator="")
    with pytest.raises(CommandExecutionError, match="Unable to open file"):
        salt["ini.get_ini"](str(tmp_path))  # a directory
    with pytest.raises(CommandExecutionError, match="does not exist"):
        salt["ini.set_option"](str(tmp_path / "no" / "dir.ini"), {"a": 1})
    (tmp_path / "b.ini").write_text("[s]\nx = 1\n")
    with pytest.raises(CommandExecutionError, match="is a section"):
        salt["ini.set_option"](str(tmp_path / "b.ini"), {"s": "flat"})


_names = st.text("abcdefghijklmnopqrstuvwxyz_.", min_size=1, max_size=8)
_values = st.text("abcdefghijklmnopqrstuvwxyz0123456789 /:=_", max_size=12).map(str.strip)
_sections = st.dictionaries(_names, st.dictionaries(_names, _values, max_size=4), max_size=4)


@given(top=st.dictionaries(_names, _values, max_size=3), sections=_sections)
def test_render_parse_round_trip(top: dict, sections: dict) -> None:
    doc = inifile.parse("")
    doc.update_from({**top, **{k: v for k, v in sections.items() if k not in top}})
    text = inifile.render(doc)
    again = inifile.parse(text)
    assert again.plain() == doc.plain()
    assert inifile.render(again) == text
    assert again.update_from(doc.plain()) == {}
