"""The master's grains cache keeps each minion's grains packed and hands out fresh copies."""

from __future__ import annotations

import pytest
from saline import wire
from saline.master.grains_cache import GrainsCache


def test_round_trip_copies_and_mapping_behaviour():
    cache = GrainsCache()
    grains = {"os": "Debian", "ipv4": ["10.0.0.1"], "nested": {"a": [1, 2]}, "big": 2**63}
    cache["web1"] = grains
    cache.set_packed("web2", wire.pack({"os": "RedHat"}))
    assert cache["web1"] == grains and cache.get("web2") == {"os": "RedHat"}
    copy = cache["web1"]
    copy["os"] = "changed"
    copy["nested"]["a"].append(3)
    assert cache["web1"] == grains  # callers may change what they get
    assert sorted(cache) == ["web1", "web2"] and len(cache) == 2 and "web1" in cache
    assert dict(cache) == {"web1": grains, "web2": {"os": "RedHat"}}
    assert cache.packed("web2") == wire.pack({"os": "RedHat"})
    assert cache.pop("web2") == {"os": "RedHat"} and cache.get("web2", {}) == {}
    with pytest.raises(KeyError):
        cache["nope"]
