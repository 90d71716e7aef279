"""saltutil on real minions: running / find_job / is_running see the jobs a minion runs, kill_job stops
one, refresh_pillar answers, sync_* brings the master's custom modules."""

from __future__ import annotations

import json
import re
import time


def call(cluster, *argv):
    rc, out, err = cluster.saline("m1", *argv, "--out=json", "--static", "-t", "10")
    assert rc == 0, err
    return json.loads(out)["m1"]


def test_running_jobs_are_visible(cluster):
    cluster.start(["m1"])
    rc, out, err = cluster.saline("m1", "test.sleep", "4", "--async")
    assert rc == 0, err
    jid = re.fullmatch(r"Executed command with job ID: (\d{20})\n", out).group(1)
    running = cluster.wait(lambda: [r for r in call(cluster, "saltutil.running") if r["jid"] == jid],
                           "the sleeping job listed as running", timeout=20)
    assert running[0]["fun"] == "test.sleep" and running[0]["arg"] == [4]
    assert all(r["fun"] != "saltutil.running" for r in call(cluster, "saltutil.running"))  # not itself
    assert call(cluster, "saltutil.find_job", jid)["jid"] == jid
    assert [r["jid"] for r in call(cluster, "saltutil.is_running", "test.*")] == [jid]
    cluster.wait(lambda: call(cluster, "saltutil.find_job", jid) == {}, "the job finished", timeout=20)
    assert call(cluster, "saltutil.refresh_pillar") is True


def _async(cluster, *argv):
    rc, out, err = cluster.saline("m1", *argv, "--async")
    assert rc == 0, err
    return re.fullmatch(r"Executed command with job ID: (\d{20})\n", out).group(1)


def test_kill_job_stops_a_running_command_at_once(cluster):
    cluster.start(["m1"])
    jid = _async(cluster, "cmd.run", "sleep 60")
    record = cluster.wait(lambda: call(cluster, "saltutil.find_job", jid).get("children"),
                          "the job's command running", timeout=20)
    assert record  # the process group of `sleep 60`
    started = time.monotonic()
    said = call(cluster, "saltutil.kill_job", jid)
    assert said.startswith(f"Signal 9 sent to job {jid} at process group"), said
    cluster.wait(lambda: call(cluster, "saltutil.find_job", jid) == {}, "the job gone", timeout=20)
    assert time.monotonic() - started < 15  # not the 60 s of the command
    assert call(cluster, "saltutil.kill_job", jid) == ""  # not running any more: Salt's empty answer


def test_killed_sleep_ends_early_and_bad_signals_are_refused(cluster):
    cluster.start(["m1"])
    jid = _async(cluster, "test.sleep", "60")
    cluster.wait(lambda: call(cluster, "saltutil.find_job", jid), "the sleeping job", timeout=20)
    rc, out, _err = cluster.saline("m1", "saltutil.signal_job", jid, "NOSUCHSIG", "--out=json", "--static")
    assert rc != 0 and "Invalid signal" in out, out
    assert "marked as killed" in call(cluster, "saltutil.term_job", jid)
    cluster.wait(lambda: call(cluster, "saltutil.find_job", jid) == {}, "the sleep ended", timeout=10)


def test_sync_all_from_the_master_then_use_the_custom_module(cluster, tmp_path):
    srv = tmp_path / "srv"
    (srv / "_modules").mkdir(parents=True)
    (srv / "_modules" / "site.py").write_text(
        "def where():\n    return __grains__['id'] + ' in ' + __pillar__.get('dc', 'nowhere')\n")
    (srv / "_grains").mkdir()
    (srv / "_grains" / "rack.py").write_text("def rack():\n    return {'rack': 'r7'}\n")
    pillar = tmp_path / "pillar"
    pillar.mkdir()
    (pillar / "top.sls").write_text("base:\n  '*':\n    - dc\n")
    (pillar / "dc.sls").write_text("dc: paris\n")
    cluster.configure_master(file_roots={"base": [str(srv)]}, pillar_roots={"base": [str(pillar)]})
    cluster.start(["m1"], file_client="remote")
    synced = call(cluster, "saltutil.sync_all")
    assert synced["modules"] == ["modules.site"] and synced["grains"] == ["grains.rack"]
    assert call(cluster, "site.where") == "m1 in paris"
    assert call(cluster, "grains.get", "rack") == "r7"
    rc, out, err = cluster.saline("-G", "rack:r7", "test.ping", "--out=json", "--static")
    assert rc == 0 and json.loads(out) == {"m1": True}, out + err


def test_jobs_in_processes_of_their_own(cluster, tmp_path):
    pillar = tmp_path / "pillar"
    pillar.mkdir()
    (pillar / "top.sls").write_text("base:\n  '*':\n    - dc\n")
    (pillar / "dc.sls").write_text("dc: lyon\n")
    cluster.configure_master(pillar_roots={"base": [str(pillar)]})
    cluster.start(["m1"], file_client="remote", multiprocessing=True)
    kwargs = call(cluster, "test.arg", "x")["kwargs"]
    assert kwargs["__pub_pid"] != cluster.minions["m1"].pid  # not the minion's process
    assert call(cluster, "pillar.get", "dc") == "lyon"  # pillar asked through the minion from the master
    jid = _async(cluster, "test.sleep", "60")
    record = cluster.wait(lambda: call(cluster, "saltutil.find_job", jid), "the sleeping job", timeout=20)
    assert record["process"] is True and record["pid"] != cluster.minions["m1"].pid
    assert call(cluster, "saltutil.kill_job", jid) == f"Signal 9 sent to job {jid} at pid {record['pid']}"
    cluster.wait(lambda: call(cluster, "saltutil.find_job", jid) == {}, "the job process gone", timeout=10)
    rc, out, _err = cluster.run("saline-run", "jobs.lookup_jid", jid, "--out=json")
    assert rc == 0 and "killed by signal 9" in out, out
