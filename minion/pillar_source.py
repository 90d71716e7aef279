"""Where this host's pillar comes from: the pillar compiler over the local ``pillar_roots``.

``opts["pillar"]`` (static data from the configuration) is the base, the matched pillar SLS files
are merged over it, and ``opts["pillar_override"]`` (``pillar='{...}'`` on the command line) last.
"""

from __future__ import annotations

from typing import Any


def compile_pillar(opts: dict[str, Any], grains: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """This minion's pillar; keyword arguments as :func:`saline.pillar.compile_pillar`."""
    from saline.pillar import compile_pillar as _compile

    return _compile(opts, grains, **kwargs)
