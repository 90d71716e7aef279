"""environ, match, hashutil, random, sysctl, hosts, timezone and locale beyond the Salt-recorded cases."""

from __future__ import annotations

import os
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from saline.errors import ActionRefusedError, CommandExecutionError, SaltInvocationError
from saline.loader import Context
from saline.modules import sysctl_linux


def _ctx(**opts: object) -> Context:
    ctx = Context({"id": "web01", **opts})
    ctx.grains = {"id": "web01", "role": "web", "ipv4": ["10.1.2.3"], "ipv6": []}
    ctx.pillar = {"app": {"name": "foo"}}
    return ctx


def test_environ_set_and_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALINE_T_KEEP", "x")
    monkeypatch.delenv("SALINE_T_A", raising=False)
    monkeypatch.delenv("SALINE_T_B", raising=False)
    salt = _ctx().salt
    assert salt["environ.setval"]("SALINE_T_A", "1") == "1" and os.environ["SALINE_T_A"] == "1"
    assert salt["environ.has_value"]("SALINE_T_A", "1") is True
    assert salt["environ.setval"]("SALINE_T_A", False) == "" and os.environ["SALINE_T_A"] == ""
    assert salt["environ.setval"]("SALINE_T_A", False, false_unsets=True) is None
    assert "SALINE_T_A" not in os.environ
    assert salt["environ.setval"]("SALINE_T_A", 1) is False  # not a string: refused, as in Salt
    assert salt["environ.setenv"]({"SALINE_T_A": "1", "SALINE_T_B": False}) == {"SALINE_T_A": "1", "SALINE_T_B": ""}
    assert salt["environ.setenv"]({"SALINE_T_B": False}, false_unsets=True) == {"SALINE_T_B": None}
    assert salt["environ.setenv"]("notadict") is False
    assert salt["environ.item"](["SALINE_T_A", "SALINE_T_KEEP"]) == {"SALINE_T_A": "1", "SALINE_T_KEEP": "x"}
    assert salt["environ.items"]()["SALINE_T_KEEP"] == "x"
    with pytest.raises(ActionRefusedError):
        _ctx().planning_view().salt["environ.setval"]("SALINE_T_A", "2")


def test_match_uses_context_and_tolerates_bad_targets() -> None:
    salt = _ctx().salt
    assert salt["match.ipcidr"]("10.0.0.0/8") is True
    assert salt["match.ipcidr"]("bad/99") is False
    assert salt["match.compound"]("G@role:web and (") is False
    assert salt["match.grain"]("role:web", delimiter=";") is False
    assert salt["match.filter_by"]({"I@app:name:foo": "yes"}) == "yes"
    assert salt["match.data"]("k:v") is False  # no data store: nothing matches
    with pytest.raises(SaltInvocationError, match="odd number"):
        salt["match.ifelse"]("web*", "a")
    with pytest.raises(SaltInvocationError, match="dictionary"):
        salt["match.filter_by"]({"web*": [1]}, merge={"b": 1})
    lookup = {"web*": {"a": {"b": 1}}}
    salt["match.filter_by"](lookup, merge={"a": {"c": 2}})
    assert lookup == {"web*": {"a": {"b": 1}}}  # the caller's map is not modified


def test_hashutil_files(tmp_path: Path) -> None:
    salt = _ctx().salt
    (tmp_path / "f").write_bytes(b"vm\n")
    assert salt["hashutil.digest_file"](str(tmp_path / "f")) == "6520213d3695a344f306efffa2523807"
    assert salt["hashutil.base64_encodefile"](str(tmp_path / "f")) == "dm0K\n"
    assert salt["hashutil.base64_decodefile"]("aGVsbG8K", str(tmp_path / "out")) is True
    assert (tmp_path / "out").read_bytes() == b"hello\n"
    with pytest.raises(CommandExecutionError, match="not found"):
        salt["hashutil.digest_file"](str(tmp_path / "missing"))
    with pytest.raises(CommandExecutionError, match="'sha1' is not supported"):
        salt["hashutil.digest"]("x", "sha1")
    with pytest.raises(SaltInvocationError, match="must be a string"):
        salt["hashutil.md5_digest"](123)


