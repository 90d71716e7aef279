"""saline.process.run_command with real subprocesses: shell semantics, env, cwd, umask, runas, timeouts."""

from __future__ import annotations

import os
import pwd
import time

import pytest
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.process import (
    build_env,
    command_display,
    condition_retcode,
    parse_env,
    parse_retcodes,
    parse_umask,
    run_command,
    which,
)


def test_return_shape_and_rstrip() -> None:
    ret = run_command(["sh", "-c", "printf '  out  \\n\\n'; printf 'err\\n' >&2; exit 3"])
    assert set(ret) == {"pid", "retcode", "stdout", "stderr"}
    assert ret["retcode"] == 3 and ret["stdout"] == "  out" and ret["stderr"] == "err"
    assert isinstance(ret["pid"], int) and ret["pid"] > 0


def test_no_shell_by_default_keeps_variables_literal() -> None:
    assert run_command("echo $HOME; echo x")["stdout"] == "$HOME; echo x"


def test_python_shell_expands() -> None:
    ret = run_command("echo $HOME; echo x", python_shell=True, env={"HOME": "/h"})
    assert ret["stdout"] == "/h\nx"


def test_named_shell_implies_shell() -> None:
    assert run_command("echo $0", shell="/bin/sh")["stdout"] == "/bin/sh"


def test_missing_shell_is_an_error() -> None:
    with pytest.raises(CommandExecutionError, match="The shell /bin/no-such-shell is not available"):
        run_command("true", shell="/bin/no-such-shell")


def test_list_command_is_not_split_again() -> None:
    assert run_command(["echo", "a  b", "$HOME"])["stdout"] == "a  b $HOME"


def test_quoted_string_split_like_shell() -> None:
    ret = run_command("""sh -c 'echo "$#:$1"' x 'one two'""")
    assert ret["stdout"] == "1:one two"


def test_redirect_stderr_merges() -> None:
    ret = run_command(["sh", "-c", "echo out; echo err >&2"], redirect_stderr=True)
    assert ret["stdout"] == "out\nerr" and ret["stderr"] == ""


def test_missing_binary_message_is_short() -> None:
    with pytest.raises(CommandExecutionError) as info:
        run_command("no-such-binary-saline --flag")
    message = str(info.value)
    assert message == (
        "Unable to run command 'no-such-binary-saline --flag': no-such-binary-saline: command not found")
    assert "PATH" not in message


def test_missing_path_binary() -> None:
    with pytest.raises(CommandExecutionError, match="/no/such/x: No such file or directory"):
        run_command(["/no/such/x"])


def test_not_executable(tmp_path) -> None:
    script = tmp_path / "s.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o644)
    with pytest.raises(CommandExecutionError, match="Permission denied"):
        run_command([str(script)])


def test_empty_command() -> None:
    with pytest.raises(SaltInvocationError):
        run_command("   ")
    with pytest.raises(SaltInvocationError):
        run_command([])


def test_cwd(tmp_path) -> None:
    assert run_command("pwd", cwd=str(tmp_path))["stdout"] == str(tmp_path)


def test_bad_cwd() -> None:
    with pytest.raises(CommandExecutionError, match="Specified cwd '/no/such/dir' either not absolute"):
        run_command("pwd", cwd="/no/such/dir")
    with pytest.raises(CommandExecutionError, match="not absolute"):
        run_command("pwd", cwd="relative")


def test_stdin_and_literal_newline_escape() -> None:
    assert run_command("cat", stdin="a\\nb")["stdout"] == "a\nb"
    assert run_command("cat", stdin="a\\nb", stdin_raw_newlines=True)["stdout"] == "a\\nb"
    assert run_command("cat", stdin="line1\nline2\n")["stdout"] == "line1\nline2"


def test_stdin_defaults_to_devnull() -> None:
    # would block forever if the child inherited a terminal or pipe
    assert run_command("cat", timeout=10)["stdout"] == ""


def test_env_and_locale_reset() -> None:
    ret = run_command("env", env={"SALINE_X": 1}, clean_env=True)
    lines = ret["stdout"].splitlines()
    assert "SALINE_X=1" in lines and "LC_ALL" not in ret["stdout"]
    assert "LC_CTYPE=C" in lines and "LANGUAGE=C" in lines
    assert not any(line.startswith("PATH=") for line in lines)


def test_env_as_list_of_dicts() -> None:
    ret = run_command("env", env=[{"A": "1"}, {"B": None}], clean_env=True, reset_system_locale=False)
    assert sorted(ret["stdout"].splitlines()) == ["A=1", "B="]


def test_prepend_path() -> None:
    ret = run_command("echo $PATH", python_shell=True, prepend_path="/opt/saline-bin")
    assert ret["stdout"].startswith("/opt/saline-bin:")


def test_umask() -> None:
    assert run_command("umask", python_shell=True, umask="077")["stdout"] == "0077"
    assert run_command("umask", python_shell=True, umask=27)["stdout"] == "0027"


@pytest.mark.parametrize("value,expected", [("022", 0o22), (77, 0o77), ("0027", 0o27), (None, None)])
def test_parse_umask(value, expected) -> None:
    assert parse_umask(value) == expected


