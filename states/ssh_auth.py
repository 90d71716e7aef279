"""State module ``ssh_auth``: keys in a user's ``authorized_keys`` present, absent, or exactly managed.

``name`` is a key (the base64 text), optionally with Salt's full-line spellings ``enc key comment``
and ``options enc key comment``; ``source`` names a file of keys instead. Comments and change
shapes are Salt's (``{key: New|Updated|Removed}``).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.states.api import Plan, StateModule, ret

st = StateModule("ssh_auth", doc="Manage keys in users' authorized_keys files.")

DEFAULT_CONFIG = ".ssh/authorized_keys"
_FULL_KEY = re.compile(r"^(.*?)\s?((?:sk-)?(?:ssh\-|ecds)[\w-]+\s.+)$")
_FAILED = ("Failed to add the ssh key. Is the home directory available, and/or does the key file exist?")
_INVALID = "Invalid public ssh key, most likely has spaces or invalid syntax"


def split_key(name: str, enc: str, comment: str, options: Any) -> tuple[str, str, str, list[str]]:
    """``name`` as (key, enc, comment, options): a bare key with an optional comment, or a full line."""
    found = _FULL_KEY.search(name)
    if not found:
        key, _, rest = name.strip().partition(" ")
        return key, enc, rest.strip() or comment, list(options or [])
    if found.group(1):
        options = found.group(1).split(",")
    fields = found.group(2).split(None, 2)
    return fields[1], fields[0], fields[2] if len(fields) == 3 else comment, list(options or [])


def _base64(key: str) -> bool:
    try:
        base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _check_source(ctx: Any, user: str, source: str, config: str, fht: Any, saltenv: str) -> dict[str, str] | str:
    """Status per key of ``source``, or a failure comment."""
    try:
        return ctx.salt["ssh.check_key_file"](user, source, config, saltenv=saltenv, fingerprint_hash_type=fht)
    except CommandExecutionError as exc:
        if str(exc).startswith("Failed to pull key file"):
            return f"Failed to add the ssh key. Source file {source} is missing"
        return str(exc)
    except SaltInvocationError as exc:
        return str(exc)


@st.state
def present(ctx: Any, name: str, user: str, enc: str = "ssh-rsa", comment: str = "", source: str = "",
            options: Any = None, config: str = DEFAULT_CONFIG, fingerprint_hash_type: Any = None,
            saltenv: str = "base", **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure the key ``name`` (or every key of the file ``source``) is in ``user``'s authorized keys."""
    fht = fingerprint_hash_type
    if source:
        checked = _check_source(ctx, user, source, config, fht, saltenv)
        if isinstance(checked, str):
            return ret(name, False, {}, checked)
        todo = "".join(f"Set to {status}: {key}\n" for key, status in checked.items() if status != "exists")
        if not todo:  # Salt says the first under test=True, the second when run
            done = f"The authorized host key {name} is already present for user {user}"
            return ret(name, True, {}, f"All host keys in file {source} are already present"
                       if ctx.opts.get("test") else done)

        def add_file(actx: Any) -> dict[str, Any]:
            data = actx.salt["ssh.set_auth_key_from_file"](user, source, config=config, saltenv=saltenv,
                                                           fingerprint_hash_type=fht)
            return _present_result(name, user, data)

        return Plan(name, {}, todo, add_file)

    key, enc, comment, opts = split_key(name, enc, comment, options)
    if not _base64(key):  # Salt would only find out when writing, after promising an addition
        return ret(name, False, {}, _INVALID)
    try:
        status = ctx.salt["ssh.check_key"](user, key, enc, comment, opts, config=config,
                                           fingerprint_hash_type=fht)
    except CommandExecutionError as exc:
        return ret(name, False, {}, str(exc))
    if status == "exists":
        return ret(name, True, {}, f"The authorized host key {key} is already present for user {user}")

    def add(actx: Any) -> dict[str, Any]:
        data = actx.salt["ssh.set_auth_key"](user, key, enc=enc, comment=comment, options=opts, config=config,
                                             fingerprint_hash_type=fht)
        return _present_result(key, user, data, name)

    verb = "updated" if status == "update" else "added"
    return Plan(name, {}, f"Key {key} for user {user} is set to be {verb}", add)


