"""A master restart in the middle of a job loses no return: the minion keeps it on disk and sends it again."""

from __future__ import annotations

import os
import re


def test_return_survives_master_restart(cluster):
    cluster.start_master()
    cluster.add_minion("m1", None, return_retry_tries=1, return_retry_timer=0.5)
    cluster.wait_pending(["m1"])
    rc, _out, err = cluster.key("-A", "-y")
    assert rc == 0, err
    cluster.wait_authenticated(["m1"])

    rc, out, err = cluster.saline("m1", "test.sleep", "3", "--async")
    assert rc == 0, err
    jid = re.fullmatch(r"Executed command with job ID: (\d{20})\n", out).group(1)
    cluster.stop_master()  # the job is running on the minion; its return has nowhere to go

    spool = os.path.join(cluster.minion_dir("m1"), "root", "var", "cache", "saline", "minion", "returns",
                         f"{jid}.ret")
    cluster.wait(lambda: os.path.exists(spool), "the return kept on the minion's disk", timeout=40)
    assert oct(os.stat(spool).st_mode & 0o777) == "0o600"

    cluster.start_master()  # the minion re-authenticates by itself and sends the kept return
    found = cluster.wait(lambda: (cluster.ipc({"cmd": "lookup_jid", "jid": jid}, quiet=True) or {})
                         .get("returns"), "the return after the restart", timeout=40)
    assert found["m1"]["return"] is True
    cluster.wait(lambda: not os.path.exists(spool), "the kept return removed once delivered", timeout=20)
