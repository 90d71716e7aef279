"""State module ``git``: ``git.latest`` (in :mod:`git_latest`), ``git.detached``, ``git.cloned``,
``git.present``, ``git.config_set`` and ``git.config_unset`` (in :mod:`git_simple`), all through the
``git`` execution module, with Salt's comments and changes."""

from __future__ import annotations

from saline.states import git_detached, git_latest, git_simple  # noqa: F401 (register)
from saline.states.git_base import st

__all__ = ["st"]
