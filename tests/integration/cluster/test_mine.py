"""The mine through a real master and three minion daemons: mine_functions from the minion config and
from the pillar, ``mine.get`` by grain from a template in ``state.apply`` (the haproxy pattern),
``mine.send``/``delete``/``flush``, ``allow_tgt``, the ``mine.get`` runner, key deletion and a master
restart."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "mine.md"
# the haproxy example of docs/mine.md, plus a line using network.ip_addrs (the same on every test minion)
HAPROXY = re.findall(r"```jinja\n(.*?)```", DOC.read_text(), re.S)[0] + """\
{%- set local = salt['mine.get']('roles:web', 'network.ip_addrs', tgt_type='grain') %}
# {{ local | length }} web servers with network.ip_addrs
"""

GRAINS = {
    "web1": {"roles": ["web"], "internal_ip": ["10.0.0.1"]},
    "web2": {"roles": ["web"], "internal_ip": ["10.0.0.2"]},
    "db1": {"roles": ["db"], "internal_ip": ["10.0.1.1"]},
}


def runner(cluster, *argv):
    rc, out, err = cluster.run("saline-run", *argv, "--out=json")
    assert rc == 0, err
    return json.loads(out)


def saline(cluster, *argv):
    rc, out, err = cluster.saline(*argv, "--out=json", "--static", "-t", "30")
    assert rc == 0, (out, err)
    return json.loads(out)


def setup_trees(cluster, tmp_path):
    srv, pillar = tmp_path / "srv", tmp_path / "pillar"
    (srv / "haproxy").mkdir(parents=True)
    pillar.mkdir()
    out = tmp_path / "out"
    (srv / "haproxy" / "init.sls").write_text(f"""
{out}/haproxy.cfg:
  file.managed:
    - source: salt://haproxy/haproxy.cfg.j2
    - template: jinja
    - makedirs: True
""")
    (srv / "haproxy" / "haproxy.cfg.j2").write_text(HAPROXY)
    (pillar / "top.sls").write_text("base:\n  '*':\n    - mine\n")
    # from the pillar: the short form with an argument, an alias, and an entry only db minions may read
    (pillar / "mine.sls").write_text("""
mine_functions:
  grains.get: [internal_ip]
  secret:
    - mine_function: test.echo
    - s3cret
    - allow_tgt: 'roles:db'
    - allow_tgt_type: grain
