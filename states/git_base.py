"""The ``git`` state module object, shared by the files that register its state functions."""

from __future__ import annotations

from saline.states.api import StateModule

st = StateModule("git", doc="Git checkouts, repositories and git configuration.")
