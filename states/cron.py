"""State module ``cron``: jobs and environment variables in a user's crontab (Salt's managed layout).

``name`` is the command. Without ``identifier`` the command itself identifies the job (Salt's
default), so renaming the command adds a new job; with one, the job is found by it and rewritten.
The prediction is computed with the same edit functions the ``cron`` module applies
(:mod:`saline.crontab`); under test=True the comment is Salt's own check.
"""

from __future__ import annotations

import os
from typing import Any

from saline import crontab
from saline.states.api import Plan, StateModule, ret

st = StateModule("cron", doc="Manage cron jobs and crontab environment variables.")


def _failed(kind: str, name: str, user: str, error: str, newline: bool = True) -> dict[str, Any]:
    sep = " \n" if newline else " "
    return ret(name, False, {}, f"{kind} {name} for user {user} failed to commit with error{sep}{error}")


@st.state
def present(ctx: Any, name: str, user: str = "root", minute: Any = "*", hour: Any = "*", daymonth: Any = "*",
            month: Any = "*", dayweek: Any = "*", comment: Any = None, commented: bool = False,
            identifier: Any = False, special: Any = None) -> dict[str, Any] | Plan:
    """Ensure the job ``name`` is in ``user``'s crontab at the given times (or ``special``, e.g. ``@daily``)."""
    name = str(name).strip()
    if identifier is False:
        identifier = name
    identifier = None if identifier is None else str(identifier)
    commented = commented is True
    tab = ctx.salt["cron.list_tab"](user)
    times = {f: str(v).lower() for f, v in zip(crontab.TIME_FIELDS, (minute, hour, daymonth, month, dayweek),
                                                  strict=True)}
    if ctx.opts.get("test"):
        status = crontab.check(tab, name, special=special, identifier=identifier, comment=comment,
                               commented=commented, **times)
        changing = status != "present"
        comment_ = {"absent": f"Cron {name} is set to be added",
                    "update": f"Cron {name} is set to be updated"}.get(status, "")
    else:
        if special is None:
            _, outcome = crontab.set_job(tab, *times.values(), name, commented=commented, comment=comment,
                                         identifier=identifier)
        else:
            _, outcome = crontab.set_special(tab, str(special), name, commented=commented, comment=comment,
                                             identifier=identifier)
        changing, comment_ = outcome != "present", ""
    if not changing:
        return ret(name, True, {}, f"Cron {name} already present")

    def apply(actx: Any) -> dict[str, Any]:
        if special is None:
            data = actx.salt["cron.set_job"](user=user, minute=minute, hour=hour, daymonth=daymonth, month=month,
                                             dayweek=dayweek, cmd=name, comment=comment, commented=commented,
                                             identifier=identifier)
        else:
            data = actx.salt["cron.set_special"](user=user, special=special, cmd=name, comment=comment,
                                                 commented=commented, identifier=identifier)
        if data == "present":
            return ret(name, True, {}, f"Cron {name} already present")
        if data == "new":
            return ret(name, True, {user: name}, f"Cron {name} added to {user}'s crontab")
        if data == "updated":
            return ret(name, True, {user: name}, f"Cron {name} updated")
        return _failed("Cron", name, user, data)

    return Plan(name, {}, comment_, apply)


