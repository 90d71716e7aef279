"""State module ``sysctl``: a kernel parameter set now and persisted in a sysctl config file."""

from __future__ import annotations

import os
from typing import Any

from saline.errors import CommandExecutionError
from saline.states.api import Plan, StateModule, ret

st = StateModule("sysctl", doc="Manage kernel parameters.")


def _same(a: Any, b: Any) -> bool:
    # the kernel prints multi-value parameters tab-separated whatever was written
    return str(a).split() == str(b).split()


def _configured_value(path: str, name: str) -> str | None:
    """The value ``persist`` compares: the first uncommented ``name = ...`` line of the file."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            key, sep, value = line.partition("=")
            if sep and not key.strip().startswith("#") and key.strip() == name:
                return value.strip()
    return None


def _test_comment(name: str, value: Any, current: str, in_config: bool) -> str:
    """Salt's test=True wording for what would happen."""
    if current and not in_config:
        if " ".join(current.split()) != " ".join(str(value).split()):
            return f"Sysctl option {name} set to be changed to {value}"
        return ("Sysctl value is currently set on the running system but not in a config file. Sysctl option "
                f"{name} set to be changed to {value} in config file.")
    if not current and in_config:
        return (f"Sysctl value {name} is present in configuration file but is not present in the running "
                f"config. The value {name} is set to be changed to {value}")
    return f"Sysctl option {name} would be changed to {value}"


@st.state
def present(ctx: Any, name: str, value: Any, config: Any = None, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure kernel parameter ``name`` is ``value`` now and in sysctl config file ``config`` (default
    ``sysctl.default_config``: /etc/sysctl.d/99-salt.conf under systemd, else /etc/sysctl.conf)."""
    name = str(name)
    config = str(config) if config else ctx.salt["sysctl.default_config"]()
    failed = f"Failed to set {name} to {value}: "
    try:
        current = ctx.salt["sysctl.get"](name)
        if current.startswith("sysctl: cannot stat"):
            return ret(name, False, {}, failed + f"sysctl {name} does not exist")
        configured = _configured_value(config, name) if os.path.isfile(config) else None
    except CommandExecutionError as exc:
        return ret(name, False, {}, failed + str(exc))
    except OSError as exc:
        return ret(name, False, {}, failed + f"Could not read from file: {config} ({exc.strerror})")
    if configured is not None and _same(configured, value) and _same(current, value):
        return ret(name, True, {}, f"Sysctl value {name} = {value} is already set")

    def apply(actx: Any) -> dict[str, Any]:
        try:
            actx.salt["sysctl.persist"](name, value, config=config)
        except CommandExecutionError as exc:
            return ret(name, False, {}, failed + str(exc))
        return ret(name, True, {name: value}, f"Updated sysctl value {name} = {value}")

    return Plan(name, {}, _test_comment(name, value, current, configured is not None), apply)
