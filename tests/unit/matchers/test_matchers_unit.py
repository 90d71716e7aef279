"""Matcher helpers: data store loading, nodegroup forms, lenient matching for top files."""

from __future__ import annotations

import msgpack
import pytest
from saline.errors import SaltInvocationError
from saline.matchers import (
    expand_nodegroup,
    load_datastore,
    match,
    match_or_false,
    nodegroup_to_compound,
    normalize_nodegroups,
    validate_target,
)


def test_data_matcher_reads_the_store_under_cachedir(tmp_path):
    (tmp_path / "datastore").write_bytes(msgpack.packb({"role": "web", "tags": ["a", "B"]}))
    opts = {"cachedir": str(tmp_path)}
    assert load_datastore(opts) == {"role": "web", "tags": ["a", "B"]}
    assert match("role:w*", "data", "m1", {}, {}, opts=opts)
    assert match("tags:b", "data", "m1", {}, {}, opts=opts)
    assert not match("role:db", "data", "m1", {}, {}, opts=opts)
    assert load_datastore({"cachedir": str(tmp_path / "absent")}) == {}
    assert load_datastore({}) == {}


def test_corrupt_data_store_is_a_clear_error(tmp_path):
    (tmp_path / "datastore").write_bytes(b"\xc1\xc1\xc1")
    with pytest.raises(SaltInvocationError, match="corrupt"):
        load_datastore({"cachedir": str(tmp_path)})


def test_nodegroups_as_a_list_of_mappings_and_from_opts():
    groups = [{"webs": "web*"}, {"both": "N@webs or db*"}]
    assert normalize_nodegroups(groups) == {"webs": "web*", "both": "N@webs or db*"}
    assert nodegroup_to_compound("both", groups) == "( web* ) or db*"
    assert match("both", "nodegroup", "db1", {}, {}, opts={"nodegroups": groups})
    assert match("N@webs", "compound", "web1", {}, {}, opts={"nodegroups": groups})
    with pytest.raises(SaltInvocationError, match="name: definition"):
        normalize_nodegroups(["web*"])
    with pytest.raises(SaltInvocationError, match="must be a compound target string or a list"):
        expand_nodegroup("g", {"g": 42})


def test_plain_id_lists_become_list_or_regex_targets():
    assert expand_nodegroup("g", {"g": ["a", "b"]}) == ["L@a,b"]
    assert expand_nodegroup("g", {"g": "a b"}) == ["L@a,b"]
    assert expand_nodegroup("g", {"g": ["web[0-9]", "db"]}) == ["E@web[0-9],db"]
    assert expand_nodegroup("g", {"g": ["web*", "or", "db"]}) == ["web*", "or", "db"]


def test_match_or_false_logs_instead_of_raising(caplog):
    assert match_or_false("and x", "compound", "web1", {}, {}) is False
    assert "Invalid compound target 'and x'" in caplog.text
    assert match_or_false("web*", None, "web1", {}, {}) is True


def test_ipcidr_ignores_unparsable_grains_and_scope_ids():
    grains = {"ipv4": ["bogus", "10.1.2.3"], "ipv6": ["fe80::1%eth0"]}
    assert match("10.1.0.0/16", "ipcidr", "m", grains, {})
    assert match("fe80::1", "ipcidr", "m", grains, {})
    assert not match("10.1.2.4", "ipcidr", "m", grains, {})
    assert not match("::1", "ipcidr", "m", {}, {})


def test_custom_delimiter_in_compound_and_for_nested_keys():
    grains = {"ip_interfaces": {"eth0": ["10.0.0.1"]}, "a:b": "colon-key"}
    assert match("G|@ip_interfaces|eth0|10.0.0.*", "compound", "m", grains, {})
    assert match("a:b|colon-key", "grain", "m", grains, {}, delimiter="|")


@pytest.mark.parametrize(("tgt", "tgt_type"), [
    ("web* and", "compound"), ("E@[", "compound"), ("S@10.0.0.1/8", "compound"), ("N@nope", "compound"),
    ("os", "grain"), ("[", "pcre"), ("nope", "nodegroup"), ("G@os", "compound"),
])
def test_validate_target_rejects_malformed_targets(tgt, tgt_type):
    with pytest.raises(SaltInvocationError):
        validate_target(tgt, tgt_type, nodegroups={"g": "web*"})


@pytest.mark.parametrize(("tgt", "tgt_type"), [
    ("web* and G@os:Debian or E@db\\d", "compound"), ("N@g", "compound"), ("g", "nodegroup"),
    ("web1,web2", "list"), ("10.0.0.0/8", "ipcidr"), ("role:x*", "pillar"), ("k:v", "data"),
])
def test_validate_target_accepts_well_formed_targets(tgt, tgt_type):
    validate_target(tgt, tgt_type, nodegroups={"g": "web*"})
