"""The ordered mapping the YAML renderer builds, printed the way Salt prints it.

Salt's YAML renderer returns ``OrderedDict`` mappings, so ``{{ pillar.x }}`` shows
``OrderedDict([('k', 1)])`` and ``{{ pillar.x | yaml }}`` keeps the file's key order, while data
from ``load_yaml``/``import_yaml`` is a plain dict (printed ``{'k': 1}``, dumped with sorted keys).
The explicit ``__repr__`` keeps that text the same on every Python version (3.12 changed it).
"""

from __future__ import annotations

import reprlib
from collections import OrderedDict
from typing import Any


class SaltOrderedDict(OrderedDict):  # type: ignore[type-arg]
    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        if not self:
            return "OrderedDict()"
        return f"OrderedDict({list(self.items())!r})"

    def __reduce__(self) -> Any:
        return (SaltOrderedDict, (list(self.items()),))


class TemplateOrderedDict(OrderedDict):  # type: ignore[type-arg]
    """Salt's ``odict`` Jinja global: ordered (``| yaml`` keeps the order) but printed like a dict."""

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        return dict.__repr__(self)
