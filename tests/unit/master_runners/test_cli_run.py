"""saline-run: argument parsing, Salt's unwrapped output, exit codes, the ipc transport over real zmq."""

from __future__ import annotations

import json
import threading

import pytest
from saline.master.cli_run import local_transport, main, request_for
from saline.master.jobs import JobCache
from saline.master.runners import MasterAPI, run_runner

JID = "20240101120000123456"


@pytest.fixture
def confdir(tmp_path):
    (tmp_path / "sock").mkdir()
    (tmp_path / "srv").mkdir()
    (tmp_path / "srv" / "top.sls").write_text("base: {}")
    (tmp_path / "master").write_text(
        f"sock_dir: {tmp_path / 'sock'}\ncachedir: {tmp_path / 'cache'}\nfile_roots:\n  base: [{tmp_path / 'srv'}]\n"
    )
    return tmp_path


@pytest.fixture
def api(confdir):
    cache = JobCache(str(confdir / "cache" / "jobs.db"))
    cache.add_job(JID, {"fun": "test.ping", "tgt": "*"}, ["a", "b"])
    cache.add_return(JID, "a", {"return": True, "retcode": 0})
    yield MasterAPI(opts={"file_roots": {"base": [str(confdir / "srv")]}}, jobs=cache)
    cache.close()


def test_request_types_arguments_like_salt():
    assert request_for("jobs.lookup_jid", [JID, "missing=yes"]) == {
        "cmd": "runner", "fun": "jobs.lookup_jid", "arg": [JID], "kwarg": {"missing": True}}
    assert request_for("manage.up", [], timeout=3)["kwarg"] == {"timeout": 3}
    assert request_for("x.y", ["a=007"], ["a"])["kwarg"] == {"a": "007"}
    assert request_for("x.y", ["12", "n=-5"]) == {"cmd": "runner", "fun": "x.y", "arg": [12], "kwarg": {"n": -5}}


def test_output_is_unwrapped_json(api, confdir, capsys):
    rc = main(["-c", str(confdir), "--out=json", "jobs.lookup_jid", JID, "missing=True"], local_transport(api))
    out = capsys.readouterr().out
    assert rc == 0
    assert json.loads(out) == {"a": True, "b": "Minion did not return"}


def test_nested_default(api, confdir, capsys):
    assert main(["-c", str(confdir), "fileserver.file_list"], local_transport(api)) == 0
    assert capsys.readouterr().out == "- top.sls\n"


def test_runner_chosen_outputter(api, confdir, capsys):
    assert main(["-c", str(confdir), "jobs.list_jobs", "outputter=json"], local_transport(api)) == 0
    assert JID in json.loads(capsys.readouterr().out)


def test_unknown_runner_exit_1(api, confdir, capsys):
    assert main(["-c", str(confdir), "nosuch.fun"], local_transport(api)) == 1
    assert capsys.readouterr().out == "'nosuch.fun' is not available.\n"


def test_no_master(confdir, capsys):
    assert main(["-c", str(confdir), "jobs.list_jobs"]) == 1
    assert "could not be contacted" in capsys.readouterr().err


def test_bad_options_exit_2(confdir):
    with pytest.raises(SystemExit) as exc:
        main(["-c", str(confdir), "--out"])
    assert exc.value.code == 2


def test_ipc_transport_with_a_real_router(api, confdir, capsys):
    """A minimal ROUTER standing in for the daemon: pushes one print line, then the runner's return."""
    import zmq
    from saline import wire

    ctx = zmq.Context.instance()
    router = ctx.socket(zmq.ROUTER)
    router.bind(f"ipc://{confdir / 'sock' / 'master.ipc'}")
    seen = {}

    def serve():
        ident, raw = router.recv_multipart()
        req = wire.unpack(raw)
        seen["req"] = req
        router.send_multipart([ident, wire.pack({"print": "salt/auth\t{}"})])
        reply = {"return": run_runner(api, req["fun"], req["arg"], req["kwarg"])}
        router.send_multipart([ident, wire.pack(reply)])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        rc = main(["-c", str(confdir), "--out=json", "jobs.exit_success", JID])
    finally:
        thread.join(10)
        router.close(0)
    out = capsys.readouterr().out.splitlines()
    assert rc == 0
    assert seen["req"] == {"cmd": "runner", "fun": "jobs.exit_success", "arg": [JID], "kwarg": {}}
    assert out[0] == "salt/auth\t{}"
    assert json.loads("\n".join(out[1:])) == {"a": True, "b": False}
