"""Attacks on the master's mine over a minion's real session: forged ids in the load write nothing of the
other minion's, and malformed ``_mine*`` loads get an error while the master keeps serving."""

from __future__ import annotations

import asyncio
import json

from saline import crypto
from saline.config import load_config
from saline.minion.auth_client import MasterChannel

GRAINS = {"m1": {"fake_ip": ["10.0.0.1"]}, "m2": {"fake_ip": ["10.0.0.2"]}}

MALFORMED = [
    ("_mine", {}),
    ("_mine", {"data": "not a mapping"}),
    ("_mine", {"data": {"f": 1}, "clear": "yes"}),
    ("_mine", {"data": {"a" * 300: 1}}),
    ("_mine", {"data": {"f\x00": 1}}),
    ("_mine", {"data": {"": 1}}),
    ("_mine", {"data": {"f": {"__saltmine_acl__": 1, "allow_tgt": 5}}}),
    ("_mine", {"data": {"f": {"__saltmine_acl__": 1, "allow_tgt": "x", "allow_tgt_type": "bogus"}}}),
    ("_mine", {"data": {"f": {"__saltmine_acl__": 1, "allow_tgt": "E@(", "allow_tgt_type": "compound"}}}),
    ("_mine", {"data": {str(i): i for i in range(1001)}}),
    ("_mine", {"data": {"big": "x" * (2 * 1024 * 1024)}}),
    ("_mine_get", {}),
    ("_mine_get", {"tgt": 5, "fun": "x"}),
    ("_mine_get", {"tgt": "*", "fun": []}),
    ("_mine_get", {"tgt": "*", "fun": [1]}),
    ("_mine_get", {"tgt": "*", "fun": ["x"] * 101}),
    ("_mine_get", {"tgt": "*", "fun": "x", "tgt_type": "bogus"}),
    ("_mine_get", {"tgt": "*", "fun": "x", "tgt_type": 3}),
    ("_mine_get", {"tgt": "E@(", "fun": "x", "tgt_type": "compound"}),
    ("_mine_get", {"tgt": "*", "fun": "x", "exclude_minion": "yes"}),
    ("_mine_delete", {}),
    ("_mine_delete", {"fun": 5}),
    ("_mine_delete", {"fun": ""}),
]


def runner(cluster, *argv):
    rc, out, err = cluster.run("saline-run", *argv, "--out=json")
    assert rc == 0, err
    return json.loads(out)


def test_forged_ids_and_malformed_mine_loads(cluster):
    cluster.start(list(GRAINS), GRAINS, mine_functions={"fake_ip": [{"mine_function": "grains.get"}, "fake_ip"]})
    cluster.wait(lambda: len(runner(cluster, "mine.get", "*", "fake_ip")) == 2, "mine data of m1 and m2")
    m1 = load_config("minion", cluster.minion_dir("m1"))
    key = crypto.load_or_create_key_pair(m1["pki_dir"], "minion")  # m1's own key: a compromised m1

    async def attack():
        import zmq.asyncio

        ch = MasterChannel(m1, "m1", key, zmq.asyncio.Context.instance(), f"tcp://127.0.0.1:{cluster.ret_port}")
        assert (await ch.authenticate({}, 5)).state == "accepted"
        try:
            # ids in the load are ignored: everything lands under the session's id (m1)
            forged = {"id": "m2", "minion_id": "m2", "data": {"fake_ip": ["6.6.6.6"]}}
            assert await ch.request("_mine", forged, 5) == {"ok": True}
            assert await ch.request("_mine", {**forged, "clear": True, "data": {"m2": {"fake_ip": 1}}}, 5) == {
                "ok": True}
            assert await ch.request("_mine_delete", {"id": "m2", "fun": "fake_ip"}, 5) == {"ok": True}
            assert await ch.request("_mine_flush", {"id": "m2"}, 5) == {"ok": True}
            assert await ch.request("_mine", forged, 5) == {"ok": True}
            for cmd, load in MALFORMED:
                reply = await ch.request(cmd, load, 10)
                assert isinstance(reply, dict) and "error" in reply, (cmd, str(load)[:80], reply)
            return await ch.request("_mine_get", {"tgt": "*", "fun": ["fake_ip"], "keyed": False}, 5)
        finally:
            ch.reset()

    seen = asyncio.run(attack())
    assert seen == {"data": {"m1": ["6.6.6.6"], "m2": ["10.0.0.2"]}}
    # m2's data is untouched; the master still answers minions, the CLI and runners
    assert runner(cluster, "mine.get", "*", "fake_ip") == {"m1": ["6.6.6.6"], "m2": ["10.0.0.2"]}
    rc, out, err = cluster.saline("*", "mine.get", "m2", "fake_ip", "--out=json", "--static", "-t", "30")
    assert rc == 0 and json.loads(out) == {"m1": {"m2": ["10.0.0.2"]}, "m2": {"m2": ["10.0.0.2"]}}, err
    assert "refused _mine from m1" in cluster.master_log()
