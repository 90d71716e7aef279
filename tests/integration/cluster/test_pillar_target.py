"""Pillar targeting on a real cluster: the master resolves ``-I``/``-J``/``I@``/``J@`` from its pillar cache
(filled when it compiles a minion's pillar, and after a minion's first auth), minions decide on the pillar
the master compiles for them, and the master's expected set equals the set of minions that answer."""

from __future__ import annotations

import json
import os
import stat
import time

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

IDS = ["m1", "m2", "m3"]
TOP = {"base": {"m1": ["web"], "m2": ["db"], "m3": ["web", "app"]}}
SLS = {
    "web": {"role": "web", "tier": 1},
    "db": {"role": "db", "tier": 2, "secret": "db-password"},
    "app": {"apps": {"nginx": {"port": 8080}}, "tags": ["blue", "green"]},
}


def write_pillar(cluster, files):
    root = os.path.join(cluster.base, "pillar")
    os.makedirs(root, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(root, f"{name}.sls"), "w", encoding="utf-8") as fh:
            yaml.safe_dump(data, fh)
    return root


def start(cluster, **master_opts):
    root = write_pillar(cluster, {"top": TOP, **SLS})
    cluster.configure_master(pillar_roots={"base": [root]}, gather_job_timeout=2, **master_opts)
    # mine_enabled: False: the mine's start-up pillar fetch would refresh the cache at a random moment
    cluster.start(IDS, {mid: {"os_family": "Debian" if mid != "m2" else "RedHat"} for mid in IDS},
                  file_client="remote", mine_enabled=False)
    cache = pillar_dir(cluster)
    cluster.wait(lambda: all(os.path.exists(os.path.join(cache, m)) for m in IDS), "pillar cached at auth")


def pillar_dir(cluster):
    return os.path.join(cluster.opts["cachedir"], "pillar")


def ping(cluster, *target, timeout="5"):
    started = time.monotonic()
    rc, out, err = cluster.saline(*target, "test.ping", "--out=json", "--static", "-t", timeout)
    return rc, (json.loads(out) if out.strip() else {}), err, time.monotonic() - started


def test_pillar_targets_resolve_on_the_master(cluster):
    start(cluster)
    cases = [
        (("-I", "role:web"), {"m1", "m3"}),
        (("--pillar", "tier:2"), {"m2"}),
        (("-J", "role:^(web|db)$"), {"m1", "m2", "m3"}),
        (("--pillar-pcre", "apps:nginx:port:80.0"), {"m3"}),
        (("-I", "tags:green"), {"m3"}),
        (("-C", "I@role:web and not G@os_family:RedHat and m3"), {"m3"}),
        (("-C", "not I@role:web"), {"m2"}),
        (("-C", "J@role:d. or L@m1"), {"m1", "m2"}),
    ]
    for target, want in cases:
        rc, body, err, elapsed = ping(cluster, *target)
        assert rc == 0, (target, body, err)
        assert set(body) == want and all(v is True for v in body.values()), (target, body)
        assert elapsed < 4, (target, elapsed)  # every expected minion answered: no wait for the timeout
    rc, body, err, _ = ping(cluster, "-I", "role:nope")
    assert rc == 1 and body == {} and "No minions matched the target" in err


def test_pillar_cache_files_are_private_and_follow_the_keys(cluster):
    start(cluster)
    cache = pillar_dir(cluster)
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o700
    for mid in IDS:
        assert stat.S_IMODE(os.stat(os.path.join(cache, mid)).st_mode) == 0o600
    rc, out, err = cluster.run("saline-run", "cache.pillar", "--out=json")
    assert rc == 0, err
    assert json.loads(out)["m2"] == {"role": "db", "tier": 2, "secret": "db-password"}
    rc, out, err = cluster.run("saline-run", "cache.pillar", "tgt=role:web", "tgt_type=pillar", "--out=json")
    assert sorted(json.loads(out)) == ["m1", "m3"], (out, err)
    # a minion never sees another minion's pillar: its own pillar.items is its own
    rc, out, err = cluster.saline("m1", "pillar.items", "--out=json", "--static")
    assert rc == 0 and json.loads(out)["m1"] == {"role": "web", "tier": 1}, (out, err)
    rc, _out, err = cluster.key("-d", "m2", "-y")
    assert rc == 0, err
    assert not os.path.exists(os.path.join(cache, "m2"))


