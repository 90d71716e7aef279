"""saline -b: the minions that answer test.ping run the job at most N at a time, one publish per slot."""

from __future__ import annotations

import json


def test_batch_runs_in_slices(cluster):
    cluster.start(["m1", "m2", "m3"])
    rc, out, err = cluster.saline("*", "test.echo", "hi", "-b", "2", "--out=json", "--static", "-t", "20")
    assert rc == 0 and json.loads(out) == {"m1": "hi", "m2": "hi", "m3": "hi"}, err
    rc, out, err = cluster.run("saline-run", "jobs.list_jobs", "--out=json")
    jobs = json.loads(out).values()
    echo_targets = sorted(sorted(j["Target"]) for j in jobs if j["Function"] == "test.echo")
    # 2 at a time: one publish for two minions, then each freed slot gets its own publish
    assert sum(len(t) for t in echo_targets) == 3 and max(len(t) for t in echo_targets) <= 2, echo_targets
    assert any(j["Function"] == "test.ping" for j in json.loads(out).values())  # who is up, first

    rc, out, err = cluster.saline("*", "test.ping", "-b", "0")
    assert rc == 1 and "Invalid batch data sent: 0" in err
