"""saline.wire: the msgpack codec with a frame limit, id/jid validation and replay counters."""

from __future__ import annotations

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from saline import wire
from saline.wire import WireError

values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1) | st.text() | st.binary()
    | st.floats(allow_nan=False),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=200)
@given(values)
def test_round_trip(value):
    assert wire.unpack(wire.pack(value)) == value


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_garbage_never_escapes_as_another_exception(data):
    try:
        wire.unpack(data)
    except WireError:
        pass


def test_truncated_and_trailing_data():
    data = wire.pack({"a": [1, 2, 3], "b": "x" * 50})
    with pytest.raises(WireError):
        wire.unpack(data[:-3])
    with pytest.raises(WireError):
        wire.unpack(data + b"\x00")
    with pytest.raises(WireError):
        wire.unpack("text")


def test_oversized_frame_refused_both_ways():
    with pytest.raises(WireError, match="limit"):
        wire.unpack(b"\x00" * (wire.MAX_FRAME + 1))
    with pytest.raises(WireError, match="limit"):
        wire.pack(b"x" * wire.MAX_FRAME)
    # a small frame announcing a huge string is refused without allocating it
    header = b"\xdb" + (2**31).to_bytes(4, "big")
    with pytest.raises(WireError):
        wire.unpack(header + b"abc")


def test_deeply_nested_frame_refused():
    with pytest.raises(WireError):
        wire.unpack(b"\x91" * 100_000 + b"\xc0")


def test_unpack_map_types():
    data = msgpack.packb({"cmd": "_auth", "ctr": True})
    assert wire.unpack_map(data, {"cmd": str})["cmd"] == "_auth"
    with pytest.raises(WireError, match="ctr"):
        wire.unpack_map(data, {"ctr": int})
    with pytest.raises(WireError, match="missing"):
        wire.unpack_map(data, {"load": dict})
    with pytest.raises(WireError, match="map"):
        wire.unpack_map(msgpack.packb([1]), {})


@pytest.mark.parametrize("bad", ["", "..", ".", "../x", "a/b", "a\\b", "x\x00y", "tab\there", "\x7f", "-rf",
                                 ".hidden", "a..b", " x", "x" * 256, None, 5, b"bytes"])
def test_invalid_minion_ids(bad):
    with pytest.raises(WireError):
        wire.validate_minion_id(bad)
    assert not wire.is_valid_minion_id(bad)


@pytest.mark.parametrize("good", ["web1", "web-1.example.com", "a", "x" * 255, "db_01", "ünï"])
def test_valid_minion_ids(good):
    assert wire.validate_minion_id(good) == good


def test_jids():
    jid = wire.new_jid()
    assert wire.validate_jid(jid) == jid and len(jid) == 20
    assert wire.new_jid("99990101000000000000") == "99990101000000000001"
    for bad in ["1" * 19, "1" * 21, "../../etc/passwd000", None, 12345678901234567890, "2024010100000000000a"]:
        with pytest.raises(WireError):
            wire.validate_jid(bad)


@given(st.lists(st.integers(min_value=-5, max_value=50), max_size=40))
def test_replay_guard_accepts_only_strictly_increasing(counters):
    guard = wire.ReplayGuard()
    best = -1
    for c in counters:
        assert guard.check(c) == (c > best)
        best = max(best, c)
    assert not guard.check(True) and not guard.check("5") and not guard.check(None)
