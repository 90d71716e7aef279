"""Speed-ups that must not change behaviour: batched directory flushes, the on-disk Jinja code cache."""

from __future__ import annotations

import jinja2
import saline.atomic as atomic
from saline.loader import Context
from saline.renderers import jinja_env, render_string


def test_directory_flush_batched_inside_block(tmp_path, monkeypatch) -> None:
    flushed: list[str] = []
    monkeypatch.setattr(atomic, "_fsync_dir", flushed.append)
    atomic.atomic_write(str(tmp_path / "a"), "1")
    assert flushed == [str(tmp_path)]
    flushed.clear()
    with atomic.deferred_directory_sync():
        for name in "bcd":
            atomic.atomic_write(str(tmp_path / name), name)
        assert flushed == []  # data is on disk already; the directory waits for the block's end
        assert (tmp_path / "c").read_text() == "c"
    assert flushed == [str(tmp_path)]


def test_jinja_code_reused_from_disk(tmp_path, monkeypatch) -> None:
    ctx = Context({"cachedir": str(tmp_path), "renderer": "jinja|yaml"}, grains_loader=lambda: {"id": "x"})
    text = "{% for i in range(3) %}{{ i }}{% endfor %} {{ grains['id'] }}"
    assert render_string(ctx, text, "jinja") == "012 x"
    cached = list((tmp_path / "jinja").glob("*.code"))
    assert len(cached) == 1
    jinja_env._CODE_CACHE.clear()

    def no_compile(self, *args, **kwargs):
        raise AssertionError("compiled again although the code is cached on disk")

    monkeypatch.setattr(jinja2.Environment, "compile", no_compile)
    assert render_string(ctx, text, "jinja") == "012 x"
    monkeypatch.undo()
    jinja_env._CODE_CACHE.clear()
    cached[0].write_bytes(b"not marshal data")  # a damaged entry is recompiled, not fatal
    assert render_string(ctx, text, "jinja") == "012 x"
