"""State module ``cmd``: run commands and scripts (``cmd.run``, ``cmd.script``, ``cmd.wait``, ...).

A command is an action: the state returns a :class:`Plan`, so test mode reports
``Command "..." would have been executed`` and only a real run executes it (through the ``cmd.run_all``
and ``cmd.script`` execution functions). ``onlyif``/``unless``/``creates`` are evaluated by the runner.
With ``stateful``, the command's last stdout line (``changed=yes comment="..."``, or a JSON object)
tells whether it changed anything; ``stateful: [{test_name: CMD}]`` runs CMD in test mode instead.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import json
import os
import shlex
from typing import Any

from saline.states.api import Plan, StateModule, ret

st = StateModule("cmd", doc="Run commands and scripts, optionally only when conditions hold.")

# Keys the runner hands to mod_watch that are not command options.
_WATCH_KEYS = ("sfun", "__reqs__", "__running__")


def _call(ctx: Any, fun: str, *args: Any, **kwargs: Any) -> Any:
    """Call execution function ``fun``, passing only the keyword arguments it accepts."""
    function = ctx.salt.function(fun)
    params = inspect.signature(function.fn).parameters
    if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    return ctx.salt[fun](*args, **kwargs)


def _stateful(stateful: Any) -> tuple[bool, str | None]:
    if isinstance(stateful, list):
        first = stateful[0] if stateful else {}
        if isinstance(first, dict) and "test_name" in first:
            return True, first["test_name"]
        return bool(stateful), None
    return stateful is True, None


def _is_true(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value > 0
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    return False


def _failout(state: dict[str, Any], msg: str) -> dict[str, Any]:
    state["comment"] = msg
    state["result"] = False
    return state


def reinterpret(state: dict[str, Any]) -> dict[str, Any]:
    """Apply the ``stateful`` protocol to a finished command's return (its changes hold the run)."""
    run = state["changes"]
    state["changes"] = {}
    state["comment"] = ""
    out = run.get("stdout")
    if not out:
        if run.get("stderr"):
            state["comment"] = run["stderr"]
        return state
    is_json = False
    idx = -1
    try:
        data = json.loads(out)
        if not isinstance(data, dict):
            return _failout(state, "script JSON output must be a JSON object (e.g., {})!")
        is_json = True
    except ValueError:
        idx = out.rstrip().rfind("\n")
        if idx != -1:
            out = out[idx + 1:]
        data = {}
        try:
            for item in shlex.split(out):
                key, val = item.split("=")
                data[key] = val
        except ValueError:
            state = _failout(state, "Failed parsing script output! "
                                    "Stdout must be JSON or a line of name=value pairs.")
            state["changes"].update(run)
            return state
    changed = _is_true(data.get("changed", "no"))
    if "comment" in data:
        state["comment"] = data.pop("comment")
    if changed:
        for key in run:
            data.setdefault(key, run[key])
        data["stdout"] = "" if is_json else data.get("stdout", "")[:idx]
        state["changes"] = data
    return state


def _options(**options: Any) -> dict[str, Any]:
    """Options for the execution function; unset ones are left to its defaults."""
    return {k: v for k, v in options.items() if v is not None and not (k == "use_vt" and v is False)}


def _declared_read_only(ctx: Any) -> Any:
    """A context allowed to act, for a ``stateful`` ``test_name`` command in test mode.

    The user declared that command safe to run under test=True (it only reports what would change),
    so it may run while planning; nothing else in the state does.
    """
    return dataclasses.replace(ctx, planning=False, _salt=None)


def _finish(name: str, cmd_all: dict[str, Any], comment: str, stateful: bool, ignore_timeout: bool,
            test: bool) -> dict[str, Any]:
    out = ret(name, not bool(cmd_all.get("retcode")), cmd_all, comment)
    if ignore_timeout and cmd_all.get("retcode") == 1 and "Timed out after" in str(cmd_all.get("stdout")):
        out["changes"]["retcode"] = 0
        out["result"] = True
    if stateful:
        out = reinterpret(out)
    if test and cmd_all.get("retcode") == 0 and out["changes"]:
        out["result"] = None
    return out


@st.state
def run(ctx: Any, name: str, cwd: str | None = None, root: str | None = None, runas: str | None = None,
        shell: str | None = None, env: Any = None, prepend_path: str | None = None, stateful: Any = False,
        umask: Any = None, output_loglevel: str = "debug", hide_output: bool = False, timeout: Any = None,
        ignore_timeout: bool = False, use_vt: bool = False, success_retcodes: Any = None,
        success_stdout: Any = None, success_stderr: Any = None, **kwargs: Any) -> dict[str, Any] | Plan:
    """Run command ``name`` through a shell; changes are ``{pid, retcode, stdout, stderr}``.

    The result is False when the exit code is not 0 (or one of ``success_retcodes``).
    """
    is_stateful, test_name = _stateful(stateful)
    if env is not None and not isinstance(env, (list, dict)):
        return ret(name, False, {}, "Invalidly-formatted 'env' parameter. See documentation.")
    options = {k: v for k, v in copy.deepcopy(kwargs).items() if k not in _WATCH_KEYS}
    options.update(_options(cwd=cwd, runas=runas, shell=shell, env=env, prepend_path=prepend_path,
                            umask=umask, output_loglevel=output_loglevel, hide_output=hide_output,
                            timeout=timeout, use_vt=use_vt, success_retcodes=success_retcodes,
                            success_stdout=success_stdout, success_stderr=success_stderr))
    if root is not None:
        options["root"] = root
    if ctx.test and test_name:
        if cwd and not os.path.isdir(cwd):
            return ret(name, False, {}, f'Desired working directory "{cwd}" is not available')
        try:
            cmd_all = _call(_declared_read_only(ctx), "cmd.run_all", test_name, python_shell=True, **options)
        except Exception as err:
            return ret(name, False, {}, str(err))
        return _finish(name, dict(cmd_all), f'Command "{test_name}" run', is_stateful, ignore_timeout, True)

    def apply(real: Any) -> dict[str, Any]:
        if cwd and not os.path.isdir(cwd):
            return ret(name, False, {}, f'Desired working directory "{cwd}" is not available')
        try:
            if root is not None:
                cmd_all = _call(real, "cmd.run_chroot", root, name, python_shell=True, **options)
            else:
                cmd_all = _call(real, "cmd.run_all", name, python_shell=True, **options)
        except Exception as err:
            return ret(name, False, {}, str(err))
        return _finish(name, dict(cmd_all), f'Command "{name}" run', is_stateful, ignore_timeout, False)

    if is_stateful:
        return Plan(name, {}, "", apply)
    return Plan(name, {"cmd": name}, f'Command "{name}" would have been executed', apply)


