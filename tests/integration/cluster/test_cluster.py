"""End to end over real sockets: jobs, targeting, failures, --async, key flows, master restart."""

from __future__ import annotations

import json
import re

GRAINS = {"m1": {"role": "web"}, "m2": {"role": "db"}, "m3": {"role": "web"}}


def _json_lines(out: str) -> dict:
    merged: dict = {}
    decoder = json.JSONDecoder()
    text = out.strip()
    while text:
        doc, end = decoder.raw_decode(text)
        merged.update(doc)
        text = text[end:].strip()
    return merged


def test_ping_targeting_errors_async(cluster):
    cluster.start(["m1", "m2", "m3"], GRAINS)
    rc, out, err = cluster.saline("*", "test.ping", "--out=json", "--static")
    assert rc == 0, err
    assert json.loads(out) == {"m1": True, "m2": True, "m3": True}

    rc, out, err = cluster.saline("*", "test.ping")  # nested, one document per minion as they arrive
    assert rc == 0 and sorted(re.findall(r"^(m\d):\n    True$", out, re.M)) == ["m1", "m2", "m3"]

    rc, out, err = cluster.saline("-G", "role:web", "test.ping", "--out=json")
    assert rc == 0 and _json_lines(out) == {"m1": True, "m3": True}
    rc, out, err = cluster.saline("-L", "m1,m2", "test.arg", "a", "k=1", "--out=json", "--static")
    data = json.loads(out)
    assert rc == 0 and set(data) == {"m1", "m2"} and data["m1"]["args"] == ["a"] and data["m1"]["kwargs"]["k"] == 1
    pub = data["m1"]["kwargs"]  # Salt's __pub_* keys describe the job, not a local call
    assert pub["__pub_tgt"] == "m1,m2" and pub["__pub_fun"] == "test.arg" and re.fullmatch(r"\d{20}", pub["__pub_jid"])
    rc, out, err = cluster.saline("-C", "G@role:web and not m1", "test.ping", "--out=json")
    assert rc == 0 and _json_lines(out) == {"m3": True}
    rc, out, err = cluster.saline("nobody*", "test.ping")
    assert rc == 1 and "No minions matched" in err

    rc, out, err = cluster.saline("m2", "no.such_function", "--out=json")
    assert rc == 1 and "'no.such_function' is not available." in json.loads(out)["m2"]

    rc, out, err = cluster.saline("*", "test.ping", "--async")
    assert rc == 0, err
    jid = re.fullmatch(r"Executed command with job ID: (\d{20})\n", out).group(1)
    found = cluster.wait(lambda: len(cluster.ipc({"cmd": "lookup_jid", "jid": jid})["returns"]) == 3 and
                         cluster.ipc({"cmd": "lookup_jid", "jid": jid})["returns"], "async returns")
    assert {m: r["return"] for m, r in found.items()} == {"m1": True, "m2": True, "m3": True}


def test_key_accept_delete_and_master_restart(cluster):
    cluster.start(["m1", "m2"])
    # a new minion waits in pending and runs nothing until accepted
    cluster.add_minion("m3")
    cluster.wait_pending(["m3"])
    rc, out, err = cluster.saline("*", "test.ping", "--out=json", "--static", "-t", "2")
    assert rc == 0 and json.loads(out) == {"m1": True, "m2": True}
    rc, out, err = cluster.key("-a", "m3", "-y")
    assert rc == 0 and "Key for minion m3 accepted." in out
    cluster.wait_authenticated(["m3"])
    rc, out, err = cluster.saline("*", "test.ping", "--out=json", "--static")
    assert rc == 0 and json.loads(out) == {"m1": True, "m2": True, "m3": True}

    # deleting a key locks that minion out for the very next job; the others re-key and answer
    rc, out, err = cluster.key("-d", "m2", "-y")
    assert rc == 0 and "Key for minion m2 deleted." in out
    rc, out, err = cluster.saline("*", "test.ping", "--out=json", "--static", "-t", "8")
    assert rc == 0, err
    assert json.loads(out) == {"m1": True, "m3": True}
    jid = cluster.ipc({"cmd": "presence"})  # the master is still serving
    assert "m2" not in jid["accepted"]
    # the locked-out minion presented its key again: it is pending, not accepted
    cluster.wait_pending(["m2"])

    # master restart while idle: minions re-authenticate by themselves, no minion restart
    cluster.stop_master()
    cluster.start_master()
    cluster.wait_authenticated(["m1", "m3"])
    rc, out, err = cluster.saline("*", "test.ping", "--out=json", "--static", "-t", "10")
    assert rc == 0, out + err + cluster.logs()
    assert json.loads(out) == {"m1": True, "m3": True}
    keys = cluster.keys()
    assert keys["minions"] == ["m1", "m3"] and keys["minions_pre"] == ["m2"]


def test_missing_minion_reported(cluster):
    cluster.start(["m1", "m2"])
    proc = cluster.minions["m2"]
    proc.terminate()
    proc.wait(timeout=10)
    rc, out, _err = cluster.saline("*", "test.ping", "-t", "2")
    assert rc == 1
    assert "m1:\n    True" in out
    assert "m2:\n    Minion did not return. [No response]" in out


def test_not_connected_minion_reported(cluster):
    cluster.start(["m1", "m2"])
    proc = cluster.minions["m2"]
    proc.terminate()
    proc.wait(timeout=15)
    cluster.stop_master()
    cluster.start_master()  # m2 never comes back: the master has not heard from it since it started
    cluster.wait_authenticated(["m1"])
    rc, out, _err = cluster.saline("*", "test.ping", "-t", "2", "--out=json", "--static")
    assert rc == 1 and json.loads(out) == {"m1": True, "m2": "Minion did not return. [Not connected]"}
