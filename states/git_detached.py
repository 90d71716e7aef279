"""``git.detached``: a checkout of ``name`` with a detached HEAD at a tag, branch tip or SHA1."""

from __future__ import annotations

import os
from typing import Any

from saline.errors import SalineError
from saline.states.api import Plan, ret
from saline.states.git_base import HEX, empty_or_missing, is_checkout, make_parents, query, sentences, st, wipe


def _wanted(ctx: Any, name: str, rev: str, auth: dict[str, Any], common: dict[str, Any]) -> str | None:
    """The commit ``rev`` names on the remote (a tag, a branch or a SHA1 it advertises), if any."""
    refs = query(ctx, "git.ls_remote", None, remote=name, **auth, **common) or {}
    for ref in (f"refs/tags/{rev}^{{}}", f"refs/tags/{rev}", f"refs/heads/{rev}"):
        if ref in refs:
            return refs[ref]
    if HEX.match(rev):
        return next((sha for sha in refs.values() if sha.startswith(rev)), None)
    return None


@st.state
def detached(ctx: Any, name: str, rev: str, target: str, remote: str = "origin", user: str | None = None,
             password: str | None = None, force_clone: bool = False, force_checkout: bool = False,
             fetch_remote: bool = True, hard_reset: bool = False, submodules: bool = False,
             identity: Any = None, https_user: str | None = None, https_pass: str | None = None,
             output_encoding: str | None = None, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure ``target`` is a checkout of ``name`` with HEAD detached at ``rev`` (a tag, a branch or a
    SHA1). ``hard_reset`` discards local changes first; ``fetch_remote: False`` never fetches."""
    if not target or not os.path.isabs(str(target)):
        return ret(name, False, {}, f"target '{target}' is not an absolute path")
    if not rev:
        return ret(name, False, {}, "'rev' is required")
    target, rev = os.path.normpath(str(target)), str(rev)
    common = {"user": user, "output_encoding": output_encoding}
    auth = {"identity": identity, "https_user": https_user, "https_pass": https_pass}
    remote_sha = _wanted(ctx, str(name), rev, auth, common)

    def finish(actx: Any, parts: list[str], old: str | None, sha: str) -> dict[str, Any]:
        actx.salt["git.checkout"](target, sha, force=bool(force_checkout), **common)
        if submodules:
            actx.salt["git.submodule"](target, "update", opts="--init --recursive", identity=identity, **common)
        parts.append(f"Commit ID {sha} was checked out at {target}")
        return ret(name, True, {"HEAD": {"old": old, "new": sha}}, sentences(parts))

    fresh = empty_or_missing(target)
    if fresh or not is_checkout(ctx, target, common):
        if not fresh and not force_clone:
            return ret(name, False, {}, f"Target '{target}' exists, is non-empty and is not a git repository. "
                       "Set the 'force_clone' option to True to remove this directory's contents and proceed "
                       "with cloning the remote repository")
        if remote_sha is None and not HEX.match(rev):
            return ret(name, False, {}, f"Revision '{rev}' does not exist")

        def clone(actx: Any) -> dict[str, Any]:
            if not fresh:
                wipe(target)
            make_parents(target, user)
            try:
                actx.salt["git.clone"](target, url=name, opts=["--origin", remote] if remote != "origin" else "",
                                       **auth, **common)
                sha = remote_sha or actx.salt["git.rev_parse"](target, f"{rev}^{{commit}}", **common)
                return finish(actx, [f"{name} cloned to {target}"], None, sha)
            except SalineError as exc:
                return ret(name, False, {}, str(exc))

        return Plan(name, {}, f"Repository {name} would be cloned to {target}", clone)

    head = query(ctx, "git.revision", target, **common)
    local_sha = query(ctx, "git.rev_parse", target, f"{rev}^{{commit}}", **common)
    sha = remote_sha or local_sha
    if sha is None and (not fetch_remote or not HEX.match(rev)):
        return ret(name, False, {}, f"Revision '{rev}' does not exist")
    present = sha is not None and query(ctx, "git.rev_parse", target, f"{sha}^{{commit}}", **common) is not None
    if present and head == sha:
        return ret(name, True, {}, "Already checked out at correct revision")
    if not present and not fetch_remote:
        return ret(name, False, {}, f"Revision '{rev}' does not exist and fetch_remote is False")

    def update(actx: Any) -> dict[str, Any]:
        parts: list[str] = []
        try:
            if not present and actx.salt["git.fetch"](target, remote=remote, identity=identity, **common):
                parts.append(f"Remote {remote} was fetched, resulting in updated refs")
            commit = sha if present else actx.salt["git.rev_parse"](target, f"{sha or rev}^{{commit}}", **common)
            if commit == head:
                return ret(name, True, {}, "Already checked out at correct revision")
            if hard_reset:
                actx.salt["git.reset"](target, opts=["--hard", "HEAD"], **common)
                parts.append("Repository was reset to HEAD before checking out revision")
            return finish(actx, parts, head, commit)
        except SalineError as exc:
            return ret(name, False, {}, str(exc))

    if not present:
        return Plan(name, {}, f"Repository remote {remote} would be fetched", update)
    return Plan(name, {}, f"Commit ID {sha} would be checked out at {target}", update)
