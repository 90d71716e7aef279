"""saline-call end to end (real subprocesses): flags, exit codes, where text goes."""

from __future__ import annotations

import json

import pytest

PING = "local:\n    True\n"


def test_ping(saline_call):
    assert saline_call("test.ping") == (0, PING, "")


def test_version(saline_call):
    rc, out, _ = saline_call("--version")
    assert rc == 0
    assert out.startswith("saline-call ")


def test_versions_report(saline_call):
    rc, out, _ = saline_call("-V")
    assert rc == 0
    assert "Saline Version:" in out and "Python Version:" in out


# ---- exit codes ---------------------------------------------------------------------------------

def test_unknown_function_suggests_close_names(saline_call):
    rc, out, err = saline_call("test.pingg")
    assert (rc, out) == (1, "")
    assert err == "'test.pingg' is not available.\nDid you mean: test.ping?\n"


@pytest.mark.parametrize("fun", ["nosuchmodule.fun", "pingg"])
def test_unknown_module_or_bare_name(saline_call, fun):
    rc, out, err = saline_call(fun)
    assert (rc, out) == (1, "")
    assert err.splitlines()[0] == f"'{fun}' is not available."


def test_function_error_without_traceback(saline_call):
    rc, out, err = saline_call("test.exception", "boom")
    assert (rc, out) == (1, "")
    assert err == "Error running 'test.exception': boom\n"


def test_function_error_with_traceback_under_debug(saline_call):
    rc, out, err = saline_call("-l", "debug", "test.exception", "boom")
    assert (rc, out) == (1, "")
    assert "Traceback (most recent call last)" in err
    assert err.endswith("Error running 'test.exception': boom\n")


def test_unexpected_exception_is_reported_without_traceback(monkeypatch, capsys, tmp_path):
    """A module bug (not a Saline error) still gives one line and exit 1."""
    from saline.loader import load_module
    from saline.minion.call import main

    module = load_module("test", lambda: {})

    def broken(ctx, text):
        raise ValueError("bad value")

    monkeypatch.setattr(module.functions["echo"], "fn", broken)
    (tmp_path / "minion").write_text(f"root_dir: {tmp_path}\nid: t\n")
    rc = main(["--local", "-c", str(tmp_path), "test.echo", "x"])
    captured = capsys.readouterr()
    assert (rc, captured.out) == (1, "")
    assert captured.err == "Error running 'test.echo': ValueError: bad value\n"


def test_bad_arguments_to_the_function(saline_call):
    rc, out, err = saline_call("test.echo", "a", "b")
    assert (rc, out) == (1, "")
    assert err.startswith("Passed invalid arguments: echo() takes 1 positional argument but 2 were given.\n\n"
                          "Usage:\n")
    assert "CLI Example" in err


@pytest.mark.parametrize("argv", [
    ["--bogus", "test.ping"],
    ["--out-indent", "x", "test.ping"],
    ["-l", "loud", "test.ping"],
    [],
    ["-g", "test.ping"],
    ["--grains", "[1]", "test.ping"],
])
def test_bad_command_line_is_usage_and_exit_2(saline_call, argv):
    rc, out, err = saline_call(*argv)
    assert (rc, out) == (2, "")
    assert err.startswith("usage: saline-call [options] <function> [arguments]\n")
    assert "saline-call: error:" in err


@pytest.mark.parametrize(("code", "plain", "passthrough"), [(0, 0, 0), (3, 1, 3), (42, 1, 42)])
def test_retcode(saline_call, code, plain, passthrough):
    rc, out, _ = saline_call("test.retcode", str(code))
    assert (rc, out) == (plain, PING)
    rc, out, _ = saline_call("--retcode-passthrough", "test.retcode", str(code))
    assert (rc, out) == (passthrough, PING)


def test_retcode_passthrough_from_config(saline_call):
    rc, _, _ = saline_call("test.retcode", "5", config={"retcode_passthrough": True})
    assert rc == 1  # Salt's config option does not change saline-call's exit code either


# ---- logs never touch stdout ---------------------------------------------------------------------

def test_debug_logs_go_to_stderr(saline_call):
    rc, out, err = saline_call("-l", "debug", "test.ping")
    assert (rc, out) == (0, PING)
    assert "[DEBUG   ] Executing test.ping" in err


def test_log_file(saline_call, tmp_path):
    log_file = tmp_path / "call.log"
    rc, out, err = saline_call("--log-file", str(log_file), "--log-file-level", "debug", "test.ping")
    assert (rc, out, err) == (0, PING, "")
    assert "Executing test.ping" in log_file.read_text()


