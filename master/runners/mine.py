"""``mine.*`` runners: the mine data the master keeps for its minions (Salt's ``salt.runners.mine``)."""

from __future__ import annotations

from typing import Any

from saline.errors import SaltInvocationError


def get(api: Any, tgt: Any, fun: Any, tgt_type: str = "glob", **kwargs: Any) -> dict[str, Any]:
    """Mine data of ``fun`` for the minions ``tgt`` matches: ``{minion_id: data}``, or
    ``{fun: {minion_id: data}}`` for several functions (a list or a comma-separated string). ``fun`` may
    be a glob. The master sees every entry, including those published with ``allow_tgt``.

    CLI Example: ``saline-run mine.get 'roles:web' network.ip_addrs grain``
    """
    from saline.matchers import validate_target

    if isinstance(fun, str):
        patterns = list(dict.fromkeys(f.strip() for f in fun.split(",") if f.strip()))
        keyed = len(patterns) > 1
    elif isinstance(fun, list | tuple) and fun and all(isinstance(f, str) for f in fun):
        patterns, keyed = list(fun), True
    else:
        raise SaltInvocationError("fun must be a function name, a comma-separated string or a list of names")
    if not patterns:
        raise SaltInvocationError("fun must name at least one function")
    tgt_type = tgt_type or "glob"
    validate_target(tgt, tgt_type, nodegroups=api.opts.get("nodegroups") or {})
    store = api.need("mine", "mine.get")
    minions = api.need("expected_minions", "mine.get")(tgt, tgt_type)
    return store.get(minions, patterns, keyed, lambda _tgt, _type: True)