""")
    cluster.configure_master(file_roots={"base": [str(srv)]}, pillar_roots={"base": [str(pillar)]})
    return out


def test_mine_through_the_master(cluster, tmp_path):
    out = setup_trees(cluster, tmp_path)
    # from the minion config: the short form and an alias
    cluster.start(list(GRAINS), GRAINS, file_client="remote", mine_functions={
        "network.ip_addrs": [], "internal_ip": [{"mine_function": "grains.get"}, "internal_ip"]})

    # every minion sends its mine data once authenticated (config and pillar functions merged)
    everything = cluster.wait(lambda: (lambda d: len(d.get("internal_ip", {})) == 3 and len(d.get("secret", {})) == 3
                                       and d)(runner(cluster, "mine.get", "*", "internal_ip,secret,grains.get")),
                              "mine data of three minions")
    assert everything["internal_ip"] == {mid: g["internal_ip"] for mid, g in GRAINS.items()}
    assert everything["grains.get"] == everything["internal_ip"]
    assert everything["secret"] == dict.fromkeys(GRAINS, "s3cret")  # the master sees all

    # the haproxy pattern: a template on db1 lists the web servers from the mine
    ret = saline(cluster, "db1", "state.apply", "haproxy")
    assert all(r["result"] for r in ret["db1"].values()), ret
    text = (out / "haproxy.cfg").read_text()
    assert "server web1 10.0.0.1:80 check\n    server web2 10.0.0.2:80 check\n" in text, text
    assert "# 2 web servers with network.ip_addrs" in text

    # targets, globs, lists and exclude_minion, asked by a minion
    got = saline(cluster, "web1", "mine.get", "roles:web", "internal_ip", "tgt_type=grain", "exclude_minion=True")
    assert got == {"web1": {"web2": ["10.0.0.2"]}}
    got = saline(cluster, "web1", "mine.get", "G@roles:db or web2", "internal_*", "tgt_type=compound")
    assert got == {"web1": {"db1": ["10.0.1.1"], "web2": ["10.0.0.2"]}}
    got = saline(cluster, "web1", "mine.get", "db1", "[internal_ip, test.ping]", "tgt_type=list")
    assert got == {"web1": {"internal_ip": {"db1": ["10.0.1.1"]}, "test.ping": {}}}

    # allow_tgt: the secret is readable by db minions only
    assert saline(cluster, "web1", "mine.get", "*", "secret") == {"web1": {}}
    assert saline(cluster, "db1", "mine.get", "*", "secret") == {"db1": dict.fromkeys(GRAINS, "s3cret")}
    # saline-call without --local asks the master as well, as that minion
    call = subprocess.run([os.path.join(os.path.dirname(sys.executable), "saline-call"), "-c",
                           cluster.minion_dir("web2"), "mine.get", "roles:web", "internal_ip", "tgt_type=grain",
                           "--out=json"], capture_output=True, text=True, timeout=60)
    assert json.loads(call.stdout) == {"local": {"web1": ["10.0.0.1"], "web2": ["10.0.0.2"]}}, call.stderr

    # mine.send (with an alias and an access list), mine.delete, mine.flush
    assert saline(cluster, "web1", "mine.send", "hello", "mine_function=test.echo", "hi") == {"web1": True}
    assert saline(cluster, "web2", "mine.send", "hidden", "mine_function=test.echo", "x",
                  "allow_tgt=web1") == {"web2": True}
    assert saline(cluster, "db1", "mine.get", "*", "hello") == {"db1": {"web1": "hi"}}
    assert saline(cluster, "db1", "mine.get", "*", "hidden") == {"db1": {}}
    assert saline(cluster, "web1", "mine.get", "*", "hidden") == {"web1": {"web2": "x"}}
    assert saline(cluster, "web1", "mine.delete", "hello") == {"web1": True}
    assert saline(cluster, "db1", "mine.get", "*", "hello") == {"db1": {}}
    assert saline(cluster, "web2", "mine.flush") == {"web2": True}
    assert set(runner(cluster, "mine.get", "*", "internal_ip")) == {"web1", "db1"}
    assert saline(cluster, "web2", "mine.update") == {"web2": True}
    assert set(runner(cluster, "mine.get", "*", "internal_ip")) == {"web1", "web2", "db1"}

    # stored per minion, 0600 files in a 0700 directory; kept across a master restart
    mine_dir = os.path.join(cluster.opts["cachedir"], "mine")
    assert stat.S_IMODE(os.stat(mine_dir).st_mode) == 0o700
    assert sorted(os.listdir(mine_dir)) == ["db1", "web1", "web2"]
    assert {stat.S_IMODE(os.stat(os.path.join(mine_dir, f)).st_mode) for f in os.listdir(mine_dir)} == {0o600}
    cluster.stop_master()
    cluster.start_master()
    assert runner(cluster, "mine.get", "roles:web", "internal_ip", "grain") == {
        "web1": ["10.0.0.1"], "web2": ["10.0.0.2"]}

    # deleting a key drops that minion's mine data
    rc, _out, err = cluster.key("-d", "web2", "-y")
    assert rc == 0, err
    assert runner(cluster, "mine.get", "*", "internal_ip") == {"db1": ["10.0.1.1"], "web1": ["10.0.0.1"]}
    assert sorted(os.listdir(mine_dir)) == ["db1", "web1"]


def test_mine_interval(cluster):
    """``mine_interval`` (minutes) repeats the update."""
    cluster.start(["m1"], {"m1": {"internal_ip": ["10.9.9.9"]}}, mine_interval=0.02,
                  mine_functions={"stamp": [{"mine_function": "test.echo"}, "x"]})
    first = cluster.wait(lambda: runner(cluster, "mine.get", "m1", "stamp"), "first mine update")
    assert first == {"m1": "x"}
    rc, _out, err = cluster.saline("m1", "mine.flush", "-t", "30")
    assert rc == 0, err
    assert runner(cluster, "mine.get", "m1", "stamp") == {}
    # the next interval (1.2 s) sends it again
    assert cluster.wait(lambda: runner(cluster, "mine.get", "m1", "stamp"), "periodic mine update") == {"m1": "x"}