def test_parse_umask_rejects() -> None:
    with pytest.raises(CommandExecutionError, match="Zero umask is not allowed"):
        parse_umask("000")
    with pytest.raises(CommandExecutionError, match="Invalid umask"):
        parse_umask("089")


def test_success_retcodes_and_outputs() -> None:
    assert run_command("sh -c 'exit 4'", success_retcodes=[4])["retcode"] == 0
    assert run_command("sh -c 'exit 4'", success_retcodes="2,4")["retcode"] == 0
    assert run_command("sh -c 'exit 4'", success_retcodes=[2])["retcode"] == 4
    assert run_command("sh -c 'echo fine; exit 4'", success_stdout=["fine"])["retcode"] == 0
    assert run_command("sh -c 'echo meh >&2; exit 4'", success_stderr="meh")["retcode"] == 0
    with pytest.raises(SaltInvocationError):
        parse_retcodes(["x"])


def test_timeout_kills_whole_process_group() -> None:
    start = time.monotonic()
    ret = run_command("sleep 30 & sleep 30; echo done", python_shell=True, timeout=0.5)
    assert time.monotonic() - start < 10
    assert ret["retcode"] == 1
    assert ret["stdout"].endswith(" : Timed out after 0.5 seconds")
    # the backgrounded sleep was in the same group and is gone too (zombies awaiting reaping by PID 1 are
    # dead already)
    assert _live_group_members(ret["pid"]) == []


def _live_group_members(pgid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state not in ("Z", "X"):
            found.append(int(entry))
    return found


def test_timeout_message_shape_like_salt() -> None:
    ret = run_command("sleep 5", timeout=1)
    assert ret == {"pid": ret["pid"], "retcode": 1, "stdout": "['sleep', '5'] : Timed out after 1 seconds",
                   "stderr": ""}


@pytest.mark.skipif(os.geteuid() != 0, reason="runas needs root")
def test_runas_nobody() -> None:
    nobody = pwd.getpwnam("nobody")
    ret = run_command("id -u; id -g; echo $HOME; echo $USER; pwd", python_shell=True, runas="nobody")
    uid, gid, home, user, cwd = ret["stdout"].splitlines()
    assert (int(uid), int(gid), home, user) == (nobody.pw_uid, nobody.pw_gid, nobody.pw_dir, "nobody")
    # nobody's home does not exist: like Salt the command runs in /
    assert cwd == ("/" if not os.path.isdir(nobody.pw_dir) else nobody.pw_dir)


@pytest.mark.skipif(os.geteuid() != 0, reason="runas needs root")
def test_runas_nobody_cannot_write_root_files(tmp_path) -> None:
    target = tmp_path / "f"
    target.write_text("x")
    target.chmod(0o644)
    ret = run_command(["sh", "-c", f"echo y > {target}"], runas="nobody", ignore_retcode=True)
    assert ret["retcode"] != 0 and "Permission denied" in ret["stderr"]
    assert target.read_text() == "x"


def test_runas_unknown_user() -> None:
    with pytest.raises(CommandExecutionError, match="User 'no-such-user-saline' is not available"):
        run_command("id", runas="no-such-user-saline")


def test_non_utf8_output_is_replaced() -> None:
    ret = run_command(["printf", "\\377ok"])
    assert ret["stdout"] == "\ufffdok"


def test_output_loglevel_quiet_logs_nothing(caplog) -> None:
    with caplog.at_level("DEBUG", logger="saline.process"):
        run_command("sh -c 'echo secret; exit 2'", output_loglevel="quiet")
    assert "secret" not in caplog.text and caplog.text == ""


def test_failure_logged_at_error(caplog) -> None:
    with caplog.at_level("ERROR", logger="saline.process"):
        run_command("sh -c 'echo visible; exit 2'")
    assert "Command 'sh' failed with return code: 2" in caplog.text
    assert "visible" in caplog.text


def test_hide_output_keeps_output_out_of_logs(caplog) -> None:
    with caplog.at_level("DEBUG", logger="saline.process"):
        ret = run_command("sh -c 'echo secret; exit 2'", hide_output=True)
    assert ret["stdout"] == "secret"  # the caller decides what to return
    assert "secret" not in caplog.text


def test_condition_retcode_uses_shell_and_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALINE_T_VAR", "set")  # the environment is passed on (CI may have no $HOME)
    assert condition_retcode("test -n \"$SALINE_T_VAR\"") == 0
    assert condition_retcode("exit 3") == 3
    assert condition_retcode("true", cwd="/no/such/dir") == 127
    assert condition_retcode("true", root="/ignored") == 0


def test_helpers() -> None:
    assert parse_env({"A": 1, "B": None}) == {"A": "1", "B": ""}
    with pytest.raises(SaltInvocationError):
        parse_env("A=1")
    assert command_display(["echo", "a b"]) == "echo 'a b'"
    assert which("sh") and which("no-such-binary-saline") is None
    env = build_env({"X": "1"}, clean_env=True, prepend_path="/p", reset_system_locale=False)
    assert env == {"X": "1", "PATH": "/p"}