def _present_result(key: str, user: str, data: str, name: str | None = None) -> dict[str, Any]:
    name = name or key
    if data == "replace":
        return ret(name, True, {key: "Updated"}, f"The authorized host key {key} for user {user} was updated")
    if data == "new":
        return ret(name, True, {key: "New"}, f"The authorized host key {key} for user {user} was added")
    if data == "no change":
        return ret(name, True, {}, f"The authorized host key {key} is already present for user {user}")
    if data in ("invalid", "Invalid public key"):
        return ret(name, False, {}, _INVALID)
    return ret(name, False, {}, _FAILED)


@st.state
def absent(ctx: Any, name: str, user: str, enc: str = "ssh-rsa", comment: str = "", source: str = "",
           options: Any = None, config: str = DEFAULT_CONFIG, fingerprint_hash_type: Any = None,
           saltenv: str = "base", **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure the key ``name`` (or every key of the file ``source``) is not in ``user``'s authorized keys."""
    fht = fingerprint_hash_type
    testing = bool(ctx.opts.get("test"))
    if source:
        checked = _check_source(ctx, user, source, config, fht, saltenv)
        if isinstance(checked, str):
            return ret(name, False, {}, checked)
        todo = "".join(f"Set to remove: {key}\n" for key, status in checked.items() if status != "add")
        if not todo:
            # Salt says this under test=True, and the remover's answer otherwise
            return ret(name, True, {}, f"All host keys in file {source} are already absent" if testing
                       else "Key not present")

        def remove_file(actx: Any) -> dict[str, Any]:
            said = actx.salt["ssh.rm_auth_key_from_file"](user, source, config, saltenv=saltenv,
                                                          fingerprint_hash_type=fht)
            return ret(name, said != "Key not removed", {name: "Removed"} if said == "Key removed" else {}, said)

        return Plan(name, {}, todo, remove_file)

    key, enc, comment, opts = split_key(name, enc, comment, options)
    try:
        status = ctx.salt["ssh.check_key"](user, key, enc, comment, opts, config=config,
                                           fingerprint_hash_type=fht)
    except CommandExecutionError as exc:
        return ret(name, False, {}, str(exc))
    if status == "add":
        return ret(name, True, {}, "Key is already absent" if testing else "Key not present")

    def remove(actx: Any) -> dict[str, Any]:
        said = actx.salt["ssh.rm_auth_key"](user, key, config=config, fingerprint_hash_type=fht)
        return ret(name, said != "Key not removed", {key: "Removed"} if said == "Key removed" else {}, said)

    return Plan(name, {}, f"Key {key} for user {user} is set for removal", remove)


@st.state
def manage(ctx: Any, name: str, ssh_keys: Any, user: str, enc: str = "ssh-rsa", comment: str = "",
           source: str = "", options: Any = None, config: str = DEFAULT_CONFIG, fingerprint_hash_type: Any = None,
           saltenv: str = "base", **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure ``user``'s authorized keys are exactly ``ssh_keys``: other keys are removed."""
    if isinstance(ssh_keys, str) or not isinstance(ssh_keys, list):
        return ret(name, False, {}, "ssh_keys must be a list of keys")
    fht = fingerprint_hash_type
    wanted_words = {word for entry in ssh_keys for word in str(entry).split(" ")}
    existing = ctx.salt["ssh.auth_keys"](user=user, config=config, fingerprint_hash_type=fht)
    removals = sorted(set(existing) - wanted_words)
    outcomes = [present(ctx, str(entry), user, enc, comment, source, options, config, fht, saltenv)
                for entry in ssh_keys]
    failed = [o for o in outcomes if isinstance(o, dict) and o["result"] is False]
    plans = [o for o in outcomes if isinstance(o, Plan)]
    if not removals and not plans:
        comments = "\n".join(o["comment"] for o in outcomes if isinstance(o, dict))
        return ret(name, not failed, {}, comments)
    lines = [f"{key} Key set for removal" for key in removals[-1:]]
    lines += [o.test_comment.strip() if isinstance(o, Plan) else o["comment"] for o in outcomes]

    def apply(actx: Any) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        comments: list[str] = []
        result = not failed
        for key in removals:
            changes[key] = actx.salt["ssh.rm_auth_key"](user, key, config=config, fingerprint_hash_type=fht)
        for outcome in outcomes:
            done = outcome.apply(actx) if isinstance(outcome, Plan) else outcome
            if done["changes"]:
                changes.update(done["changes"])
            else:
                comments.append(done["comment"])
            result = result and done["result"] is not False
        return ret(name, result, changes, "\n".join(comments).strip())

    return Plan(name, {}, "\n".join(lines).strip(), apply)