@given(st.integers(0, 64), st.text(alphabet=string.ascii_letters + "!-", min_size=1, max_size=8))
def test_get_str_properties(length: int, chars: str) -> None:
    salt = Context({}).salt
    made = salt["random.get_str"](length, chars=chars)
    assert len(made) == length and set(made) <= set(chars)
    plain = salt["random.get_str"](length, punctuation=False)
    assert set(plain) <= set(string.ascii_letters + string.digits)


@given(st.lists(st.integers(), max_size=12), st.text(max_size=10))
def test_seeded_sample_and_shuffle_are_stable(items: list[int], seed: str) -> None:
    salt = Context({}).salt
    once = salt["random.shuffle"](items, seed=seed)
    assert once == salt["random.shuffle"](items, seed=seed) and sorted(once) == sorted(items)
    size = len(items) // 2
    picked = salt["random.sample"](items, size, seed=seed)
    assert picked == salt["random.sample"](items, size, seed=seed) and len(picked) == size


def test_random_errors_and_blowfish() -> None:
    salt = _ctx().salt
    assert salt["random.shadow_hash"](password="secret", algorithm="blowfish").startswith("$2b$12$")
    assert len(salt["random.shadow_hash"]().split("$")[2]) == 16
    with pytest.raises(SaltInvocationError, match="supported algorithms"):
        salt["random.shadow_hash"](password="x", algorithm="foo")
    with pytest.raises(SaltInvocationError, match="valid algorithm"):
        salt["random.hash"]("x", "nope")
    with pytest.raises(SaltInvocationError, match="empty range"):
        salt["random.rand_int"](5, 2)
    with pytest.raises(SaltInvocationError, match="larger than the list"):
        salt["random.sample"]([1, 2], 3)
    with pytest.raises(CommandExecutionError, match="No characters"):
        salt["random.get_str"](8, lowercase=False, uppercase=False, digits=False, punctuation=False)


def test_sysctl_against_a_fake_proc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc = tmp_path / "proc"
    (proc / "net" / "ipv4").mkdir(parents=True)
    (proc / "net" / "ipv4" / "ip_forward").write_text("0\n")
    (proc / "net" / "ipv4" / "tcp_rmem").write_text("4096\t131072\t6291456\n")
    monkeypatch.setattr(sysctl_linux, "PROC_SYS", str(proc))
    salt = _ctx().salt
    config = tmp_path / "etc" / "sysctl.d" / "99-test.conf"
    assert salt["sysctl.get"]("net.ipv4.ip_forward") == "0"
    assert salt["sysctl.get"]("no.such").startswith("sysctl: cannot stat")
    assert salt["sysctl.show"]() == {"net.ipv4.ip_forward": "0", "net.ipv4.tcp_rmem": "4096\t131072\t6291456"}
    assert salt["sysctl.persist"]("net.ipv4.ip_forward", 1, config=str(config)) == "Updated"
    assert config.read_text() == "#\n# Kernel sysctl configuration\n#\nnet.ipv4.ip_forward = 1\n"
    assert salt["sysctl.get"]("net.ipv4.ip_forward") == "1"
    assert salt["sysctl.persist"]("net.ipv4.ip_forward", 1, config=str(config)) == "Already set"
    assert salt["sysctl.persist"]("net.ipv4.tcp_rmem", "4096 131072 6291456", config=str(config)) == "Updated"
    assert salt["sysctl.show"](config_file=str(config)) == {
        "net.ipv4.ip_forward": "1", "net.ipv4.tcp_rmem": "4096 131072 6291456"}
    (proc / "net" / "ipv4" / "ip_forward").write_text("0\n")  # drifted at runtime: re-applied
    assert salt["sysctl.persist"]("net.ipv4.ip_forward", 1, config=str(config)) == "Updated"
    assert salt["sysctl.assign"]("net.ipv4.ip_forward", 0) == {"net.ipv4.ip_forward": "0"}
    with pytest.raises(CommandExecutionError, match="does not exist"):
        salt["sysctl.assign"]("no.such", 1)
    with pytest.raises(SaltInvocationError):
        salt["sysctl.get"]("net/../../etc")
    with pytest.raises(ActionRefusedError):
        _ctx().planning_view().salt["sysctl.persist"]("net.ipv4.ip_forward", 1, config=str(config))


