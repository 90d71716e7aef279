"""The master's fileserver refresh thread (the fileserver itself is :mod:`saline.fileserver`).

Fetching never happens on a request: :class:`Updater` is a thread of the master daemon that fetches
gitfs remotes every ``gitfs_update_interval`` and git pillar remotes every
``git_pillar_update_interval``; ``saline-run fileserver.update`` / ``git_pillar.update`` fetch at once.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from saline.fileserver import Fileserver

log = logging.getLogger(__name__)


class Updater:
    """A daemon thread that fetches gitfs and git pillar remotes when their interval is due."""

    def __init__(self, sources: list[Any]) -> None:
        self.sources = [s for s in sources if s is not None and getattr(s, "remotes", None)]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Updater:
        if self.sources:
            self._thread = threading.Thread(target=self._loop, name="saline-git-update", daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            for source in self.sources:
                if self._stop.is_set():
                    return
                try:
                    source.update_due()
                except Exception:  # a broken remote must never end the thread
                    log.exception("background git update failed")
            wait = min(source.next_due() for source in self.sources)
            self._stop.wait(max(0.2, wait))

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def make_updater(opts: dict[str, Any], fileserver: Fileserver) -> Updater:
    """The refresh thread (not started) for this master's gitfs backend and git pillar remotes.

    Raises ConfigError for a bad ``ext_pillar`` git configuration.
    """
    from saline.pillar.git_pillar import git_pillar_for

    git_pillar = git_pillar_for(opts)
    if git_pillar is not None:
        git_pillar.background = True  # compiles read what this thread fetched
    return Updater([fileserver.gitfs, git_pillar])
