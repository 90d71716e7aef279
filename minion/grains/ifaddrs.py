"""This host's network interfaces: the collection lives in :mod:`saline.netif` (shared with the
``network`` execution module); re-exported here for the grains code."""

from __future__ import annotations

from saline.netif import Interface, _fallback_interfaces, live_interfaces

__all__ = ["Interface", "_fallback_interfaces", "live_interfaces"]
