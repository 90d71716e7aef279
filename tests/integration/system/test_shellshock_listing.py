"""The seed's ShellShock listing, end to end with saline-call: check, upgrade from the repo, check again.

A stand-in package plays bash: version 1.0 ships a check that reports "vulnerable", 2.0 one that reports
"safe". The repository starts with 1.0 installed; 2.0 is published afterwards, so only
``pkg.install ... refresh=True`` can see it.
"""

from __future__ import annotations

import json
import subprocess

CHECK = "/usr/bin/saline-test-shellcheck"


def script(verdict: str) -> str:
    return f"#!/bin/sh\necho {verdict}\n"


def test_check_upgrade_check(apt_repo, saline_call) -> None:
    name = "saline-test-shell"
    apt_repo.built.add(name)
    apt_repo.add(name, "1.0", files={CHECK: script("vulnerable")})
    apt_repo.index()
    subprocess.run(["apt-get", "-q", "update"], check=True, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-q", name], check=True, capture_output=True)

    rc, out, _ = saline_call("cmd.run", CHECK, "--out=json")
    assert (rc, json.loads(out)["local"]) == (0, "vulnerable")

    apt_repo.add(name, "2.0", files={CHECK: script("safe")})
    apt_repo.index()  # published after the last apt-get update: only refresh=True finds it
    rc, out, err = saline_call("pkg.install", name, "refresh=True", "--out=json")
    assert rc == 0, err
    assert json.loads(out)["local"] == {name: {"old": "1.0", "new": "2.0"}}

    rc, out, _ = saline_call("cmd.run", CHECK, "--out=json")
    assert (rc, json.loads(out)["local"]) == (0, "safe")
    rc, out, _ = saline_call("pkg.install", name, "refresh=True", "--out=json")
    assert json.loads(out)["local"] == {}
