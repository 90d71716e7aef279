"""The benchmark's swarm: N minion identities in one process authenticate and answer like N minions."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_swarm_of_five_answers_test_ping(cluster):
    cluster.start_master()
    with open(os.path.join(cluster.master_dir, "master"), "a", encoding="utf-8") as fh:
        fh.write("auto_accept: true\n")
    cluster.stop_master()
    cluster.start_master()
    conf = cluster.minion_dir("swarm")
    os.makedirs(conf)
    cluster._write(os.path.join(conf, "minion"), {
        "root_dir": os.path.join(conf, "root"), "master": "127.0.0.1", "master_port": cluster.ret_port,
        "publish_port": cluster.pub_port, "acceptance_wait_time": 0.3, "auth_timeout": 3,
        "file_client": "local"})
    log = open(os.path.join(cluster.base, "minion-swarm.out"), "ab")  # noqa: SIM115
    cluster.minions["swarm"] = subprocess.Popen(
        [sys.executable, "-m", "saline.minion.swarm", "-c", conf, "--count", "5", "--prefix", "sw"],
        stdout=log, stderr=log, start_new_session=True)
    log.close()
    ids = [f"sw{i}" for i in range(5)]
    cluster.wait_authenticated(ids)
    rc, out, err = cluster.saline("*", "test.ping", "--out=json", "--static")
    assert rc == 0, err
    assert json.loads(out) == dict.fromkeys(ids, True)
    pubs = set()
    for mid in ids:
        with open(os.path.join(conf, "root", "swarm", mid, "etc/saline/pki/minion/minion.pub"), "rb") as fh:
            pubs.add(fh.read())
    assert len(pubs) == 5  # each identity its own key pair
