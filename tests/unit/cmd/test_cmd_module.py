"""The ``cmd`` module: data-driven cases (tests/cases/cmd/*.yaml), scripts, planning, saline-call."""

from __future__ import annotations

import importlib.util
import json
import os
import tempfile
from pathlib import Path

import pytest
import saline.errors
import yaml
from saline.errors import ActionRefusedError
from saline.loader import Context

CASES = sorted((Path(__file__).parents[2] / "cases" / "cmd").glob("*.yaml"))


def make_ctx(**opts) -> Context:
    return Context({"pillar": {}, **opts}, grains_loader=lambda: {})


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_case(case_file: Path) -> None:
    case = yaml.safe_load(case_file.read_text())
    ctx = make_ctx()
    fun = ctx.salt[case["function"]]
    args, kwargs = case.get("args", []), case.get("kwargs", {})
    if "error" in case:
        error = getattr(saline.errors, case["error"])
        with pytest.raises(error, match=case.get("error_match")):
            fun(*args, **kwargs)
        return
    ret = fun(*args, **kwargs)
    expect = case["expect"]
    if case["function"] in ("cmd.run_all", "cmd.script", "cmd.exec_code_all"):
        assert set(ret) == {"pid", "retcode", "stdout", "stderr"} and isinstance(ret["pid"], int)
        ret = {k: v for k, v in ret.items() if k in expect}
    assert ret == expect
    if "retcode" in case:
        assert ctx.retcode == case["retcode"]
        assert ctx.scratch["retcode"] == case["retcode"]


def test_script_local_path_with_args(tmp_path: Path) -> None:
    script = tmp_path / "s.sh"
    script.write_text('#!/bin/sh\necho "n=$#"; for a in "$@"; do echo "[$a]"; done; echo err >&2; exit 2\n')
    ctx = make_ctx()
    ret = ctx.salt["cmd.script"](str(script), args="a 'b c'", cwd=str(tmp_path))
    assert {k: ret[k] for k in ("retcode", "stdout", "stderr")} == {
        "retcode": 2, "stdout": "n=2\n[a]\n[b c]", "stderr": "err"}
    assert ctx.retcode == 2
    # the temporary copy is removed; only the original stays
    assert sorted(os.listdir(tmp_path)) == ["s.sh"]


def test_script_list_args_and_file_url(tmp_path: Path) -> None:
    script = tmp_path / "s.sh"
    script.write_text('#!/bin/sh\necho "$#:$1"\n')
    ret = make_ctx().salt["cmd.script"](f"file://{script}", args=["one two"])
    assert ret["stdout"] == "1:one two" and ret["retcode"] == 0


def test_script_missing_source_is_cache_error(tmp_path: Path) -> None:
    ctx = make_ctx()
    ret = ctx.salt["cmd.script"](str(tmp_path / "nope.sh"))
    assert ret == {"pid": 0, "retcode": 1, "stdout": "", "stderr": "", "cache_error": True}
    assert ctx.retcode == 1
    assert ctx.salt["cmd.script_retcode"](str(tmp_path / "nope.sh")) == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="runas needs root")
def test_script_runas_nobody(tmp_path: Path) -> None:
    script = tmp_path / "id.sh"
    script.write_text("#!/bin/sh\nid -un\n")
    # the copy goes to cwd, which nobody must be able to reach (pytest's tmp_path is private)
    with tempfile.TemporaryDirectory() as workdir:
        os.chmod(workdir, 0o755)
        ret = make_ctx().salt["cmd.script"](str(script), runas="nobody", cwd=workdir)
        assert os.listdir(workdir) == []
    assert ret["stdout"] == "nobody" and ret["retcode"] == 0


@pytest.mark.skipif(importlib.util.find_spec("saline.fileclient_local") is None,
                    reason="the local file client is not there yet")
def test_script_from_salt_url(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    (root / "scripts").mkdir(parents=True)
    (root / "scripts" / "hello.sh").write_text('#!/bin/sh\necho "hello $1"\n')
    ctx = make_ctx(file_client="local", file_roots={"base": [str(root)]}, cachedir=str(tmp_path / "cache"))
    ret = ctx.salt["cmd.script"]("salt://scripts/hello.sh", args="world")
    assert ret["stdout"] == "hello world" and ret["retcode"] == 0
    missing = ctx.salt["cmd.script"]("salt://scripts/nope.sh")
    assert missing["cache_error"] is True and missing["retcode"] == 1


def test_actions_refused_while_planning_queries_allowed() -> None:
    ctx = make_ctx().planning_view()
    with pytest.raises(ActionRefusedError):
        ctx.salt["cmd.run"]("true")
    with pytest.raises(ActionRefusedError):
        ctx.salt["cmd.retcode"]("true")
    assert ctx.salt["cmd.has_exec"]("sh") is True
    assert ctx.salt["cmd.which"]("sh").endswith("/sh")


def test_template_argument_is_rejected_clearly() -> None:
    with pytest.raises(saline.errors.SaltInvocationError, match="template rendering"):
        make_ctx().salt["cmd.run"]("echo hi", template="jinja")


def test_unknown_kwargs_are_ignored_with_a_warning(caplog) -> None:
    with caplog.at_level("WARNING", logger="saline.modules.cmd"):
        assert make_ctx().salt["cmd.run"]("echo hi", bogus_option=1, __pub_jid="1") == "hi"
    assert "bogus_option" in caplog.text and "__pub_jid" not in caplog.text


def test_which_bin() -> None:
    salt = make_ctx().salt
    assert salt["cmd.which_bin"](["no-such-binary-saline", "sh"]).endswith("/sh")
    assert salt["cmd.which_bin"](["no-such-binary-saline"]) is None


def test_exec_code_all_cleans_up(tmp_path: Path) -> None:
    ret = make_ctx().salt["cmd.exec_code_all"]("python3", "import sys; print(sys.argv[0])")
    assert ret["retcode"] == 0 and not os.path.exists(ret["stdout"])


# ---- end to end through saline-call -------------------------------------------------------------


def test_saline_call_nonzero_exit_code(saline_call) -> None:
    rc, out, err = saline_call("--out=json", "cmd.run_all", "sh -c 'echo out; echo err >&2; exit 3'")
    assert rc == 1
    ret = json.loads(out)["local"]
    assert (ret["retcode"], ret["stdout"], ret["stderr"]) == (3, "out", "err")
    assert "Command 'sh' failed with return code: 3" in err


def test_saline_call_retcode_passthrough(saline_call) -> None:
    rc, out, _ = saline_call("--retcode-passthrough", "--out=json", "cmd.retcode", "sh -c 'exit 5'")
    assert rc == 5 and json.loads(out) == {"local": 5}


def test_saline_call_missing_binary(saline_call) -> None:
    rc, out, err = saline_call("cmd.run", "no-such-binary-saline x")
    assert rc == 1 and out == ""
    assert "Unable to run command 'no-such-binary-saline x': no-such-binary-saline: command not found" in err
    assert len(err) < 300  # no environment dump


def test_saline_call_timeout(saline_call) -> None:
    rc, out, err = saline_call("--out=json", "cmd.run", "sleep 5", "timeout=1")
    assert json.loads(out) == {"local": "['sleep', '5'] : Timed out after 1 seconds"}
    assert rc == 1 and "timed out after 1 seconds" in err


def test_saline_call_no_shell(saline_call) -> None:
    rc, out, _ = saline_call("--out=json", "cmd.run", "echo $HOME")
    assert rc == 0 and json.loads(out) == {"local": "$HOME"}
