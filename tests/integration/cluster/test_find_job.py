"""``saline -t``: when the timeout passes, the missing minions are asked ``saltutil.find_job <jid>`` (like
Salt); those still running the job are waited for, the others are "[No response]" without a long wait.
``saline-run jobs.active`` waits for the minions the same way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import yaml

GJT = 2  # gather_job_timeout for these tests (Salt's default is 10 s)


def start(cluster, ids):
    path = os.path.join(cluster.master_dir, "master")
    with open(path, encoding="utf-8") as fh:
        conf = yaml.safe_load(fh)
    conf["gather_job_timeout"] = GJT
    cluster._write(path, conf)
    cluster.start(ids)


def proc_file(cluster, mid, jid):
    return os.path.join(cluster.minion_dir(mid), "root", "var", "cache", "saline", "minion", "proc", jid)


def test_probe_keeps_a_long_job_alive_past_the_timeout(cluster):
    start(cluster, ["m1", "m2"])
    started = time.monotonic()
    rc, out, err = cluster.saline("*", "test.sleep", "5", "-t", "2", "--out=json", "--static")
    elapsed = time.monotonic() - started
    assert rc == 0, (out, err)
    assert json.loads(out) == {"m1": True, "m2": True}  # the real returns, not "[No response]"
    assert 4.5 < elapsed < 5 + GJT + 3, elapsed
    jobs = json.loads(cluster.run("saline-run", "jobs.list_jobs", "--out=json")[1])
    probes = [j for j in jobs.values() if j["Function"] == "saltutil.find_job"]
    assert probes and all(p["Target-type"] == "list" for p in probes)  # the probes really went out


def test_minion_killed_mid_job_is_no_response_without_waiting_forever(cluster):
    start(cluster, ["m1", "m2"])
    cli = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "saline"), "-c", cluster.master_dir, "*", "test.sleep",
         "6", "-t", "1", "--out=json", "--static", "-v"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        started = time.monotonic()
        proc_dir = os.path.dirname(proc_file(cluster, "m2", "x"))
        cluster.wait(lambda: os.path.isdir(proc_dir) and os.listdir(proc_dir), "m2 running the job", timeout=10)
        os.killpg(cluster.minions["m2"].pid, signal.SIGKILL)
        out, err = cli.communicate(timeout=60)
        elapsed = time.monotonic() - started
    finally:
        if cli.poll() is None:
            cli.kill()
    assert cli.returncode == 1, (out, err)
    lines = out.splitlines()
    body = json.loads("\n".join(lines[lines.index("") + 1:]))  # after -v's "Executing job with jid ..."
    assert body["m1"] is True  # m1 was kept alive by the probe past -t 1
    assert body["m2"].startswith("Minion did not return. [No response]"), body
    assert "saline-run jobs.lookup_jid" in body["m2"]
    # m1 ends at ~6 s; m2 gave no probe answer: at most one more probe window after that
    assert elapsed < 6 + 2 * GJT + 3, elapsed


def test_dead_minion_costs_timeout_plus_one_probe_window(cluster):
    start(cluster, ["m1", "m2"])
    os.killpg(cluster.minions["m2"].pid, signal.SIGKILL)
    cluster.minions["m2"].wait(timeout=10)
    started = time.monotonic()
    rc, out, err = cluster.saline("*", "test.ping", "-t", "1", "--out=json", "--static")
    elapsed = time.monotonic() - started
    assert rc == 1, err
    body = json.loads(out)
    assert body["m1"] is True and "[No response]" in body["m2"]
    assert err.endswith("ERROR: Minions returned with non-zero exit code\n"), err  # as salt says it
    assert 1 + GJT - 0.5 < elapsed < 1 + GJT + 3, elapsed


def test_jobs_active_lists_a_running_job(cluster):
    start(cluster, ["m1", "m2"])
    rc, out, err = cluster.saline("m1", "test.sleep", "6", "--async")
    assert rc == 0, err
    jid = out.split()[-1]
    cluster.wait(lambda: os.path.exists(proc_file(cluster, "m1", jid)), "m1 running the job", timeout=10)
    rc, out, err = cluster.run("saline-run", "jobs.active", "--out=json")
    assert rc == 0, err
    active = json.loads(out)
    assert list(active) == [jid], active
    job = active[jid]
    assert job["Function"] == "test.sleep" and job["Arguments"] == [6] and job["Target"] == "m1"
    assert [list(r) for r in job["Running"]] == [["m1"]] and job["Returned"] == []


def test_batch_keeps_a_long_job_past_the_timeout(cluster):
    start(cluster, ["m1", "m2"])
    started = time.monotonic()
    rc, out, err = cluster.saline("*", "test.sleep", "3", "-b", "1", "-t", "1", "--out=json", "--static")
    elapsed = time.monotonic() - started
    assert rc == 0 and json.loads(out) == {"m1": True, "m2": True}, (out, err)  # not "[No response]" at -t 1
    assert 6 <= elapsed < 6 + 2 * GJT + 3, elapsed  # one after the other
