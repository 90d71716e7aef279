"""Where output goes and when it is coloured: terminal detection, --no-color, --force-color,
--out-file and --out-file-append (behaviour checked against salt-call)."""

from __future__ import annotations

import json
import os
import pty
import subprocess

import pytest
from saline.errors import SalineError
from saline.output import render, use_color

GREEN_HI = "\033[0;32mhi\033[0;0m"


def _on_a_tty(saline_call, *argv):
    """Run saline-call with stdout on a pseudo-terminal; return (rc, what the terminal received)."""
    primary, secondary = pty.openpty()
    cmd = [*saline_call.command, "-c", str(saline_call.config_dir), "--local", *argv]
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "SALINE_CONFIG_DIR")}
    proc = subprocess.Popen(cmd, stdout=secondary, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(primary)
    proc.wait(timeout=60)
    return proc.returncode, b"".join(chunks).decode().replace("\r\n", "\n")


def test_colour_on_a_terminal(saline_call):
    rc, text = _on_a_tty(saline_call, "test.echo", "hi")
    assert rc == 0
    assert text == f"\033[0;36mlocal\033[0;0m:\n    {GREEN_HI}\n"


def test_no_color_on_a_terminal(saline_call):
    rc, text = _on_a_tty(saline_call, "--no-color", "test.echo", "hi")
    assert (rc, text) == (0, "local:\n    hi\n")


def test_color_false_in_config_on_a_terminal(saline_call):
    saline_call.write_config({**saline_call.options, "color": False})
    rc, text = _on_a_tty(saline_call, "test.echo", "hi")
    assert (rc, text) == (0, "local:\n    hi\n")


def test_no_colour_into_a_pipe_unless_forced(saline_call):
    assert saline_call("test.echo", "hi").stdout == "local:\n    hi\n"
    assert GREEN_HI in saline_call("--force-color", "test.echo", "hi").stdout


def test_out_file_replaces_then_appends(saline_call, tmp_path):
    target = tmp_path / "out.txt"
    rc, out, _ = saline_call("test.echo", "hi", f"--out-file={target}")
    assert (rc, out) == (0, "")
    assert target.read_text() == "local:\n    hi\n"
    rc, out, _ = saline_call("test.echo", "{a: 1}", "--out=json", "--out-file", str(target), "--out-file-append")
    assert (rc, out) == (0, "")
    assert target.read_text() == 'local:\n    hi\n{\n    "local": {\n        "a": 1\n    }\n}\n'
    saline_call("test.echo", "bye", "--out-file", str(target))
    assert target.read_text() == "local:\n    bye\n"


def test_out_file_is_coloured_only_when_forced(saline_call, tmp_path):
    target = tmp_path / "out.txt"
    saline_call("test.echo", "hi", "--out-file", str(target), "--force-color")
    assert GREEN_HI in target.read_text()


def test_out_file_in_a_missing_directory_is_an_error(saline_call, tmp_path):
    rc, out, err = saline_call("test.ping", "--out-file", str(tmp_path / "no" / "such" / "file"))
    assert rc == 1
    assert out == ""
    assert "No such file or directory" in err


@pytest.mark.parametrize(("indent", "expected"), [
    ("0", '{\n"local": true\n}\n'),
    ("-1", '{"local": true}\n'),
    ("-4", '{"local": true}\n'),
    ("1", '{\n "local": true\n}\n'),
])
def test_out_indent(saline_call, indent, expected):
    rc, out, _ = saline_call("--out=json", f"--out-indent={indent}", "test.ping")
    assert (rc, out) == (0, expected)


def test_output_option_from_config(saline_call):
    _rc, out, _ = saline_call("test.ping", config={"output": "json"})
    assert json.loads(out) == {"local": True}


def test_unknown_outputter_is_an_error_on_stderr(saline_call):
    rc, out, err = saline_call("--out=nope", "test.ping")
    assert rc == 1
    assert out == ""
    assert "unknown outputter 'nope'" in err


def test_render_rejects_unknown_outputter():
    with pytest.raises(SalineError, match="choose one of"):
        render({}, "nope")


class _Stream:
    def __init__(self, tty: bool) -> None:
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(("opts", "tty", "env", "expected"), [
    ({}, True, {}, True),
    ({}, False, {}, False),
    ({"no_color": True}, True, {}, False),
    ({"color": False}, True, {}, False),
    ({"force_color": True}, False, {}, True),
    ({"force_color": True, "no_color": True}, True, {}, True),
    ({}, True, {"NO_COLOR": "1"}, False),
])
def test_use_color(monkeypatch, opts, tty, env, expected):
    monkeypatch.delenv("NO_COLOR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert use_color(opts, _Stream(tty)) is expected


def test_output_indent_pretty_sorts_keys_like_salt(saline_call):
    rc, out, _ = saline_call("--out=json", "test.echo", "{b: 1, a: [2]}", config={"output_indent": "pretty"})
    assert (rc, out) == (0, '{\n    "local": {\n        "a": [\n            2\n        ],\n        "b": 1\n    }\n}\n')