def test_master_restart_keeps_the_cache_and_a_stale_entry_is_refreshed(cluster):
    start(cluster)
    cluster.stop_master()
    # m1 becomes a db server while the master is down: its cached pillar still says web
    write_pillar(cluster, {"top": {"base": {"m1": ["db"], "m2": ["db"], "m3": ["web", "app"]}}})
    cluster.start_master()
    cluster.wait_authenticated(IDS)
    rc, body, err, elapsed = ping(cluster, "-I", "role:web", timeout="1")
    # expected from the (stale) cache: m1 and m3; m1 decides on its fresh pillar and does not run the job,
    # answers the find_job probe with {} and is reported quickly
    assert rc == 1, (body, err)
    assert body["m3"] is True and body["m1"].startswith("Minion did not return. [No response]"), body
    assert elapsed < 1 + 2 + 3, elapsed
    # matching made the master compile m1's pillar again: the cache is fresh now
    rc, body, err, _ = ping(cluster, "-I", "role:web")
    assert rc == 0 and set(body) == {"m3"}, (body, err)
    rc, body, err, _ = ping(cluster, "-I", "role:db")
    assert rc == 0 and set(body) == {"m1", "m2"}, (body, err)


TERMS = ["I@role:web", "I@role:db", "I@tier:1", "J@role:^w", "I@apps:nginx:port:80*", "I@tags:blue",
         "G@os_family:Debian", "L@m1,m2", "m3", "E@m[12]", "I@secret:*"]


@st.composite
def targets(draw):
    terms = draw(st.lists(st.sampled_from(TERMS), min_size=1, max_size=3))
    ops = draw(st.lists(st.sampled_from(["and", "or", "and not", "or not"]), min_size=len(terms) - 1,
                        max_size=len(terms) - 1))
    words = [terms[0]]
    for op, term in zip(ops, terms[1:], strict=True):
        words += [op, term]
    return " ".join(words)


def test_property_expected_set_equals_the_minions_that_answer(cluster):
    from saline.master.client import LocalClient

    start(cluster)

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(targets())
    def check(expr):
        with LocalClient(cluster.opts) as client:
            pub = client.call({"cmd": "publish", "tgt": expr, "tgt_type": "compound", "fun": "test.ping",
                               "arg": [], "kwarg": {}, "timeout": 5, "subscribe": True})
            expected, answered = set(pub["minions"]), set()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and not (expected and expected <= answered):
                msg = client.recv(deadline - time.monotonic())
                if msg and msg.get("jid") == pub["jid"]:
                    answered.add(msg["id"])
            while (msg := client.recv(0.4)) is not None:  # a minion the master did not expect?
                if msg.get("jid") == pub["jid"]:
                    answered.add(msg["id"])
        assert expected == answered, (expr, expected, answered)

    check()


def test_refresh_pillar_refreshes_the_masters_cache(cluster):
    start(cluster)
    write_pillar(cluster, {"web": {"role": "web", "tier": 7}})
    rc, out, err = cluster.run("saline-run", "cache.pillar", "tgt=m1", "--out=json")
    assert rc == 0 and json.loads(out)["m1"]["tier"] == 1, out + err  # not compiled since
    rc, out, err = cluster.saline("m1", "saltutil.refresh_pillar", "--out=json", "--static")
    assert rc == 0 and json.loads(out) == {"m1": True}, out + err
    rc, out, err = cluster.run("saline-run", "cache.pillar", "tgt=m1", "--out=json")
    assert rc == 0 and json.loads(out)["m1"]["tier"] == 7, out + err
