"""The master's pillar cache (saline.master.pillar_cache): private files, restart, forget, and how
targets resolve with and without a cached pillar (the docs/targeting.md example)."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from saline.master.pillar_cache import PillarCache, expected_minions, target_matches, uses_pillar
from saline.matchers import match
from saline.wire import WireError

DOC = Path(__file__).resolve().parents[3] / "docs" / "targeting.md"


def test_store_is_private_survives_a_restart_and_forget_removes_it(tmp_path):
    old = os.umask(0o022)
    try:
        cache = PillarCache(str(tmp_path / "pillar"), True, [])
        cache.store("m1", {"secret": "s3cr3t", "nested": {"list": [1, "two", None]}})
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "pillar").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "pillar" / "m1").st_mode) == 0o600
    again = PillarCache(str(tmp_path / "pillar"), True, ["m1", "m2"])
    assert again.get("m1") == {"secret": "s3cr3t", "nested": {"list": [1, "two", None]}}
    assert "m2" not in again and again.get("m2") is None
    copy = again.get("m1")
    copy["secret"] = "changed"
    assert again.get("m1")["secret"] == "s3cr3t"  # callers get copies
    again.forget("m1")
    assert not (tmp_path / "pillar" / "m1").exists() and "m1" not in again


def test_memory_only_without_minion_data_cache(tmp_path):
    cache = PillarCache(str(tmp_path / "pillar"), False, ["m1"])
    cache.store("m1", {"role": "web"})
    assert cache.get("m1") == {"role": "web"} and not (tmp_path / "pillar").exists()


def test_hostile_ids_never_touch_the_disk(tmp_path):
    cache = PillarCache(str(tmp_path / "pillar"), True, [])
    for bad in ("../x", "a/b", ""):
        with pytest.raises(WireError):
            cache.store(bad, {})
    assert os.listdir(tmp_path / "pillar") == []


def test_documented_master_answers():
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- test: master-expected -->\n```yaml\n(.*?)```", text, re.S)
    assert block, "docs/targeting.md lost its master-expected block"
    case = yaml.safe_load(block.group(1))
    for check in case["checks"]:
        for key, pillar in (("cached", case["cached_pillar"]), ("uncached", None)):
            got = target_matches(check["tgt"], check["tgt_type"], "web1", case["grains"], pillar, {})
            assert got is check[key], (key, check)


def test_uses_pillar():
    assert uses_pillar("role:web", "pillar") and uses_pillar("x and J@a:b", "compound")
    assert uses_pillar("G|@a|b or I|@c|d", "compound")
    assert uses_pillar("g", "nodegroup", {"g": "I@role:web"}) and uses_pillar("N@g", "compound", {"g": ["J@a:b"]})
    assert not uses_pillar("G@os:Debian and web*", "compound") and not uses_pillar("web*", "glob")


TERMS = ["I@role:web", "I@role:db", "J@role:^w", "G@os:Debian", "G@os:RedHat", "web*", "L@m1,m2", "E@m[12]"]
PILLARS = st.sampled_from([{}, {"role": "web"}, {"role": "db"}, {"role": ["web", "db"]}])


@given(st.lists(st.sampled_from(TERMS), min_size=1, max_size=4), st.lists(st.sampled_from(["and", "or"]),
       min_size=3, max_size=3), st.sampled_from(["m1", "m2", "web3"]), PILLARS)
def test_cached_pillar_resolves_exactly_like_the_minion(terms, ops, mid, pillar):
    expr = " ".join(w for pair in zip(terms, [*ops[:len(terms) - 1], ""], strict=False) for w in pair if w)
    grains = {"os": "Debian"}
    assert target_matches(expr, "compound", mid, grains, pillar, {}) == match(expr, "compound", mid, grains, pillar)


def test_expected_minions_mixes_cached_and_uncached(tmp_path):
    cache = PillarCache(str(tmp_path / "p"), True, [])
    cache.store("m1", {"role": "web"})
    cache.store("m2", {"role": "db"})
    got = expected_minions(["m1", "m2", "m3"], "role:web", "pillar", {}, cache, {})
    assert got == ["m1", "m3"]  # m3 has no cached pillar yet: greedy
