"""Module ``git``: git checkouts and repositories through the git CLI, with Salt's names and shapes.

The functions live in files split by concern (``git_repo``, ``git_remote``, ``git_config``); importing
them registers them on the one ``mod`` declared in :mod:`saline.modules.git_common`.
"""

from __future__ import annotations

from saline.modules import git_config, git_remote, git_repo  # noqa: F401 (register)
from saline.modules.git_common import mod

__all__ = ["mod"]
