"""Run-time conditions of a chunk: ``onlyif``, ``unless``, ``creates``, ``check_cmd`` and ``retry``.

Command strings run through a shell (like Salt's ``cmd.retcode``, via :mod:`saline.process`), with the
chunk's ``cwd``, ``runas``, ``env``, ``umask``, ``timeout``, ``prepend_path``, ``success_retcodes``,
``root`` and ``shell`` unless ``cmd_opts_exclude`` lists them. Dict entries (``- fun: file.file_exists``)
call an execution function; ``args`` are positional, the other keys keyword arguments, and ``get_return``
picks a value out of a nested return (``a:b:0``).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from saline.errors import CommandExecutionError

log = logging.getLogger("saline.states.runner")

_CMD_ARGS = ("cwd", "root", "runas", "env", "prepend_path", "umask", "timeout", "success_retcodes")

RETRY_DEFAULTS = {"until": True, "attempts": 2, "splay": 0, "interval": 30}
_RETRY_TYPES = {"until": bool, "attempts": int, "interval": int, "splay": int}


def _cmd_opts(low: dict[str, Any], grains_shell: Any = None) -> dict[str, Any]:
    exclude = low.get("cmd_opts_exclude") or []
    if not isinstance(exclude, list):
        exclude = [exclude]
    opts = {k: low[k] for k in _CMD_ARGS if k not in exclude and low.get(k) is not None}
    if "shell" in low and "shell" not in exclude:
        opts["shell"] = low["shell"]
    elif grains_shell:
        opts["shell"] = grains_shell
    return opts


_ACCEPTED = frozenset({"cwd", "runas", "group", "env", "clean_env", "prepend_path", "umask", "timeout",
                       "shell", "success_retcodes", "success_stdout", "success_stderr",
                       "reset_system_locale"})


def command_retcode(ctx: Any, command: str, cmd_opts: dict[str, Any]) -> int:
    """Exit code of ``command`` run through a shell; CommandExecutionError when it cannot start.

    This runs while planning too (Salt evaluates conditions under test=True), so it goes to the
    process helper directly rather than through the ``cmd.retcode`` action.
    """
    from saline.process import run_command

    opts = {k: v for k, v in cmd_opts.items() if k in _ACCEPTED}
    result = run_command(command, python_shell=True, ignore_retcode=True, output_loglevel="quiet", **opts)
    return int(result["retcode"])


def _traverse(data: Any, path: str, delimiter: str = ":") -> Any:
    for part in str(path).split(delimiter):
        if isinstance(data, dict):
            if part not in data:
                return None
            data = data[part]
        elif isinstance(data, (list, tuple)):
            try:
                data = data[int(part)]
            except (ValueError, IndexError):
                return None
        else:
            return None
    return data


def _call_function(ctx: Any, entry: dict[str, Any]) -> tuple[Any, int]:
    """Call ``entry['fun']``; return its value and the retcode it left in the context (0 if none)."""
    entry = dict(entry)
    fun = entry.pop("fun")
    args = entry.pop("args", [])
    if not isinstance(args, list):
        args = [args]
    ctx.scratch.pop("retcode", None)
    value = ctx.salt[fun](*args, **entry)
    return value, int(ctx.scratch.pop("retcode", 0) or 0)


def _base(low: dict[str, Any]) -> dict[str, Any]:
    return {"result": False, **{k: low.get(k) for k in ("__sls__", "__id__", "name")}}


def check_onlyif(ctx: Any, low: dict[str, Any], cmd_opts: dict[str, Any]) -> dict[str, Any]:
    """Every entry must succeed for the state to run; else ``result: True`` and ``skip_watch``."""
    ret = _base(low)
    entries = low["onlyif"] if isinstance(low["onlyif"], list) else [low["onlyif"]]
    skip = {"comment": "onlyif condition is false", "skip_watch": True, "result": True}
    for entry in entries:
        if isinstance(entry, str):
            try:
                code = command_retcode(ctx, entry, cmd_opts)
            except CommandExecutionError:
                code = 100
            if code != 0:
                ret.update(skip)
                return ret
            ret.update({"comment": "onlyif condition is true", "result": False})
        elif isinstance(entry, dict):
            if "fun" not in entry:
                ret["comment"] = f"no `fun` argument in onlyif: {entry}"
                log.warning(ret["comment"])
                return ret
            entry = dict(entry)
            get_return = entry.pop("get_return", None)
            value, code = _call_function(ctx, entry)
            if get_return:
                value = _traverse(value, get_return)
            if code or not value:
                ret.update(skip)
                return ret
            ret.update({"comment": "onlyif condition is true", "result": False})
        else:
            ret.update({"comment": "onlyif execution failed, bad type passed", "result": False})
            return ret
    return ret


def check_unless(ctx: Any, low: dict[str, Any], cmd_opts: dict[str, Any]) -> dict[str, Any]:
    """The state runs unless every entry succeeds (then ``result: True`` and ``skip_watch``)."""
    ret = _base(low)
    entries = low["unless"] if isinstance(low["unless"], list) else [low["unless"]]
    skip = {"comment": "unless condition is true", "skip_watch": True, "result": True}
    run = {"comment": "unless condition is false", "result": False}
    for entry in entries:
        if isinstance(entry, str):
            try:
                code = command_retcode(ctx, entry, cmd_opts)
            except CommandExecutionError:
                code = 0
            if code != 0:
                ret.pop("skip_watch", None)
                ret.update(run)
                return ret
            ret.update(skip)
        elif isinstance(entry, dict):
            if "fun" not in entry:
                ret["comment"] = f"no `fun` argument in unless: {entry}"
                log.warning(ret["comment"])
                return ret
            entry = dict(entry)
            get_return = entry.pop("get_return", None)
            value, code = _call_function(ctx, entry)
            if get_return:
                value = _traverse(value, get_return)
            if code:
                ret.pop("skip_watch", None)
                ret.update(run)
                return ret
            if not value:
                ret.update(run)
                return ret
            ret.update(skip)
        else:
            ret.update({"comment": "unless condition is false, bad type passed", "result": False})
    return ret


def check_creates(low: dict[str, Any]) -> dict[str, Any]:
    ret = _base(low)
    creates = low["creates"]
    if isinstance(creates, str) and os.path.exists(creates):
        ret.update({"comment": f"{creates} exists", "result": True, "skip_watch": True})
    elif isinstance(creates, list) and all(os.path.exists(p) for p in creates):
        ret.update({"comment": "All files in creates exist", "result": True, "skip_watch": True})
    else:
        ret.update({"comment": "Creates files not found", "result": False})
    return ret


def run_checks(ctx: Any, low: dict[str, Any], grains_shell: Any = None) -> dict[str, Any]:
    """Evaluate onlyif, unless and creates; ``result: True`` means *skip the state*."""
    ret: dict[str, Any] = {"result": False, "comment": []}
    for key in ("__sls__", "__id__", "name"):
        ret[key] = low.get(key)
    cmd_opts = _cmd_opts(low, grains_shell)
    if "onlyif" in low:
        sub = check_onlyif(ctx, low, cmd_opts)
        ret["result"] = sub["result"]
        ret["comment"].append(sub["comment"])
        if "skip_watch" in sub:
            ret["skip_watch"] = sub["skip_watch"]
    if "unless" in low:
        sub = check_unless(ctx, low, cmd_opts)
        ret["result"] = sub["result"] or ret["result"]
        ret["comment"].append(sub["comment"])
        if "skip_watch" in sub:
            ret["skip_watch"] = sub["skip_watch"] or ret.get("skip_watch", False)
    if "creates" in low:
        sub = check_creates(low)
        ret["result"] = sub["result"] or ret["result"]
        ret["comment"].append(sub["comment"])
        if "skip_watch" in sub:
            ret["skip_watch"] = sub["skip_watch"] or ret.get("skip_watch", False)
    return ret


def run_check_cmd(ctx: Any, low: dict[str, Any], grains_shell: Any = None) -> dict[str, Any]:
    """``check_cmd``: after the state ran, every command must succeed for it to count as a success."""
    ret = _base(low)
    cmd_opts = {"shell": grains_shell} if grains_shell else {}
    entries = low["check_cmd"] if isinstance(low["check_cmd"], list) else [low["check_cmd"]]
    for entry in entries:
        code = command_retcode(ctx, entry, cmd_opts)
        if code == 0 and ret["result"] is False:
            ret.update({"comment": "check_cmd determined the state succeeded", "result": True})
        elif code != 0:
            ret.update({"comment": "check_cmd determined the state failed", "result": False})
            return ret
    return ret


def verify_retry(retry: Any) -> dict[str, Any]:
    """Normalise ``retry``: ``True`` means the defaults, a dict overrides them key by key."""
    if isinstance(retry, bool):
        return dict(RETRY_DEFAULTS) if retry else {**RETRY_DEFAULTS, "attempts": 0}
    if not isinstance(retry, dict):
        log.warning("State is set to retry, but retry: True or a valid dict was not found. Using defaults")
        return dict(RETRY_DEFAULTS)
    out = {}
    for key, kind in _RETRY_TYPES.items():
        value = retry.get(key, RETRY_DEFAULTS[key])
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            log.warning("An invalid value was passed for the retry %s, using default value '%s'",
                        key, RETRY_DEFAULTS[key])
            value = RETRY_DEFAULTS[key]
        out[key] = value
    return out


def retry_test_comment(retry: dict[str, Any]) -> str:
    return (
        "The state would be retried every {interval} seconds (with a splay of up to {splay} seconds) "
        "a maximum of {attempts} times or until a result of {until} is returned".format(**retry)
    )