def test_log_file_from_config_under_root_dir(saline_call):
    log_dir = saline_call.root_dir / "var" / "log" / "saline"
    log_dir.mkdir(parents=True)
    rc, _, err = saline_call("test.ping", config={"log_level_logfile": "debug"})
    assert (rc, err) == (0, "")
    assert "Executing test.ping" in (log_dir / "minion").read_text()


# ---- identity, grains, roots ---------------------------------------------------------------------

def test_id_flag(saline_call):
    rc, out, _ = saline_call("--out=json", "--id", "other-id", "grains.get", "id")
    assert (rc, json.loads(out)) == (0, {"local": "other-id"})


def test_grains_json_overrides(saline_call):
    rc, out, _ = saline_call("--out=json", "--grains", '{"os": "Plan9", "roles": ["web"]}', "grains.item",
                             "os", "roles")
    assert (rc, json.loads(out)) == (0, {"local": {"os": "Plan9", "roles": ["web"]}})


def test_grains_flag_prints_grains(saline_call):
    rc, out, _ = saline_call("--out=json", "-g")
    grains = json.loads(out)["local"]
    assert rc == 0
    assert grains["id"] == "saline-test"
    assert "kernel" in grains


def test_grains_json_alone_prints_the_overridden_grains(saline_call):
    rc, out, _ = saline_call("--out=json", "--grains", '{"os": "Plan9"}')
    assert rc == 0
    assert json.loads(out)["local"]["os"] == "Plan9"


def test_file_root_flag(saline_call, tmp_path):
    root = tmp_path / "states"
    root.mkdir()
    (root / "hello.sls").write_text("say hello:\n  test.succeed_without_changes: []\n")
    rc, out, err = saline_call("--out=json", "--file-root", str(root), "state.show_sls", "hello")
    assert rc == 0, err
    assert "say hello" in json.loads(out)["local"]


def test_pillar_root_flag(saline_call, tmp_path):
    root = tmp_path / "pillar"
    root.mkdir()
    (root / "top.sls").write_text("base:\n  '*':\n    - data\n")
    (root / "data.sls").write_text("colour: blue\n")
    rc, out, err = saline_call("--out=json", "--pillar-root", str(root), "pillar.get", "colour")
    assert (rc, json.loads(out)) == (0, {"local": "blue"}), err


def test_pillar_override_reaches_templates(saline_call):
    saline_call.write_state("p.sls", "{{ pillar['who'] }}:\n  test.nop: []\n")
    rc, out, err = saline_call("--out=json", "state.show_sls", "p", 'pillar={"who": "cli"}')
    assert rc == 0, err
    assert "cli" in json.loads(out)["local"]


# ---- documentation -------------------------------------------------------------------------------

def test_doc_flag(saline_call):
    rc, out, _ = saline_call("-d", "test.ping")
    assert rc == 0
    assert out.startswith("test.ping:\nReturn ``True``")
    assert out.endswith("saline-call --local test.ping``\n\n")


def test_doc_flag_for_a_module(saline_call):
    rc, out, _ = saline_call("--doc", "test")
    names = [line[:-1] for line in out.splitlines() if line.startswith("test.") and line.endswith(":")]
    assert rc == 0
    assert "test.ping" in names and "test.echo" in names
    assert all(n.startswith("test.") for n in names)


def test_doc_flag_with_an_outputter(saline_call):
    rc, out, _ = saline_call("-d", "test.ping", "--out=json")
    assert rc == 0
    assert list(json.loads(out)["local"]) == ["test.ping"]


def test_doc_of_nothing_known_prints_nothing(saline_call):
    assert saline_call("-d", "nosuch.fun") == (0, "", "")


# ---- less common salt-call flags -----------------------------------------------------------------

def test_args_stdin(saline_call):
    rc, out, _ = saline_call("--out=json", "--args-stdin", "test.arg", "x", input="a=1\n007\n\n")
    ret = json.loads(out)["local"]
    assert rc == 0
    assert ret["args"] == ["x", 7]
    assert ret["kwargs"]["a"] == 1


def test_hard_crash_shows_the_traceback(saline_call):
    rc, out, err = saline_call("--hard-crash", "test.exception", "boom")
    assert rc == 1
    assert out == ""
    assert "Traceback (most recent call last)" in err
    assert err.rstrip().endswith("CommandExecutionError: boom")


def test_cachedir_flag_is_used_as_given(saline_call, tmp_path):
    rc, out, _ = saline_call("--out=json", "--cachedir", str(tmp_path / "cache"), "config.get", "cachedir")
    assert (rc, json.loads(out)) == (0, {"local": str(tmp_path / "cache")})


def test_cachedir_option_is_under_root_dir(saline_call):
    rc, out, _ = saline_call("--out=json", "config.get", "cachedir", config={"cachedir": "/var/cache/x"})
    assert (rc, json.loads(out)) == (0, {"local": f"{saline_call.root_dir}/var/cache/x"})
