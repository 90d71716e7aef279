"""A slow pillar compiles in the master's worker threads: other minions' requests are answered meanwhile."""

from __future__ import annotations

import asyncio
import os
import time

from saline import crypto
from saline.minion.auth_client import MasterChannel


def test_slow_pillar_does_not_hold_up_other_minions(cluster, tmp_path):
    import zmq.asyncio

    pillar = tmp_path / "pillar"
    pillar.mkdir()
    (pillar / "top.sls").write_text("base:\n  'slow':\n    - slow\n")
    (pillar / "slow.sls").write_text("{% set _ = salt['test.sleep'](4) %}\nslept: true\n")
    with open(os.path.join(cluster.master_dir, "master"), "a", encoding="utf-8") as fh:
        fh.write(f"pillar_roots: {{base: [{pillar}]}}\n")
    cluster.start_master()
    zctx = zmq.asyncio.Context.instance()
    url = f"tcp://127.0.0.1:{cluster.ret_port}"

    async def scenario() -> None:
        slow = MasterChannel({"pki_dir": str(tmp_path / "slow")}, "slow", crypto.generate_private_key(), zctx, url)
        fast = MasterChannel({"pki_dir": str(tmp_path / "fast")}, "fast", crypto.generate_private_key(), zctx, url)
        for ch in (slow, fast):
            await ch.authenticate({}, 5)
        assert cluster.key("-A", "-y")[0] == 0
        for ch in (slow, fast):
            assert (await ch.authenticate({}, 5)).state == "accepted"
        started = time.monotonic()
        compiling = asyncio.ensure_future(slow.request("_pillar", {}, 15))
        await asyncio.sleep(0.5)
        for _ in range(3):
            assert "pub_kid" in await fast.request("_ping", {}, 5)
            assert (await fast.request("_pillar", {}, 5))["pillar"] == {}
        answered = time.monotonic() - started
        assert not compiling.done() and answered < 3.0, answered  # not queued behind the slow pillar
        assert (await compiling)["pillar"] == {"slept": True}
        for ch in (slow, fast):
            ch.reset()

    asyncio.run(scenario())