@st.state
def absent(ctx: Any, name: str, user: str = "root", identifier: Any = False, special: Any = None,
           **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure the job ``name`` (or the one with ``identifier``) is not in ``user``'s crontab."""
    name = str(name).strip()
    if identifier is False:
        identifier = name
    tab = ctx.salt["cron.list_tab"](user)
    if ctx.opts.get("test"):
        found = crontab.check(tab, name, identifier=identifier) != "absent"
    elif special is None:
        found = crontab.remove_job(tab, name, identifier=identifier)[1] == "removed"
    else:
        found = crontab.remove_special(tab, name, special=special, identifier=identifier)[1] == "removed"
    if not found:
        return ret(name, True, {}, f"Cron {name} is absent" if ctx.opts.get("test") else f"Cron {name} already absent")

    def apply(actx: Any) -> dict[str, Any]:
        if special is None:
            data = actx.salt["cron.rm_job"](user, name, identifier=identifier)
        else:
            data = actx.salt["cron.rm_special"](user, name, special=special, identifier=identifier)
        if data == "absent":
            return ret(name, True, {}, f"Cron {name} already absent")
        if data == "removed":
            return ret(name, True, {user: name}, f"Cron {name} removed from {user}'s crontab")
        return _failed("Cron", name, user, data, newline=False)

    return Plan(name, {}, f"Cron {name} is set to be removed", apply)


@st.state
def env_present(ctx: Any, name: str, value: Any = None, user: str = "root") -> dict[str, Any] | Plan:
    """Ensure ``NAME=value`` is set in ``user``'s crontab."""
    value = None if value is None else str(value)
    tab = ctx.salt["cron.list_tab"](user)
    compared = "" if value is None and ctx.opts.get("test") else value
    _, status = crontab.set_env(tab, name, compared)
    if status == "present":
        return ret(name, True, {}, f"Cron env {name} already present")

    def apply(actx: Any) -> dict[str, Any]:
        data = actx.salt["cron.set_env"](user, name, value=value)
        if data == "present":
            return ret(name, True, {}, f"Cron env {name} already present")
        if data == "new":
            return ret(name, True, {user: name}, f"Cron env {name} added to {user}'s crontab")
        if data == "updated":
            return ret(name, True, {user: name}, f"Cron env {name} updated")
        return _failed("Cron env", name, user, data)

    verb = "added" if status == "new" else "updated"
    return Plan(name, {}, f"Cron env {name} is set to be {verb}", apply)


@st.state
def env_absent(ctx: Any, name: str, user: str = "root") -> dict[str, Any] | Plan:
    """Ensure the variable ``name`` is not set in ``user``'s crontab."""
    name = str(name).strip()
    tab = ctx.salt["cron.list_tab"](user)
    if crontab.remove_env(tab, name)[1] == "absent":
        return ret(name, True, {}, f"Cron env {name} is absent" if ctx.opts.get("test")
                   else f"Cron env {name} already absent")

    def apply(actx: Any) -> dict[str, Any]:
        data = actx.salt["cron.rm_env"](user, name)
        if data == "absent":
            return ret(name, True, {}, f"Cron env {name} already absent")
        if data == "removed":
            return ret(name, True, {user: name}, f"Cron env {name} removed from {user}'s crontab")
        return _failed("Cron env", name, user, data, newline=False)

    return Plan(name, {}, f"Cron env {name} is set to be removed", apply)


@st.state(name="file")
def file_(ctx: Any, name: str, source_hash: Any = "", source_hash_name: Any = None, user: str = "root",
          template: Any = None, context: Any = None, replace: bool = True, defaults: Any = None, backup: Any = "",
          saltenv: str = "base", **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure ``user``'s whole crontab is the file ``name`` (``salt://`` or local, optionally a template)."""
    from saline.states.file_common import StateError, content_diff, parse_hash, read_source, resolve_source
    from saline.states.file_sys import FS

    info = ctx.salt["user.info"](user)
    if not info or not info.get("groups"):
        return ret(name, False, {}, f"Could not identify group for user {user}")
    group = info["groups"][0]
    current = ctx.salt["cron.raw_cron"](user)
    if not current.endswith("\n"):
        current += "\n"
    if not replace:  # Salt's test: the current crontab is never empty once a newline is added
        return ret(name, True, {}, f"User {user} already has a crontab. No changes made")
    fs = FS(ctx)
    try:
        src = resolve_source(ctx, fs, name, source_hash, saltenv)
        wanted_hash = parse_hash(src.source_hash)
        if wanted_hash and not template:
            import hashlib

            real = hashlib.new(wanted_hash[0], fs.read(src.local)).hexdigest()
            if real != wanted_hash[1]:
                return ret(name, False, {}, f"Unable to manage file: Source file {name} has hash {real}, "
                           f"which does not match the source_hash {wanted_hash[1]}")
        data = read_source(ctx, fs, src, template, saltenv, context, defaults)
    except (StateError, ValueError) as exc:
        return ret(name, False, {}, f"Unable to manage file: {exc}")
    diff = content_diff(current.encode("utf-8", "surrogateescape"), data)
    if not diff:
        return ret(name, True, {}, f"Crontab for user {user} is in the correct state")

    def install(actx: Any) -> dict[str, Any]:
        import tempfile

        fd, path = tempfile.mkstemp(prefix="saline-cron-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            done = actx.salt["cron.write_cron_file_verbose"](user, path)
        finally:
            os.unlink(path)
        if done["retcode"] != 0:
            return ret(name, False, {}, f"Unable to update user {user} crontab {path}. Error: {done['stderr']}")
        changes: dict[str, Any] = {"diff": diff}
        # Salt stages the crontab in a root-owned temp file given to the user, and reports that too
        if user != "root":
            changes["user"] = user
        if group != "root":
            changes["group"] = group
        return ret(name, True, changes, f"Crontab for user {user} was updated")

    return Plan(name, {}, f"The following values are set to be changed:\ndiff: {diff}\n", install)
