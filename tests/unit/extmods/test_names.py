"""Which custom modules there are: file names or ``__virtualname__``, seen at once after a sync and
listed again only when the folder changes."""

from __future__ import annotations

import os

from saline import extmods


def test_names_follow_the_folder(tmp_path, monkeypatch):
    folder = tmp_path / "extmods" / "modules"
    folder.mkdir(parents=True)
    extmods.use({"cachedir": str(tmp_path)})
    assert extmods.names("modules") == {}
    (folder / "plain.py").write_text("def f():\n    return 1\n")
    (folder / "named.py").write_text("__virtualname__ = 'other'\n")
    assert extmods.names("modules") == {"plain": str(folder / "plain.py"), "other": str(folder / "named.py")}
    (folder / "plain.py").unlink()  # at once, even within the same timestamp tick
    assert extmods.names("modules") == {"other": str(folder / "named.py")}

    old = 1_000_000_000_000_000_000  # an old folder is listed once, then served from memory
    os.utime(folder, ns=(old, old))
    assert extmods.names("modules") == {"other": str(folder / "named.py")}
    calls = []
    monkeypatch.setattr(extmods, "_scan", lambda path: calls.append(path) or {})
    assert extmods.names("modules") == {"other": str(folder / "named.py")} and calls == []
    os.utime(folder, ns=(old + 1, old + 1))  # changed: listed again
    assert extmods.names("modules") == {} and calls == [str(folder)]
    extmods.use({})
