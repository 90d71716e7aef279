"""file.mkdir/makedirs from several processes at once (two jobs writing side by side) all succeed."""

from __future__ import annotations

import multiprocessing

from saline.loader import Context


def _make(path: str, queue: multiprocessing.Queue) -> None:
    try:
        Context({}).salt["file.makedirs"](path)
        queue.put("ok")
    except Exception as exc:  # reported to the parent
        queue.put(repr(exc))


def test_concurrent_makedirs(tmp_path) -> None:
    for round_ in range(5):
        base = tmp_path / f"r{round_}" / "a" / "b" / "c"
        queue: multiprocessing.Queue = multiprocessing.Queue()
        procs = [multiprocessing.Process(target=_make, args=(str(base / f"f{i}"), queue)) for i in range(6)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(30)
        results = [queue.get(timeout=5) for _ in procs]
        assert results == ["ok"] * len(procs)
        assert base.is_dir()
