"""saltutil.running / find_job / is_running see the jobs a minion is running; refresh_pillar answers."""

from __future__ import annotations

import json
import re


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
