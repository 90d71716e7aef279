"""Minion events reach the master's bus under the sender's id; a minion cannot fake master tags."""

from __future__ import annotations

import os
import subprocess
import time


def test_minion_events_are_namespaced(cluster):
    cluster.start(["m1"])
    watcher = subprocess.Popen(
        [os.path.join(os.path.dirname(__import__("sys").executable), "saline-run"), "-c", cluster.master_dir,
         "state.event", "tagmatch=minion/m1/*", "count=2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        time.sleep(1.5)  # let the watcher subscribe before the events are sent
        rc, out, err = cluster.saline("m1", "event.send", "myapp/deployed", "{version: 2}", "--out=json")
        assert rc == 0 and '"m1": true' in out, (out, err)
        rc, out, err = cluster.saline("m1", "event.send", "salt/job/123/ret/m2", "{forged: true}", "--out=json")
        assert rc == 0, err
        stdout, _stderr = watcher.communicate(timeout=30)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert lines[0].startswith("minion/m1/myapp/deployed\t") and '"version": 2' in lines[0], stdout
    # the forged master tag was filed under the sender instead
    assert lines[1].startswith("minion/m1/salt/job/123/ret/m2\t") and '"id": "m1"' in lines[1], stdout

    local = subprocess.run([os.path.join(os.path.dirname(__import__("sys").executable), "saline-call"),
                            "--local", "event.send", "x/y", "--out=json"], capture_output=True, text=True)
    assert '"local": false' in local.stdout  # masterless: nowhere to send, and it says so
