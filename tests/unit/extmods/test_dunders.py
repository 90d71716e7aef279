"""Salt's injected names in custom modules follow the context of the call running in each thread."""

from __future__ import annotations

import inspect
import threading

import pytest
from saline import extmods
from saline.loader import Context, load_module, reset_cache, use_extension_modules

MODULE = '''
import time

def who(pause=0.0):
    first = __grains__["id"]
    time.sleep(pause)  # the other thread calls in between
    return [first, __grains__["id"], __pillar__.get("role"), __opts__["id"]]
'''


@pytest.fixture
def custom(tmp_path):
    folder = tmp_path / "extmods" / "modules"
    folder.mkdir(parents=True)
    (folder / "whoami.py").write_text(MODULE)
    use_extension_modules({"cachedir": str(tmp_path)})
    yield
    use_extension_modules({})
    reset_cache()


def _ctx(mid: str) -> Context:
    ctx = Context({"id": mid, "cachedir": "unused"})
    ctx.grains, ctx.pillar = {"id": mid}, {"role": f"role-{mid}"}
    return ctx


def test_concurrent_calls_each_see_their_own_context(custom):
    results: dict[str, list[str]] = {}

    def run(mid: str) -> None:
        ctx = _ctx(mid)
        results[mid] = ctx.salt["whoami.who"](pause=0.2)

    threads = [threading.Thread(target=run, args=(m,)) for m in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"a": ["a", "a", "role-a", "a"], "b": ["b", "b", "role-b", "b"]}


def test_dunders_outside_a_call_say_why(custom):
    module = extmods.load_file("modules", "whoami")
    with pytest.raises(RuntimeError, match="only usable while one of its functions"):
        module.__grains__["id"]


def test_wrapped_function_keeps_its_signature_and_doc(custom):
    mod = load_module("whoami", lambda: {})
    assert mod is not None and mod.backend == "custom"
    fn = mod.functions["who"]
    assert fn.kind == "action"
    assert list(inspect.signature(fn.fn).parameters) == ["ctx", "pause"]
