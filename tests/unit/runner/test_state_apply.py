"""``state.*`` run functions: return codes, the highstate outputter, the run lock, SLS runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from saline.loader import Context
from saline.modules import state_apply


def _config(tmp_path: Path) -> Path:
    conf = tmp_path / "conf"
    conf.mkdir()
    tree = tmp_path / "tree"
    tree.mkdir()
    (conf / "minion").write_text(
        f"file_client: local\nid: local\nroot_dir: {tmp_path}/root\ncachedir: {tmp_path}/cache\n"
        f"file_roots: {{base: [{tree}]}}\npillar_roots: {{base: [{tmp_path}/pillar]}}\n")
    return conf


def _call(conf: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "saline.minion.call", "--local", "-c", str(conf), *args],
                          capture_output=True, text=True, timeout=60)


def test_single_exit_codes_and_highstate_output(tmp_path: Path) -> None:
    conf = _config(tmp_path)
    failed = _call(conf, "state.single", "test.fail_without_changes", "name=x")
    assert failed.returncode == 1
    assert ("    Function: test.fail_without_changes\n      Result: False\n     Comment: Failure!\n"
            in failed.stdout)
    assert "Succeeded: 0\nFailed:    1\n" in failed.stdout
    assert _call(conf, "state.single", "test.fail_without_changes", "name=x",
                 "--retcode-passthrough").returncode == 2
    ok = _call(conf, "--out", "json", "state.single", "test.succeed_with_changes", "name=y", "test=True")
    assert ok.returncode == 0
    result = json.loads(ok.stdout)["local"]["test_|-y_|-y_|-succeed_with_changes"]
    assert (result["result"], result["__sls__"], result["__id__"]) == (None, None, "y")


def test_single_unknown_state_is_a_compile_error(tmp_path: Path) -> None:
    proc = _call(_config(tmp_path), "--out", "json", "state.single", "test.nosuch", "name=x",
                 "--retcode-passthrough")
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == {"local": ["Specified state 'test.nosuch' was not found"]}


def _only(results: Any) -> Any:
    (result,) = results.values()
    return result


def _ctx(tmp_path: Path) -> Context:
    return Context({"id": "local", "cachedir": str(tmp_path), "test": False})


def test_second_run_is_refused_while_one_holds_the_lock(tmp_path: Path) -> None:
    holder = _ctx(tmp_path)
    jid = {"__pub_jid": "20240102030405123456"}
    with state_apply._exclusive_run(holder, "state.apply", False, jid) as busy:
        assert busy is None
        ctx = _ctx(tmp_path)
        refused = state_apply.single(ctx, "test.nop", "x")
        assert refused == [f'The function "state.apply" is running as PID {os.getpid()} and was started at '
                           "2024, Jan 02 03:04:05.123456 with jid 20240102030405123456"]
        assert ctx.retcode == 1
        # concurrent=True ignores the lock
        assert _only(state_apply.single(ctx, "test.nop", "x", concurrent=True))["result"] is True
    ctx = _ctx(tmp_path)
    assert _only(state_apply.single(ctx, "test.nop", "x"))["result"] is True


def test_queue_waits_for_the_running_state(tmp_path: Path) -> None:
    released: list[float] = []

    def hold() -> None:
        with state_apply._exclusive_run(_ctx(tmp_path), "state.sls", False, {}):
            time.sleep(0.3)
            released.append(time.monotonic())

    thread = threading.Thread(target=hold)
    thread.start()
    time.sleep(0.05)
    ret: Any = state_apply.single(_ctx(tmp_path), "test.nop", "q", queue=True)
    finished = time.monotonic()
    thread.join()
    assert _only(ret)["result"] is True
    assert released and finished >= released[0]


def test_failed_state_sets_retcode_2(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    state_apply.single(ctx, "test.fail_with_changes", "f")
    assert ctx.retcode == 2
    ctx = _ctx(tmp_path)
    state_apply.single(ctx, "test.fail_with_changes", "f", test=True)
    assert ctx.retcode == 0  # a predicted change is not a failure


def test_outputter_is_highstate() -> None:
    for fn in (state_apply.apply_, state_apply.sls, state_apply.highstate, state_apply.single,
               state_apply.sls_id, state_apply.test_):
        assert fn.outputter == "highstate"


def _renderers_ready() -> bool:
    try:
        import saline.renderers.registry  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _renderers_ready(), reason="the SLS renderers are not installed yet")
def test_sls_run_with_exclude_and_sls_id(tmp_path: Path) -> None:
    conf = _config(tmp_path)
    (tmp_path / "tree" / "demo.sls").write_text(
        "first:\n  test.succeed_with_changes:\n    - name: {{ 'lbl' if opts.get('test') else 'none' }}\n"
        "second:\n  test.nop:\n    - require:\n      - test: first\n"
        "third:\n  test.fail_without_changes\n")
    proc = _call(conf, "--out", "json", "state.apply", "demo", "test=True", "exclude=[{id: third}]")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads(proc.stdout)["local"]
    assert sorted(results) == ["test_|-first_|-lbl_|-succeed_with_changes", "test_|-second_|-second_|-nop"]
    assert results["test_|-first_|-lbl_|-succeed_with_changes"]["result"] is None
    proc = _call(conf, "--out", "json", "state.apply", "demo", "--retcode-passthrough")
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["local"]["test_|-third_|-third_|-fail_without_changes"]["result"] is False
    proc = _call(conf, "--out", "json", "state.sls_id", "second", "demo")
    assert sorted(json.loads(proc.stdout)["local"]) == [
        "test_|-first_|-none_|-succeed_with_changes", "test_|-second_|-second_|-nop"]
    proc = _call(conf, "--out", "json", "state.apply", "nosuch")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["local"] == ["No matching sls found for 'nosuch' in env 'base'"]
