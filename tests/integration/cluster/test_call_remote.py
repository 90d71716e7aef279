"""``saline-call`` without ``--local`` on a minion host (``file_client: remote``): like salt-call, it
authenticates to the master as the minion and gets ``salt://`` files and its pillar from it, while the
minion daemon on the same host keeps its own session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import yaml


def saline_call(conf, *argv, timeout=60):
    res = subprocess.run([os.path.join(os.path.dirname(sys.executable), "saline-call"), "-c", conf, *argv],
                         capture_output=True, text=True, timeout=timeout)
    return res.returncode, res.stdout, res.stderr


def setup_master(cluster, tmp_path):
    srv, pillar, out_dir = tmp_path / "srv", tmp_path / "pillar", tmp_path / "out"
    (srv / "web").mkdir(parents=True)
    pillar.mkdir()
    (srv / "top.sls").write_text("base:\n  'm1':\n    - web\n")
    (srv / "web" / "init.sls").write_text(f"""
{out_dir}/{{{{ grains['id'] }}}}.conf:
  file.managed:
    - source: salt://web/site.conf.j2
    - template: jinja
    - makedirs: True
""")
    (srv / "web" / "site.conf.j2").write_text("site={{ pillar['site']['name'] }} on {{ grains['id'] }}\n")
    (pillar / "top.sls").write_text("base:\n  'm1':\n    - site1\n")
    (pillar / "site1.sls").write_text("site: {name: from-master}\n")
    path = os.path.join(cluster.master_dir, "master")
    with open(path, encoding="utf-8") as fh:
        conf = yaml.safe_load(fh)
    conf.update({"file_roots": {"base": [str(srv)]}, "pillar_roots": {"base": [str(pillar)]}})
    cluster._write(path, conf)
    return out_dir


def local_trees(cluster, mid):
    """A local pillar and state tree on the minion host that must NOT be used without --local."""
    root = os.path.join(cluster.minion_dir(mid), "root", "srv")
    os.makedirs(os.path.join(root, "pillar"), exist_ok=True)
    os.makedirs(os.path.join(root, "salt"), exist_ok=True)
    with open(os.path.join(root, "pillar", "top.sls"), "w", encoding="utf-8") as fh:
        fh.write("base:\n  '*':\n    - here\n")
    with open(os.path.join(root, "pillar", "here.sls"), "w", encoding="utf-8") as fh:
        fh.write("site: {name: from-local-disk}\n")
    with open(os.path.join(root, "salt", "local_only.sls"), "w", encoding="utf-8") as fh:
        fh.write("noop:\n  test.succeed_without_changes\n")


def start(cluster, tmp_path):
    out_dir = setup_master(cluster, tmp_path)
    cluster.start_master()
    cluster.add_minion("m1", {"role": "web"}, file_client="remote")
    local_trees(cluster, "m1")
    cluster.wait_pending(["m1"])
    rc, _out, err = cluster.key("-A", "-y")
    assert rc == 0, err
    cluster.wait_authenticated(["m1"])
    return out_dir


def test_saline_call_applies_the_masters_states_with_the_masters_pillar(cluster, tmp_path):
    out_dir = start(cluster, tmp_path)
    conf = cluster.minion_dir("m1")
    rc, out, err = saline_call(conf, "pillar.get", "site:name", "--out=json")
    assert rc == 0 and json.loads(out) == {"local": "from-master"}, (out, err)
    rc, out, err = saline_call(conf, "cp.list_master", "--out=json")
    assert rc == 0 and json.loads(out)["local"] == ["top.sls", "web/init.sls", "web/site.conf.j2"], (out, err)
    rc, out, err = saline_call(conf, "state.apply", "--out=json")  # highstate from the master's top.sls
    assert rc == 0, (out, err)
    results = json.loads(out)["local"]
    assert [r["result"] for r in results.values()] == [True] and "diff" in next(iter(results.values()))["changes"]
    assert (out_dir / "m1.conf").read_text() == "site=from-master on m1\n"
    rc, out, err = saline_call(conf, "state.apply", "web", "--out=json")
    assert rc == 0 and all(not r["changes"] for r in json.loads(out)["local"].values()), out
    rc, out, err = saline_call(conf, "state.apply", "local_only", "--out=json")  # not on the master
    assert rc != 0 and "local_only" in out + err
    # --local still means this host's own trees
    rc, out, err = saline_call(conf, "--local", "pillar.get", "site:name", "--out=json")
    assert rc == 0 and json.loads(out) == {"local": "from-local-disk"}, (out, err)
    # the daemon was not cut off by saline-call's sessions: it still runs jobs
    rc, out, err = cluster.saline("m1", "pillar.get", "site:name", "--out=json", "--static")
    assert rc == 0 and json.loads(out) == {"m1": "from-master"}, (out, err)


def test_saline_call_and_the_daemon_share_the_master(cluster, tmp_path):
    start(cluster, tmp_path)
    conf = cluster.minion_dir("m1")
    rc, out, err = cluster.saline("m1", "test.sleep", "3", "--async")
    assert rc == 0, err
    started = time.monotonic()
    for _ in range(3):  # each saline-call authenticates while the daemon's job is running
        rc, out, err = saline_call(conf, "pillar.get", "site:name", "--out=json")
        assert rc == 0 and json.loads(out) == {"local": "from-master"}, (out, err)
    jid = None
    rc, out, err = cluster.run("saline-run", "jobs.list_jobs", "search_function=test.sleep", "--out=json")
    jid = next(iter(json.loads(out)))
    cluster.wait(lambda: json.loads(cluster.run("saline-run", "jobs.lookup_jid", jid, "--out=json")[1]),
                 "the daemon's return", timeout=15)
    assert json.loads(cluster.run("saline-run", "jobs.lookup_jid", jid, "--out=json")[1]) == {"m1": True}
    assert time.monotonic() - started < 15


def test_unaccepted_key_and_no_master(cluster, tmp_path):
    start(cluster, tmp_path)
    # a second identity on this host whose key the master has not accepted
    conf = os.path.join(cluster.base, "minion-stranger")
    os.makedirs(conf)
    root = os.path.join(conf, "root")
    cluster._write(os.path.join(conf, "minion"), {
        "id": "stranger", "root_dir": root, "master": "127.0.0.1", "master_port": cluster.ret_port,
        "auth_timeout": 3, "log_level": "warning"})
    rc, out, err = saline_call(conf, "pillar.items", "--out=json")
    assert rc != 0 and "has the minion key been accepted?" in err, (out, err)
    assert "stranger" in cluster.keys()["minions_pre"]
    # functions that need no master never wait for one
    cluster._write(os.path.join(conf, "minion"), {
        "id": "stranger", "root_dir": root, "master": "127.0.0.1", "master_port": 1, "auth_timeout": 1,
        "auth_tries": 1})
    started = time.monotonic()
    rc, out, err = saline_call(conf, "test.ping", "--out=json")
    assert rc == 0 and json.loads(out) == {"local": True} and time.monotonic() - started < 5, err
    rc, out, err = saline_call(conf, "pillar.items", "--out=json")
    assert rc != 0 and "timeout" in err, (out, err)


def test_deleting_the_key_locks_saline_call_out_too(cluster, tmp_path):
    start(cluster, tmp_path)
    conf = cluster.minion_dir("m1")
    rc, out, err = saline_call(conf, "pillar.get", "site:name", "--out=json")
    assert rc == 0, err
    rc, _out, err = cluster.key("-d", "m1", "-y")
    assert rc == 0, err
    rc, out, err = saline_call(conf, "pillar.get", "site:name", "--out=json")
    assert rc != 0 and "from-master" not in out and "has the minion key been accepted?" in err, (out, err)
