"""The master's in-memory grains of its minions, kept as msgpack bytes.

A minion's grains are a few kilobytes of msgpack but five to ten times that as Python objects; a master
with 1,000 minions would hold ~25 MB of dicts for data it reads only when a target needs grains
(``G@``, ``-G``, ``-P``, ``-S``, compound) or a runner asks. So each minion's grains stay packed and are
unpacked on access; every access gets a fresh copy, which callers may change freely.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from saline import wire

# Target types the master resolves from the minion id alone.
ID_ONLY_TARGETS = frozenset({"glob", "pcre", "list"})


class GrainsCache(MutableMapping[str, dict[str, Any]]):
    """``{minion_id: grains}``; values are stored packed (see the module docstring)."""

    def __init__(self) -> None:
        self._packed: dict[str, bytes] = {}

    def set_packed(self, minion_id: str, packed: bytes) -> None:
        self._packed[minion_id] = packed

    def packed(self, minion_id: str) -> bytes | None:
        return self._packed.get(minion_id)

    def __getitem__(self, minion_id: str) -> dict[str, Any]:
        data = wire.unpack(self._packed[minion_id])
        return data if isinstance(data, dict) else {}

    def __setitem__(self, minion_id: str, grains: dict[str, Any]) -> None:
        self._packed[minion_id] = wire.pack(grains)

    def __delitem__(self, minion_id: str) -> None:
        del self._packed[minion_id]

    def __contains__(self, minion_id: object) -> bool:
        return minion_id in self._packed

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._packed))

    def __len__(self) -> int:
        return len(self._packed)
