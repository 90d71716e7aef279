"""mine: masterless store in the cache dir; get matches this minion's id with the target matchers."""

from __future__ import annotations

import os
import stat

from saline.loader import Context


def make_ctx(tmp_path) -> Context:
    return Context({"id": "web1", "cachedir": str(tmp_path)}, grains_loader=lambda: {"os": "Debian"})


def test_send_get_delete_flush(tmp_path) -> None:
    salt = make_ctx(tmp_path).salt
    assert salt["mine.get"]("*", "test.echo") == {}
    assert salt["mine.send"]("greeting", "hello", mine_function="test.echo") is True
    assert salt["mine.get"]("web*", "greeting") == {"web1": "hello"}
    assert salt["mine.get"]("db*", "greeting") == {}
    assert salt["mine.get"]("os:Debian", "greeting", tgt_type="grain") == {"web1": "hello"}
    assert salt["mine.get"]("*", "greeting,other") == {"greeting": {"web1": "hello"}, "other": {}}
    # like Salt's local mode: exclude_minion has no effect without a master (there is only this minion)
    assert salt["mine.get"]("*", "greeting", exclude_minion=True) == {"web1": "hello"}
    assert salt["mine.get"]("*", ["greeting"]) == {"greeting": {"web1": "hello"}}
    assert salt["mine.get"]("*", "greeting,greeting") == {"web1": "hello"}  # as Salt 3007.8
    mode = stat.S_IMODE(os.stat(tmp_path / "mine.json").st_mode)
    assert mode == 0o600
    salt["mine.delete"]("greeting")
    assert salt["mine.get"]("*", "greeting") == {}
    salt["mine.send"]("test.true")
    salt["mine.flush"]()
    assert salt["mine.get"]("*", "test.true") == {}


def test_update_from_mine_functions(tmp_path) -> None:
    ctx = make_ctx(tmp_path)
    ctx.opts["mine_functions"] = {"pinged": [{"mine_function": "test.ping"}], "test.echo": ["hi"]}
    assert ctx.salt["mine.update"]() is True
    assert ctx.salt["mine.get"]("web1", "pinged", tgt_type="list") == {"web1": True}
    assert ctx.salt["mine.get"]("*", "test.echo") == {"web1": "hi"}
