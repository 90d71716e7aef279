"""saline-run against a real master and minions: job lookups and the manage runners."""

from __future__ import annotations

import json
import re


def test_jobs_and_manage_runners(cluster):
    cluster.start(["m1", "m2"])
    rc, out, err = cluster.saline("*", "test.echo", "hi", "--out=json", "--static")
    assert rc == 0 and json.loads(out) == {"m1": "hi", "m2": "hi"}, err

    rc, out, err = cluster.run("saline-run", "jobs.list_jobs", "--out=json")
    assert rc == 0, err
    jobs = json.loads(out)
    jid = next(j for j, info in jobs.items() if info["Function"] == "test.echo")
    assert re.fullmatch(r"\d{20}", jid) and jobs[jid]["Target"] == "*"

    rc, out, err = cluster.run("saline-run", "jobs.lookup_jid", jid, "--out=json")
    assert rc == 0 and json.loads(out) == {"m1": "hi", "m2": "hi"}, err

    rc, out, err = cluster.run("saline-run", "manage.up", "--out=json")
    assert rc == 0 and json.loads(out) == ["m1", "m2"], err
    proc = cluster.minions["m2"]
    proc.terminate()
    proc.wait(timeout=15)
    rc, out, err = cluster.run("saline-run", "manage.status", "timeout=2", "--out=json")
    assert rc == 0 and json.loads(out) == {"up": ["m1"], "down": ["m2"]}, err

    rc, out, _err = cluster.run("saline-run", "nosuch.runner")
    assert rc == 1 and "'nosuch.runner' is not available." in out  # printed as the return, like salt-run
