"""Module ``state``: render, compile and apply state trees.

The functions live in two files by concern: ``state_show`` (compile and show, read-only) and
``state_apply`` (run states). Both register on the one ``mod`` declared here.
"""

from __future__ import annotations

from saline.loader import Module

mod = Module("state", doc="Render, compile, show and apply SLS state trees.")

# Imported for their registrations on `mod`.
from saline.modules import state_apply, state_show  # noqa: E402, F401
