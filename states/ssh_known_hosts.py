"""State module ``ssh_known_hosts``: a host's key present in (or the host absent from) a known_hosts file.

Without ``user`` the file is ``/etc/ssh/ssh_known_hosts`` (``config`` must then be absolute); with it,
``~user/.ssh/known_hosts``. Without ``key`` the host's keys are fetched with ``ssh-keyscan`` when the
state runs (and checked against ``fingerprint`` when given); under test=True nothing is fetched.
"""

from __future__ import annotations

import os
from typing import Any

from saline.errors import CommandExecutionError, CommandNotFoundError, SaltInvocationError
from saline.states.api import Plan, StateModule, ret

st = StateModule("ssh_known_hosts", doc="Manage entries in ssh known_hosts files.")

_ABSOLUTE = 'If not specifying a "user", specify an absolute "config".'


def _config(user: Any, config: Any) -> str:
    return str(config or (".ssh/known_hosts" if user else "/etc/ssh/ssh_known_hosts"))


@st.state
def present(ctx: Any, name: str, user: Any = None, fingerprint: Any = None, key: Any = None, port: Any = None,
            enc: Any = None, config: Any = None, hash_known_hosts: bool = True, timeout: int = 5,
            fingerprint_hash_type: Any = None) -> dict[str, Any] | Plan:
    """Ensure host ``name`` is known with the ``enc`` key ``key`` (or a key matching ``fingerprint``)."""
    config = _config(user, config)
    if not user and not os.path.isabs(config):
        return ret(name, False, {}, _ABSOLUTE)
    if key and fingerprint:
        return ret(name, False, {}, 'Specify either "key" or "fingerprint", not both.')
    if key and not enc:
        return ret(name, False, {}, 'Required argument "enc" if using "key" argument.')
    try:
        status = ctx.salt["ssh.check_known_host"](user, name, key=key, fingerprint=fingerprint, config=config,
                                                  port=port, fingerprint_hash_type=fingerprint_hash_type)
    except CommandNotFoundError as exc:
        return ret(name, False, {}, f"ssh.check_known_host error: {exc}")
    except (CommandExecutionError, SaltInvocationError) as exc:
        return ret(name, False, {}, str(exc))
    testing = bool(ctx.opts.get("test"))
    # a known host without key or fingerprint is compared with what it offers when run (as Salt does)
    if status == "exists" and (testing or key or fingerprint):
        return ret(name, True, {}, f"Host {name} is already in {config}" if testing
                   else f"{name} already exists in {config}")

    def save(actx: Any) -> dict[str, Any]:
        result = actx.salt["ssh.set_known_host"](
            user=user, hostname=name, fingerprint=fingerprint, key=key, port=port, enc=enc, config=config,
            hash_known_hosts=hash_known_hosts, timeout=timeout, fingerprint_hash_type=fingerprint_hash_type)
        if result["status"] == "exists":
            return ret(name, True, {}, f"{name} already exists in {config}")
        if result["status"] == "error":
            return ret(name, False, {}, result["error"])
        changes = {"old": result["old"], "new": result["new"]}
        first = result["new"][0]
        if key:
            comment = f"{name}'s key saved to {config} (key: {first['key']})"
        elif fingerprint:
            comment = f"{name}'s key saved to {config} (fingerprint: {first['fingerprint']})"
        elif enc:
            comment = f"{name}'s {enc} key saved to {config} (key: {first['key']})"
        else:
            comment = f"{name}'s key(s) saved to {config}"
        return ret(name, True, changes, comment)

    verb = "added to" if status == "add" else "updated in"
    return Plan(name, {}, f"Key for {name} is set to be {verb} {config}", save)


@st.state
def absent(ctx: Any, name: str, user: Any = None, config: Any = None) -> dict[str, Any] | Plan:
    """Ensure host ``name`` has no entry in the known_hosts file."""
    config = _config(user, config)
    if not user and not os.path.isabs(config):
        return ret(name, False, {}, _ABSOLUTE)
    try:
        known = ctx.salt["ssh.get_known_host_entries"](user=user, hostname=name, config=config)
    except (CommandExecutionError, SaltInvocationError) as exc:
        return ret(name, False, {}, str(exc))
    if not known:
        return ret(name, True, {}, "Host is already absent")

    def remove(actx: Any) -> dict[str, Any]:
        result = actx.salt["ssh.rm_known_host"](user=user, hostname=name, config=config)
        if result["status"] == "error":
            return ret(name, False, {}, result["error"])
        return ret(name, True, {"old": known, "new": None}, result["comment"])

    return Plan(name, {}, f"Key for {name} is set to be removed from {config}", remove)
