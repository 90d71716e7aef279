"""State module ``service``: services running or dead, enabled or disabled at boot, and restarted on watch.

States plan with the read-only ``service`` functions (``available``, ``status``, ``enabled``,
``masked``) and return a :class:`Plan` whose ``apply`` starts, stops, enables or disables. Comments,
``changes`` and results follow Salt 3007 word for word, including its shapes under test=True (result
None with empty ``changes``: "Service X is set to start"), which lets a ``watch`` still report
"Service is set to be restarted" in a dry run.

``mod_watch`` restarts a running service (reloads it with ``reload: True``, ``force: True`` for
force-reload), starts a stopped one, and stops a ``service.dead`` one. The runner only calls it when
the watching state itself changed nothing, so a service this same run had to start is not restarted
again.

On purpose, unlike Salt: after a successful start or stop the state waits up to ``timeout`` seconds
(default 5) for the status to follow, instead of judging on one immediate check (init scripts that
return before the daemon is up or gone, zombies not reaped yet); ``timeout`` also bounds the init
script or systemctl call itself; a failed ``service.masked`` result is False, not True.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.states.api import Plan, StateModule, ret

st = StateModule("service", doc="Start, stop, enable and disable services; restart them on watched changes.")

# Arguments only systemd's functions understand; passed through when the backend accepts them.
SYSTEMD_ONLY = ("no_block", "unmask", "unmask_runtime")
SETTLE_SECONDS = 5.0
_POLL = 0.1

Partial = dict[str, Any]


# ---- small helpers ---------------------------------------------------------------------------------

def _no_backend(ctx: Any, name: str) -> dict[str, Any] | None:
    if "service.start" in ctx.salt:
        return None
    where = ctx.grains.get("osfinger") or ctx.grains.get("os") or "this system"
    return ret(name, False, {}, "No service execution module loaded: check support for service management "
                                f"on {where} ")


def _is_true(value: Any) -> Any:
    """Salt's reading of ``enable: "True"`` strings; other values are kept as given."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value


