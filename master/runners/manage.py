"""``manage.*`` runners: which minions are up, down, connected (Salt's ``salt.runners.manage``).

``up``/``down``/``status`` ask the minions (``test.ping`` through the daemon's ``ping``); the
``present``/``alived``/... family only reads the master's presence table and sends nothing.
"""

from __future__ import annotations

from typing import Any

from saline.errors import SaltInvocationError
from saline.matchers import match


def _expected(api: Any, tgt: Any, tgt_type: str) -> list[str]:
    """Accepted minions that ``tgt`` selects (grain and pillar types use the master's caches)."""
    out = []
    for minion in api.accepted():
        if match(tgt, tgt_type, minion, api.grains_cache.get(minion) or {}, api.pillar_cache.get(minion) or {},
                 opts=api.opts):
            out.append(minion)
    return out


def _ping(api: Any, tgt: Any, tgt_type: str, timeout: Any) -> list[str]:
    ping = api.need("ping", "manage.up")
    wait = float(timeout if timeout is not None else api.opts.get("timeout", 5))
    return sorted(set(ping(tgt, tgt_type, wait) or []))


def status(api: Any, output: bool = True, tgt: Any = "*", tgt_type: str = "glob", timeout: Any = None,
           gather_job_timeout: Any = None) -> dict[str, list[str]]:
    """``{"up": [...], "down": [...]}``: targeted accepted minions that answered a ping, and those that did not.

    CLI Example: ``saline-run manage.status tgt='web*'``
    """
    up_ids = _ping(api, tgt, tgt_type, timeout)
    down_ids = sorted(set(_expected(api, tgt, tgt_type)) - set(up_ids))
    return {"up": up_ids, "down": down_ids}


def up(api: Any, tgt: Any = "*", tgt_type: str = "glob", timeout: Any = None,
       gather_job_timeout: Any = None) -> list[str]:
    """Sorted ids of the targeted minions that answer a ping.

    CLI Example: ``saline-run manage.up``
    """
    return status(api, tgt=tgt, tgt_type=tgt_type, timeout=timeout)["up"]


def down(api: Any, removekeys: bool = False, tgt: Any = "*", tgt_type: str = "glob", timeout: Any = None,
         gather_job_timeout: Any = None) -> list[str]:
    """Sorted ids of targeted accepted minions that do not answer; ``removekeys=True`` deletes their keys.

    CLI Example: ``saline-run manage.down removekeys=True``
    """
    ids = status(api, tgt=tgt, tgt_type=tgt_type, timeout=timeout)["down"]
    if removekeys and ids:
        api.need("remove_keys", "manage.down removekeys=True")(ids)
    return ids


def _subset(subset: Any) -> set[str] | None:
    if subset in (None, ""):
        return None
    if isinstance(subset, str):
        return {s.strip() for s in subset.split(",") if s.strip()}
    if isinstance(subset, (list, tuple, set)):
        return {str(s) for s in subset}
    raise SaltInvocationError("subset must be a list of minion ids (or a comma-separated string)")


def _connected(api: Any, subset: Any, show_ip: bool) -> Any:
    wanted = _subset(subset)
    ids = sorted(m for m in api.presence if wanted is None or m in wanted)
    if show_ip:
        return {m: api.addresses.get(m, "") for m in ids}
    return ids


def _not_connected(api: Any, subset: Any, show_ip: bool) -> Any:
    wanted = _subset(subset)
    ids = [m for m in api.accepted() if m not in api.presence and (wanted is None or m in wanted)]
    if show_ip:
        return {m: api.addresses.get(m, "") for m in ids}
    return ids


def list_state(api: Any, subset: Any = None, show_ip: bool = False) -> Any:
    """Minions connected to the master now (no command is sent); ``show_ip=True`` maps id -> address.

    CLI Example: ``saline-run manage.list_state``
    """
    return _connected(api, subset, show_ip)


def list_not_state(api: Any, subset: Any = None, show_ip: bool = False) -> Any:
    """Accepted minions that are not connected now.

    CLI Example: ``saline-run manage.list_not_state``
    """
    return _not_connected(api, subset, show_ip)


def present(api: Any, subset: Any = None, show_ip: bool = False) -> Any:
    """Minions connected now, by the master's presence detection.

    CLI Example: ``saline-run manage.present``
    """
    return _connected(api, subset, show_ip)


def not_present(api: Any, subset: Any = None, show_ip: bool = False) -> Any:
    """Accepted minions that are not connected now.

    CLI Example: ``saline-run manage.not_present``
    """
    return _not_connected(api, subset, show_ip)


def alived(api: Any, subset: Any = None, show_ip: bool = False) -> Any:
    """Same as :func:`present` (Salt's other name for it).

    CLI Example: ``saline-run manage.alived``
    """
    return _connected(api, subset, show_ip)


def not_alived(api: Any, subset: Any = None, show_ip: bool = False) -> Any:
    """Same as :func:`not_present`.

    CLI Example: ``saline-run manage.not_alived``
    """
    return _not_connected(api, subset, show_ip)


def allowed(api: Any, subset: Any = None, show_ip: bool = False) -> Any:
    """Same as :func:`present` (Salt's other name for it).

    CLI Example: ``saline-run manage.allowed``
    """
    return _connected(api, subset, show_ip)


def not_allowed(api: Any, subset: Any = None, show_ip: bool = False) -> Any:
    """Same as :func:`not_present`.

    CLI Example: ``saline-run manage.not_allowed``
    """
    return _not_connected(api, subset, show_ip)


def joined(api: Any, subset: Any = None, show_ip: bool = False) -> Any:
    """Same as :func:`present` (Salt's other name for it).

    CLI Example: ``saline-run manage.joined``
    """
    return _connected(api, subset, show_ip)


def not_joined(api: Any, subset: Any = None, show_ip: bool = False) -> Any:
    """Same as :func:`not_present`.

    CLI Example: ``saline-run manage.not_joined``
    """
    return _not_connected(api, subset, show_ip)
