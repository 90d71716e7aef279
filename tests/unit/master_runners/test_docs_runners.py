"""docs/runners.md names every runner, and its examples match what the runners return."""

from __future__ import annotations

import json
import pathlib
import re

from saline.master.jobs import JobCache
from saline.master.runners import RUNNERS, MasterAPI, run_runner

DOC = pathlib.Path(__file__).resolve().parents[3] / "docs" / "runners.md"


def test_every_runner_is_documented():
    text = DOC.read_text()
    for name in RUNNERS:
        short = name.split(".", 1)[1]
        assert f"`{name}`" in text or f"`{short}`" in text, name


def test_lookup_jid_example(tmp_path):
    text = DOC.read_text()
    block = re.search(r"\$ saline-run --out=json jobs.lookup_jid (\d+) missing=True\n(\{.*?\n\})", text, re.S)
    jid, expected = block.group(1), json.loads(block.group(2))
    with JobCache(str(tmp_path / "jobs.db")) as cache:
        cache.add_job(jid, {"fun": "cmd.run"}, ["web1", "web2", "web3"])
        cache.add_return(jid, "web1", {"return": "ok", "retcode": 0})
        cache.add_return(jid, "web2", {"return": "bad", "retcode": 2})
        got = run_runner(MasterAPI(jobs=cache), "jobs.lookup_jid", [jid], {"missing": True})
    assert got == expected