def _extra(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The state's extra arguments without the runner's private keys."""
    return {k: v for k, v in kwargs.items() if not k.startswith("__")}


def _named_params(ctx: Any, fun: str) -> set[str]:
    params = inspect.signature(ctx.salt.function(fun).fn).parameters
    return {n for n, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}


def _backend_args(ctx: Any, fun: str, kwargs: dict[str, Any], timeout: Any = None) -> dict[str, Any]:
    """The systemd-only arguments (and ``timeout``) that function ``fun`` of this backend declares."""
    named = _named_params(ctx, fun)
    passed = {arg: kwargs[arg] for arg in SYSTEMD_ONLY if arg in kwargs and arg in named}
    if timeout is not None and "timeout" in named:
        passed["timeout"] = timeout
    return passed


def _status(ctx: Any, name: str, sig: Any) -> bool:
    return bool(ctx.salt["service.status"](name, sig))


def _enabled_now(ctx: Any, name: str) -> bool:
    return bool(ctx.salt["service.enabled"](name)) if "service.enabled" in ctx.salt else True


def _settle_seconds(timeout: Any) -> float:
    try:
        value = float(timeout) if timeout not in (None, "") else SETTLE_SECONDS
    except (TypeError, ValueError):
        return SETTLE_SECONDS
    return max(value, 0.0)


def _wait_status(ctx: Any, name: str, sig: Any, want: bool, timeout: Any) -> bool:
    """The status, polled until it is ``want`` or the settle time is over."""
    deadline = time.monotonic() + _settle_seconds(timeout)
    current = _status(ctx, name, sig)
    while current != want and time.monotonic() < deadline:
        time.sleep(_POLL)
        current = _status(ctx, name, sig)
    return current


def _delay(init_delay: Any) -> None:
    if init_delay:
        time.sleep(float(init_delay))


def _available(ctx: Any, name: str) -> tuple[bool, str | None]:
    """(available, error message when the check itself failed)."""
    try:
        if "service.available" in ctx.salt:
            return bool(ctx.salt["service.available"](name)), None
        if "service.get_all" in ctx.salt:
            return name in ctx.salt["service.get_all"](), None
    except SaltInvocationError:
        return False, None  # a name no service can have
    except CommandExecutionError as exc:
        return False, str(exc)
    return False, None


def _enabled_used_error(name: str) -> dict[str, Any]:
    return ret(name, False, {}, f'Service {name} uses non-existent option "enabled".  '
                                'Perhaps "enable" option was intended?')


# ---- enable / disable at boot ------------------------------------------------------------------------
# ``started`` says what the caller did with the process: True (running), None (left as it was: the
# desired state), False (dead). The partial returns are merged into the state's return like Salt does.

_STARTED = {True: "running", None: "in the desired state", False: "dead"}


def _toggle_check(ctx: Any, name: str, want: bool, started: Any, result: Any,
                  kwargs: dict[str, Any]) -> tuple[Partial | None, bool]:
    """The finished partial return when no enable/disable is needed, else (None, state before)."""
    verb = "Enable" if want else "Disable"
    word = "enabled" if want else "disabled"
    ok, error = _available(ctx, name)
    if error is not None:
        return {"result": False, "comment": error}, False
    if not ok:
        return {"result": want is not True, "comment": f"The named service {name} is not available"}, False
    fun, query = ("service.enable", "service.enabled") if want else ("service.disable", "service.disabled")
    if fun not in ctx.salt or query not in ctx.salt:
        tail = {True: f"service {name} started", None: f"service {name} is in the desired state",
                False: f"service {name} is dead"}[started]
        return {"result": result, "comment": f"{verb} is not available on this minion, {tail}"}, False
    before = bool(ctx.salt[query](name, **kwargs) if want else ctx.salt[query](name))
    if before:
        partial: Partial = {"result": result}
        if started is None:
            partial["changes"] = {}
            partial["comment"] = f"Service {name} is already {word}, and is in the desired state"
        else:
            partial["comment"] = f"Service {name} is already {word}, and is {_STARTED[started]}"
        return partial, before
    return None, before


def _toggle_apply(ctx: Any, name: str, want: bool, started: Any, result: Any, before: bool,
                  kwargs: dict[str, Any]) -> Partial:
    word = "enabled" if want else "disabled"
    fun, query = ("service.enable", "service.enabled") if want else ("service.disable", "service.disabled")
    error = ""
    try:
        done = ctx.salt[fun](name, **kwargs)
    except CommandExecutionError as exc:
        done, error = False, str(exc)
    if done:
        after = bool(ctx.salt[query](name, **kwargs) if want else ctx.salt[query](name))
        return {"result": result, "changes": {name: True} if after != before else {},
                "comment": f"Service {name} has been {word}, and is {_STARTED[started]}"}
    if want:
        tail = {True: ", but the service is running", None: ", but the service was already running",
                False: ", and the service is dead"}[started]
        comment = f"Failed when setting service {name} to start at boot{tail}"
    else:
        tail = {True: ", and is running", None: ", but the service was already running",
                False: ", and the service is dead"}[started]
        comment = f"Failed when setting service {name} to not start at boot{tail}"
    if error:
        comment += f". Additional information follows:\n\n{error}"
    return {"result": False, "comment": comment}


def _toggle_test(name: str, want: bool) -> Partial:
    return {"result": None, "comment": f"Service {name} set to be {'enabled' if want else 'disabled'}"}


def _toggle(ctx: Any, name: str, want: bool, started: Any, result: Any, kwargs: dict[str, Any]) -> Partial:
    """Check, then (with a context allowed to act) enable or disable the service."""
    partial, before = _toggle_check(ctx, name, want, started, result, kwargs)
    if partial is not None:
        return partial
    return _toggle_apply(ctx, name, want, started, result, before, kwargs)


def _boot_plan(ctx: Any, out: dict[str, Any], name: str, enable: Any, started: Any,
               kwargs: dict[str, Any]) -> dict[str, Any] | Plan:
    """``out`` with the ``enable: True/False`` wish settled: finished, or a Plan to flip it."""
    if not isinstance(enable, bool):
        return out
    partial, before = _toggle_check(ctx, name, enable, started, True, kwargs)
    if partial is not None:
        return {**out, **partial}
    test = {**out, **_toggle_test(name, enable)}

    def apply(actx: Any) -> dict[str, Any]:
        return {**out, **_toggle_apply(actx, name, enable, started, True, before, kwargs)}

    return Plan(name, test["changes"], test["comment"], apply, extra=_rest(test))


def _rest(out: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in out.items() if k not in ("name", "changes", "result", "comment")}


# ---- masks (systemd) ------------------------------------------------------------------------------

def _mask_plan(ctx: Any, name: str, want: bool, runtime: Any) -> dict[str, Any] | Plan:
    if "service.masked" not in ctx.salt:
        return ret(name, False, {}, "Service masking not available on this minion")
    runtime = bool(runtime)
    mask_type = "runtime masked" if runtime else "masked"
    action = mask_type if want else ("runtime unmasked" if runtime else "unmasked")
    expected = {mask_type: {"old": not want, "new": want}}
    try:
        now = bool(ctx.salt["service.masked"](name, runtime))
    except CommandExecutionError as exc:
        return ret(name, False, {}, str(exc))
    if now == want:
        return ret(name, True, {}, f"Service {name} is already {mask_type}" if want
                   else f"Service {name} was already {action}")

    def apply(actx: Any) -> dict[str, Any]:
        try:
            actx.salt["service.mask" if want else "service.unmask"](name, runtime)
            if bool(actx.salt["service.masked"](name, runtime)) == want:
                return ret(name, True, expected, f"Service {name} was {action}")
        except CommandExecutionError as exc:
            return ret(name, False, {}, str(exc))
        return ret(name, False, {}, f"Failed to {'mask' if want else 'unmask'} service {name}")

    return Plan(name, expected, f"Service {name} would be {action}", apply)


def _unmask_step(ctx: Any, name: str, kwargs: dict[str, Any]) -> tuple[str, Callable[[Any], str] | None]:
    """For ``unmask: True``: the comment line now, and the action that removes a mask (or None)."""
    if not kwargs.get("unmask", False):
        return "", None
    outcome = _mask_plan(ctx, name, False, kwargs.get("unmask_runtime", False))
    if not isinstance(outcome, Plan):
        return str(outcome["comment"]), None
    if ctx.test:
        return outcome.test_comment, None
    return outcome.test_comment, lambda actx: str(outcome.apply(actx)["comment"])


def _flip(enable: Any, enabled_now: bool) -> bool | None:
    """``enable`` when it asks to change the boot setting (True/False, not as it is), else None."""
    if (enable is True and not enabled_now) or (enable is False and enabled_now):
        return enable
    return None


def _join(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


# ---- states ---------------------------------------------------------------------------------------

@st.state
def running(ctx: Any, name: str, enable: Any = None, sig: Any = None, init_delay: Any = None,
            timeout: Any = None, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure the service runs; ``enable: True/False`` also sets whether it starts at boot.

    ``sig`` finds the process by command-line regex instead of the service status; ``init_delay``
    waits that many seconds after starting; ``reload: True`` makes a watch reload instead of restart.
    """
    missing = _no_backend(ctx, name)
    if missing:
        return missing
    if "enabled" in kwargs:
        return _enabled_used_error(name)
    enable = _is_true(enable)
    kwargs = _extra(kwargs)
    ok, error = _available(ctx, name)
    if error is not None:
        return ret(name, False, {}, error)
    if not ok:
        if ctx.test:
            return ret(name, None, {}, f"Service {name} not present; if created in this state run, "
                                       "it would have been started")
        return ret(name, False, {}, f"The named service {name} is not available")
    before = _status(ctx, name, sig)
    before_enabled = _enabled_now(ctx, name)
    unmask_comment, unmask = _unmask_step(ctx, name, kwargs)

    if before:
        out = ret(name, True, {}, _join(f"The service {name} is already running", unmask_comment))
        enable = _flip(enable, before_enabled)
        if unmask is None:
            return _boot_plan(ctx, out, name, enable, None, kwargs)

        def apply_unmask(actx: Any) -> dict[str, Any]:
            done = ret(name, True, {}, _join(f"The service {name} is already running", unmask(actx)))
            if isinstance(enable, bool):
                done.update(_toggle(actx, name, enable, None, True, kwargs))
            return done

        return Plan(name, {}, out["comment"], apply_unmask)

    def apply(actx: Any) -> dict[str, Any]:
        unmasked = unmask(actx) if unmask else unmask_comment
        out = ret(name, True, {}, "")
        try:
            options = _backend_args(actx, "service.start", kwargs, timeout)
            started = actx.salt["service.start"](name, **options)
        except CommandExecutionError as exc:
            return ret(name, False, {}, str(exc))
        if not started:
            out.update(result=False, comment=f"Service {name} failed to start")
            if isinstance(enable, bool):
                out.update(_toggle(actx, name, enable, False, False, kwargs))
            return out
        _delay(init_delay)
        after = _wait_status(actx, name, sig, True, timeout)
        after_enabled = _enabled_now(actx, name)
        if before_enabled != after_enabled or before != after:
            out["changes"][name] = after
        if after:
            out["comment"] = f"Started service {name}"
        else:
            out.update(result=False, comment=f"Service {name} failed to start")
        if isinstance(enable, bool):
            out.update(_toggle(actx, name, enable, after, after, kwargs))
        if init_delay:
            out["comment"] = f"{out['comment']}\nDelayed return for {init_delay} seconds"
        if kwargs.get("unmask", False):
            out["comment"] = "\n".join([out["comment"], unmasked])
        return out

    return Plan(name, {}, _join(f"Service {name} is set to start", unmask_comment), apply)


@st.state
def dead(ctx: Any, name: str, enable: Any = None, sig: Any = None, init_delay: Any = None,
         timeout: Any = None, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure the service is stopped; ``enable: True/False`` also sets whether it starts at boot."""
    missing = _no_backend(ctx, name)
    if missing:
        return missing
    if "enabled" in kwargs:
        return _enabled_used_error(name)
    enable = _is_true(enable)
    kwargs = _extra(kwargs)
    ok, error = _available(ctx, name)
    if error is not None:
        return ret(name, False, {}, error)
    if not ok:
        if ctx.test:
            return ret(name, None, {}, f"Service {name} not present; if created in this state run, "
                                       "it would have been stopped")
        return ret(name, True, {}, f"The named service {name} is not available")
    before = _status(ctx, name, sig)
    before_enabled = _enabled_now(ctx, name)
    if not before:
        out = ret(name, True, {}, f"The service {name} is already dead")
        enable = _flip(enable, before_enabled)
        return _boot_plan(ctx, out, name, enable, None, kwargs)

    def apply(actx: Any) -> dict[str, Any]:
        out = ret(name, True, {}, "")
        try:
            stopped = actx.salt["service.stop"](name, **_backend_args(actx, "service.stop", kwargs, timeout))
        except CommandExecutionError as exc:
            return ret(name, False, {}, str(exc))
        if not stopped:
            out.update(result=False, comment=f"Service {name} failed to die")
            if isinstance(enable, bool):
                out.update(_toggle(actx, name, enable, True, False, kwargs))
            return out
        _delay(init_delay)
        after = _wait_status(actx, name, sig, False, timeout)
        after_enabled = _enabled_now(actx, name)
        if before_enabled != after_enabled or before != after:
            out["changes"][name] = after
        if after:
            out.update(result=False, comment=f"Service {name} failed to die")
        else:
            out["comment"] = f"Service {name} was killed"
        if isinstance(enable, bool):
            out.update(_toggle(actx, name, enable, after, not after, kwargs))
        return out

    return Plan(name, {}, f"Service {name} is set to be killed", apply)


@st.state
def enabled(ctx: Any, name: str, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure the service starts at boot (its running state is left alone)."""
    missing = _no_backend(ctx, name)
    if missing:
        return missing
    kwargs = _extra(kwargs)
    outcome = _boot_plan(ctx, ret(name, True, {}, ""), name, True, None, kwargs)
    absent = f"The named service {name} is not available"
    if isinstance(outcome, dict) and ctx.test and outcome["comment"] == absent:
        return ret(name, None, {}, f"Service {name} not present; if created in this state run, "
                                   "it would have been enabled")
    return outcome


@st.state
def disabled(ctx: Any, name: str, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure the service does not start at boot (its running state is left alone)."""
    missing = _no_backend(ctx, name)
    if missing:
        return missing
    return _boot_plan(ctx, ret(name, True, {}, ""), name, False, None, _extra(kwargs))


@st.state
def masked(ctx: Any, name: str, runtime: bool = False) -> dict[str, Any] | Plan:
    """Ensure the unit is masked so nothing can start it (systemd only; ``runtime``: until reboot)."""
    return _mask_plan(ctx, name, True, runtime)


@st.state
def unmasked(ctx: Any, name: str, runtime: bool = False) -> dict[str, Any] | Plan:
    """Ensure the unit is not masked (systemd only; ``runtime``: the runtime mask)."""
    return _mask_plan(ctx, name, False, runtime)


@st.watch
def mod_watch(ctx: Any, name: str, sfun: str | None = None, sig: Any = None, reload: Any = False,
              full_restart: Any = False, init_delay: Any = None, force: Any = False, timeout: Any = None,
              **kwargs: Any) -> dict[str, Any] | Plan:
    """Restart (or reload, or start) a watching ``service.running``; stop a watching ``service.dead``."""
    missing = _no_backend(ctx, name)
    if missing:
        return missing
    kwargs = _extra(kwargs)
    if sfun == "dead":
        if not _status(ctx, name, sig):
            return ret(name, True, {}, "Service is already stopped")
        fun, verb, done = "service.stop", "stop", "stopped"
    elif sfun == "running":
        if _status(ctx, name, sig):
            if reload and "service.reload" in ctx.salt:
                if force and "service.force_reload" in ctx.salt:
                    fun, verb = "service.force_reload", "forcefully reload"
                else:
                    fun, verb = "service.reload", "reload"
            elif full_restart and "service.full_restart" in ctx.salt:
                fun, verb = "service.full_restart", "fully restart"
            else:
                fun, verb = "service.restart", "restart"
        else:
            fun, verb = "service.start", "start"
        done = f"{verb}ed"
    else:
        return ret(name, False, {}, f"Unable to trigger watch for service.{sfun}")

    def apply(actx: Any) -> dict[str, Any]:
        if verb == "start" and "service.stop" in actx.salt:
            actx.salt["service.stop"](name)  # a half-dead service (stale pidfile) starts cleanly
        try:
            result = bool(actx.salt[fun](name, **_backend_args(actx, fun, kwargs, timeout)))
        except CommandExecutionError as exc:
            return ret(name, False, {}, str(exc))
        _delay(init_delay)
        comment = f"Service {done}" if result else f"Failed to {verb} the service"
        return ret(name, result, {name: result}, comment)

    return Plan(name, {}, f"Service is set to be {done}", apply)
