"""Shared by the file-state case tests and the oracle recorder: temp trees, snapshots, placeholders.

A tree spec maps relative paths to contents: ``"text"``, ``{content, mode, user, group}``,
``{symlink: target}``, or a directory (key ending in ``/``, value ``{}`` or ``{mode: ...}``).
``{W}`` in strings is the temp work directory and ``{SRV}`` the ``salt://`` root.
"""

from __future__ import annotations

import grp
import os
import pathlib
import pwd
import stat
from typing import Any

from saline.loader import Context
from saline.states.engine.runner import run_chunks


def build_tree(root: str, spec: dict[str, Any] | None) -> None:
    for rel, value in (spec or {}).items():
        path = os.path.join(root, rel.rstrip("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        is_dir = rel.endswith("/") or (isinstance(value, dict) and value.get("dir"))
        if is_dir:
            os.makedirs(path, exist_ok=True)
        elif isinstance(value, dict) and "symlink" in value:
            os.symlink(str(value["symlink"]).replace("{W}", root), path)
        else:
            content = value["content"] if isinstance(value, dict) else value
            with open(path, "wb") as handle:
                handle.write(str(content).encode("utf-8", "surrogateescape"))
        if isinstance(value, dict) and "mode" in value:
            os.chmod(path, int(str(value["mode"]), 8))
        if isinstance(value, dict) and ("user" in value or "group" in value):
            uid = pwd.getpwnam(value["user"]).pw_uid if "user" in value else -1
            gid = grp.getgrnam(value["group"]).gr_gid if "group" in value else -1
            os.lchown(path, uid, gid)


def snapshot(root: str, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The tree under ``root`` in the spec format (modes other than 0644/0755 and non-root owners shown)."""
    out: dict[str, Any] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for entry in sorted(dirnames + filenames):
            path = os.path.join(dirpath, entry)
            rel = os.path.relpath(path, root)
            if rel.split(os.sep)[0] in skip:
                continue
            st = os.lstat(path)
            mode = f"{stat.S_IMODE(st.st_mode):04o}"
            key = rel
            value: Any
            if stat.S_ISLNK(st.st_mode):
                value = {"symlink": os.readlink(path).replace(root, "{W}")}
            elif stat.S_ISDIR(st.st_mode):
                key = rel + "/"
                value = {} if mode == "0755" else {"mode": mode}
            else:
                with open(path, "rb") as handle:
                    data = handle.read().decode("utf-8", "replace")
                value = data if mode == "0644" else {"content": data, "mode": mode}
            if st.st_uid or st.st_gid:
                if isinstance(value, str):
                    value = {"content": value}
                value["user"] = pwd.getpwuid(st.st_uid).pw_name
                value["group"] = grp.getgrgid(st.st_gid).gr_name
            out[key] = value
    return dict(sorted(out.items()))


def subst(obj: Any, mapping: dict[str, str]) -> Any:
    """Replace placeholder text in every string (keys included) of a nested structure."""
    if isinstance(obj, str):
        for old, new in mapping.items():
            obj = obj.replace(old, new)
        return obj
    if isinstance(obj, list):
        return [subst(x, mapping) for x in obj]
    if isinstance(obj, dict):
        return {subst(k, mapping): subst(v, mapping) for k, v in obj.items()}
    return obj


def make_context(base: pathlib.Path, pillar: dict[str, Any], test: bool) -> Context:
    opts = {
        "id": "oracle", "file_client": "local", "cachedir": str(base / "cache"),
        "file_roots": {"base": [str(base / "srv")]}, "pillar_roots": {"base": [str(base / "pillar")]},
        "test": test, "user": "root",
    }
    return Context(opts, grains_loader=lambda: {"id": "oracle"}, pillar_loader=lambda: dict(pillar))


def run_state(base: pathlib.Path, state: str, args: dict[str, Any], pillar: dict[str, Any],
              test: bool) -> dict[str, Any]:
    mod, _, fun = state.partition(".")
    chunk = {"state": mod, "fun": fun, "__id__": "case", "__sls__": "case_under_test", "__env__": "base",
             "order": 10000, **args}
    chunk.setdefault("name", "case")
    results = run_chunks(make_context(base, pillar, test), [chunk], test=test)
    (result,) = results.values()
    return {"result": result["result"], "comment": result["comment"], "changes": result["changes"]}



def run_state_direct(base: pathlib.Path, state: str, args: dict[str, Any], pillar: dict[str, Any],
                     test: bool) -> dict[str, Any]:
    """The documented Plan contract without the runner: plan with a planning context, then report or apply.

    Used for arguments the runner would also act on by itself (``check_cmd``).
    """
    from saline.states.api import Plan
    from saline.states.registry import load_state_module

    mod, _, fun = state.partition(".")
    module = load_state_module(mod)
    assert module is not None
    ctx = make_context(base, pillar, test)
    outcome = module.functions[fun](ctx.planning_view(), **args)
    if isinstance(outcome, Plan):
        if test:
            return {"result": None, "comment": outcome.test_comment, "changes": outcome.changes}
        outcome = outcome.apply(ctx)
    return {"result": outcome["result"], "comment": outcome["comment"], "changes": outcome["changes"]}


PHASES = ("test", "run", "rerun", "test_after")