def test_hosts_edits_like_salt(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.write_text("# header\n127.0.0.1 localhost loc2 # the loopback\n::1 localhost ip6-localhost\n"
                     "10.0.0.5\tdb db.example.com\n10.0.0.5 again\n\n")
    salt = _ctx(**{"hosts.file": str(hosts)}).salt
    # shapes and rewrites recorded from Salt 3007.8 with hosts.file pointing at the same text
    assert salt["hosts.list_hosts"]() == {
        "comment-0": ["# header"],
        "127.0.0.1": {"aliases": ["localhost", "loc2"], "comment": "the loopback"},
        "::1": {"aliases": ["localhost", "ip6-localhost"]},
        "10.0.0.5": {"aliases": ["db", "db.example.com", "again"]},
    }
    assert salt["hosts.get_ip"]("localhost") == "127.0.0.1" and salt["hosts.get_ip"]("nope") == ""
    assert salt["hosts.get_alias"]("1.1.1.1") == [] and salt["hosts.has_pair"]("10.0.0.5", "again")
    assert salt["hosts.add_host"]("10.0.0.5", "extra") is True
    assert hosts.read_text() == ("# header\n127.0.0.1\t\tlocalhost loc2\t\t# the loopback\n"
                                 "::1\t\tlocalhost ip6-localhost\n10.0.0.5\t\tdb db.example.com again extra\n")
    assert salt["hosts.add_host"]("10.0.0.9", "new1") and salt["hosts.rm_host"]("10.0.0.9", "new1")
    assert salt["hosts.rm_host"]("10.0.0.5", "db") and salt["hosts.set_host"]("127.0.0.1", "lh lh2", comment="hi")
    assert salt["hosts.set_comment"]("10.0.0.5", "cmt") is True
    assert hosts.read_text() == ("# header\n127.0.0.1\t\tlh lh2\t\t# hi\n::1\t\tlocalhost ip6-localhost\n"
                                 "10.0.0.5\t\tdb.example.com again extra\t\t# cmt\n")
    assert salt["hosts.set_host"]("10.0.0.5", "") and "10.0.0.5" not in salt["hosts.list_hosts"]()
    other = tmp_path / "other"
    assert _ctx().salt["hosts.add_host"]("10.9.9.9", "x", hosts_file=str(other)) is True
    assert other.read_text() == "10.9.9.9\t\tx\n"
    with pytest.raises(SaltInvocationError, match="not an IPv4 or IPv6"):
        salt["hosts.add_host"]("bad", "x")
    with pytest.raises(ActionRefusedError):
        _ctx().planning_view().salt["hosts.add_host"]("10.0.0.1", "y", hosts_file=str(other))


def test_timezone_and_locale_shapes() -> None:
    salt = _ctx().salt
    assert isinstance(salt["timezone.get_zone"](), str) and salt["timezone.get_zone"]()
    offset = salt["timezone.get_offset"]()
    assert len(offset) == 5 and offset[0] in "+-" and offset[1:].isdigit()
    assert salt["timezone.get_zonecode"]()
    assert salt["timezone.get_hwclock"]() in ("UTC", "localtime")
    assert "C" in salt["locale.list_avail"]() or "POSIX" in salt["locale.list_avail"]()
    assert isinstance(salt["locale.get_locale"](), str)


def test_locale_file_parsing() -> None:
    from saline.modules.locale_mod import parse_lang

    assert parse_lang('# comment\nLANG="en_US.UTF-8"\nLC_TIME=C\n') == "en_US.UTF-8"
    assert parse_lang("LANGUAGE=en\n") == ""