@st.state
def script(ctx: Any, name: str, source: str | None = None, template: str | None = None,
           cwd: str | None = None, runas: str | None = None, shell: str | None = None, env: Any = None,
           stateful: Any = False,
           umask: Any = None, timeout: Any = None, ignore_timeout: bool = False, use_vt: bool = False,
           output_loglevel: str = "debug", hide_output: bool = False, defaults: Any = None,
           context: Any = None, success_retcodes: Any = None, success_stdout: Any = None,
           success_stderr: Any = None, saltenv: str = "base", **kwargs: Any) -> dict[str, Any] | Plan:
    """Download script ``source`` (default: ``name``) from the file server and run it.

    Words of ``name`` after the first are the script's arguments unless ``args`` is given;
    ``template``/``defaults``/``context`` render the script first.
    """
    is_stateful, test_name = _stateful(stateful)
    if ctx.test and test_name:
        name = test_name
    if env is not None and not isinstance(env, (list, dict)):
        return ret(name, False, {}, "Invalidly-formatted 'env' parameter. See documentation.")
    if context and not isinstance(context, dict):
        return ret(name, False, {}, "Invalidly-formatted 'context' parameter. Must be formed as a dict.")
    if defaults and not isinstance(defaults, dict):
        return ret(name, False, {}, "Invalidly-formatted 'defaults' parameter. Must be formed as a dict.")
    tmpctx = dict(defaults or {})
    tmpctx.update(context or {})
    options = {k: v for k, v in copy.deepcopy(kwargs).items() if k not in _WATCH_KEYS}
    options.update(_options(runas=runas, shell=shell, env=env, cwd=cwd, template=template, timeout=timeout,
                            umask=umask, output_loglevel=output_loglevel, hide_output=hide_output,
                            use_vt=use_vt, success_retcodes=success_retcodes, success_stdout=success_stdout,
                            success_stderr=success_stderr))
    if template:
        options["context"] = tmpctx
    options["saltenv"] = saltenv
    source = source if source is not None else name
    if not options.get("args") and len(str(name).split()) > 1:
        options["args"] = str(name).split(" ", 1)[1]

    def execute(real: Any, test: bool) -> dict[str, Any]:
        if cwd and not os.path.isdir(cwd):
            return ret(name, False, {}, f'Desired working directory "{cwd}" is not available')
        try:
            cmd_all = _call(real, "cmd.script", source, python_shell=True, **options)
        except Exception as err:
            return ret(name, False, {}, str(err))
        if cmd_all.get("cache_error"):
            comment = f"Unable to cache script {source} from saltenv '{saltenv}'"
        else:
            comment = f"Command '{name}' run"
        return _finish(name, dict(cmd_all), comment, is_stateful, ignore_timeout, test)

    if ctx.test and test_name:
        return execute(_declared_read_only(ctx), True)
    if is_stateful:
        return Plan(name, {}, "", lambda real: execute(real, False))
    return Plan(name, {}, f"Command '{name}' would have been executed", lambda real: execute(real, False))


@st.state
def wait(ctx: Any, name: str, **kwargs: Any) -> dict[str, Any]:
    """Run ``name`` only when a state it watches changed (through ``mod_watch``)."""
    return ret(name, True, {}, "")


@st.state
def wait_script(ctx: Any, name: str, **kwargs: Any) -> dict[str, Any]:
    """Run a script only when a state it watches changed (through ``mod_watch``)."""
    return ret(name, True, {}, "")


# Salt's alias of cmd.wait.
st.functions["watch"] = wait


@st.watch
def mod_watch(ctx: Any, name: str, sfun: str | None = None, **kwargs: Any) -> dict[str, Any] | Plan:
    """Run the command (or script) of a watching ``cmd`` state whose watched states changed."""
    options = {k: v for k, v in kwargs.items() if k not in _WATCH_KEYS}
    if sfun in ("wait", "run", "watch"):
        return run(ctx, name, **options)
    if sfun in ("wait_script", "script"):
        return script(ctx, name, **options)
    return ret(name, False, {}, f"cmd.{sfun} does not work with the watch requisite, "
                                "please use cmd.wait or cmd.wait_script")
