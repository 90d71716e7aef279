"""Helpers of the gitfs cluster tests: edit the master configuration, start master + minions, run saline-run."""

from __future__ import annotations

import json
import os

import yaml


def configure(cluster, **conf):
    path = os.path.join(cluster.master_dir, "master")
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    data.update(conf)
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(data, fh)


def start(cluster, ids=("m1",)):
    cluster.start_master()
    for mid in ids:
        cluster.add_minion(mid, {"role": "web"}, file_client="remote")
    cluster.wait_pending(list(ids))
    rc, _out, err = cluster.key("-A", "-y")
    assert rc == 0, err
    cluster.wait_authenticated(list(ids))


def run_json(cluster, *argv):
    rc, out, err = cluster.run("saline-run", *argv, "--out=json")
    assert rc == 0, (out, err, cluster.logs())
    return json.loads(out)
