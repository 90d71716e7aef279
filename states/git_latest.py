"""``git.latest``: keep a checkout at the latest revision of a remote branch, tag or SHA1.

Planning asks the remote (``git ls-remote``) and the checkout (revision, branch, upstream, status) and
decides what a run would do, with Salt's comments: clone, fast-forward, hard-reset (``force_reset``),
or refuse (local changes, not a fast-forward, a non-repository target without ``force_clone``). Nothing
is fetched while planning, so ``test=True`` never touches the checkout. This file holds the entry point,
cloning and bare/mirror repositories; updates of a working tree are in :mod:`git_latest_update`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from saline.errors import SalineError
from saline.states.api import Plan, ret
from saline.states.git_base import (
    HEX,
    empty_or_missing,
    is_bare,
    is_checkout,
    make_parents,
    query,
    sentences,
    short,
    st,
    wipe,
)


@dataclass
class Remote:
    rev: str
    sha: str | None  # the commit the remote has for rev (None: a SHA1 rev not advertised by the remote)
    kind: str  # HEAD, branch, tag or sha1
    remote: str

    @property
    def loc(self) -> str:
        """How comments name the remote revision."""
        return {"HEAD": "remote HEAD", "branch": f"{self.remote}/{self.rev}"}.get(self.kind, self.rev)

    @property
    def upstream(self) -> str | None:
        return f"{self.remote}/{self.rev}" if self.kind == "branch" else None

    @property
    def start_point(self) -> str:
        """What a new local branch starts from."""
        return self.upstream or self.sha or self.rev


@dataclass
class Opts:
    name: str
    target: str
    remote: str
    branch: str | None
    force_reset: Any
    force_fetch: bool
    update_head: bool
    depth: Any
    submodules: bool
    fetch_tags: bool
    refspec_branch: str
    refspec_tag: str
    kind: str  # "" (working tree), "bare" or "mirror"
    common: dict[str, Any]
    auth: dict[str, Any] = field(default_factory=dict)
    # the remote's tags when local tags missing there are to be deleted (sync_tags), else None
    remote_tags: set[str] | None = None
    force_checkout: bool = False  # a branch switch may discard local changes


def resolve(refs: dict[str, str], rev: str, remote: str) -> Remote | str:
    """What ``rev`` means on the remote (from ``ls-remote`` output), or the reason it means nothing."""
    if rev == "HEAD":
        sha = refs.get("HEAD")
        return Remote(rev, sha, "HEAD", remote) if sha else "The remote repository has no HEAD (is it empty?)"
    if f"refs/heads/{rev}" in refs:
        return Remote(rev, refs[f"refs/heads/{rev}"], "branch", remote)
    if f"refs/tags/{rev}" in refs:
        return Remote(rev, refs.get(f"refs/tags/{rev}^{{}}") or refs[f"refs/tags/{rev}"], "tag", remote)
    if HEX.match(rev):
        advertised = next((sha for sha in refs.values() if sha.startswith(rev)), None)
        return Remote(rev, advertised, "sha1", remote)
    return f"No revision matching '{rev}' exists in the remote repository"


@st.state
def latest(ctx: Any, name: str, target: str, rev: Any = "HEAD", branch: str | None = None,
           user: str | None = None, password: str | None = None, update_head: bool = True,
           force_checkout: bool = False, force_clone: bool = False, force_fetch: bool = False,
           force_reset: Any = False, submodules: bool = False, bare: bool = False, mirror: bool = False,
           remote: str = "origin", fetch_tags: bool = True, sync_tags: bool = True, depth: Any = None,
           identity: Any = None, https_user: str | None = None, https_pass: str | None = None,
           refspec_branch: str = "*", refspec_tag: str = "*", output_encoding: str | None = None,
           **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure ``target`` is a checkout of ``name`` (a URL) at the latest commit of ``rev`` (``HEAD``, a
    branch, a tag or a SHA1). Local changes block an update unless ``force_reset`` (``True`` or
    ``remote-changes``); a non-repository target is replaced only with ``force_clone``; ``bare``/``mirror``
    keep a bare clone fetched instead of a working tree."""
    from saline.states import git_latest_update

    if not name:
        return ret(name, False, {}, "'name' (the repository URL) is required")
    if not target or not os.path.isabs(str(target)):
        return ret(name, False, {}, f"target '{target}' is not an absolute path")
    if force_reset not in (True, False, "remote-changes"):
        return ret(name, False, {}, "'force_reset' must be one of True, False, or 'remote-changes'")
    if bare and mirror:
        return ret(name, False, {}, "Only one of 'bare' and 'mirror' can be set")
    rev = "HEAD" if rev is None else str(rev)
    if depth is not None and (rev == "HEAD" or HEX.match(rev)):
        return ret(name, False, {}, "When 'depth' is used, 'rev' must be set to the name of a branch or tag "
                   "on the remote repository")
    target = os.path.normpath(str(target))
    common = {"user": user, "output_encoding": output_encoding}
    auth = {"identity": identity, "https_user": https_user, "https_pass": https_pass}
    kind = "mirror" if mirror else "bare" if bare else ""
    o = Opts(str(name), target, str(remote), branch, force_reset, bool(force_fetch), bool(update_head), depth,
             bool(submodules), bool(fetch_tags), str(refspec_branch), str(refspec_tag), kind, common, auth,
             force_checkout=bool(force_checkout))
    try:
        refs = ctx.salt["git.ls_remote"](None, remote=str(name), **auth, **common)
    except SalineError as exc:
        return ret(name, False, {}, f"Failed to check remote refs: {exc}")
    if sync_tags and fetch_tags and str(refspec_tag) == "*":
        o.remote_tags = {r[len("refs/tags/"):] for r in refs if r.startswith("refs/tags/") and not r.endswith("^{}")}
    want = resolve(refs, rev, o.remote)
    if isinstance(want, str):
        return ret(name, False, {}, want)
    if empty_or_missing(target):
        return _plan_clone(o, want, forced=False)
    if kind and is_bare(ctx, target, common):
        return _plan_bare_fetch(o)
    if not kind and is_checkout(ctx, target, common):
        return git_latest_update.plan(ctx, o, want)
    if not force_clone:
        return ret(name, False, {}, f"Target '{target}' exists, is non-empty and is not a git repository. "
                   "Set the 'force_clone' option to True to remove this directory's contents and proceed "
                   "with cloning the remote repository")
    return _plan_clone(o, want, forced=True)


# ---- clone ---------------------------------------------------------------------------------------


def _plan_clone(o: Opts, want: Remote, forced: bool) -> Plan:
    changes: dict[str, Any] = {**({"forced clone": True} if forced else {}), "new": f"{o.name} => {o.target}"}
    if forced:
        comment = (f"Target directory {o.target} exists. Since force_clone=True, the contents of {o.target} "
                   f"would be deleted, and {o.name} would be cloned into this directory.")
    else:
        comment = f"Repository {o.name} would be cloned to {o.target}"

    def clone(actx: Any) -> dict[str, Any]:
        if forced:
            wipe(o.target)
        make_parents(o.target, o.common["user"])
        opts = ["--origin", o.remote] if o.remote != "origin" else []
        opts += [f"--{o.kind}"] if o.kind else []
        if o.depth is not None:
            opts += ["--depth", str(o.depth), "--branch", want.rev]
        what = {"bare": " as bare repository", "mirror": " as mirror"}.get(o.kind, "")
        try:
            actx.salt["git.clone"](o.target, url=o.name, opts=opts, **o.auth, **o.common)
            notes = [] if o.kind else _after_clone(actx, o, want)
            if o.submodules and not o.kind:
                actx.salt["git.submodule"](o.target, "update", opts="--init --recursive",
                                           identity=o.auth["identity"], **o.common)
            head = query(actx, "git.revision", o.target, **o.common)
        except SalineError as exc:
            return ret(o.name, False, {}, f"Clone failed: {exc}")
        done = {**changes, "revision": {"old": None, "new": head}}
        return ret(o.name, True, done, sentences([f"{o.name} cloned to {o.target}{what}", *notes]))

    return Plan(o.name, changes, comment, clone)


def _after_clone(actx: Any, o: Opts, want: Remote) -> list[str]:
    """Move a fresh clone to ``rev`` the way Salt does; the parts of the comment."""
    c = o.common
    local = query(actx, "git.current_branch", o.target, **c)
    if want.kind == "HEAD" or local == "HEAD":  # HEAD, or a shallow clone of a tag (already detached)
        return []
    if want.kind == "branch":
        if o.branch and o.branch != local:
            actx.salt["git.checkout"](o.target, opts=["-b", o.branch, want.start_point], **c)
            return [f"Branch '{o.branch}' checked out, with {want.start_point} ({short(want.sha)}) as a "
                    "starting point"]
        if local == want.rev:
            return []
        # Salt keeps the local branch's name (e.g. master) and moves it to the wanted remote branch
        actx.salt["git.reset"](o.target, opts=["--hard", want.start_point], **c)
        actx.salt["git.branch"](o.target, opts=[f"--set-upstream-to={want.upstream}"], **c)
        return [f"Repository was reset to {want.upstream} ({short(want.sha)})",
                f"Tracking branch was updated to {want.upstream}"]
    # a tag or a SHA1: the local branch is moved there and no longer tracks anything
    sha = want.sha or actx.salt["git.rev_parse"](o.target, f"{want.rev}^{{commit}}", **c)
    notes = []
    if o.branch and o.branch != local:
        actx.salt["git.checkout"](o.target, opts=["-B", o.branch, sha], **c)
        notes.append(f"Branch '{o.branch}' checked out, with {want.rev} ({short(sha)}) as a starting point")
    else:
        actx.salt["git.reset"](o.target, opts=["--hard", sha], **c)
        if want.kind == "sha1":
            notes.append(f"Repository was reset to {short(sha)}")
    if query(actx, "git.rev_parse", o.target, "@{upstream}", opts="--abbrev-ref", **c):
        actx.salt["git.branch"](o.target, opts=["--unset-upstream"], **c)
    return [*notes, "Tracking branch was unset"]


# ---- bare and mirror repositories ----------------------------------------------------------------


def _plan_bare_fetch(o: Opts) -> Plan:
    """A bare or mirror clone is brought up to date by fetching (nothing else can change in it)."""
    uptodate = f"Repository {o.target} is up-to-date"

    def fetch(actx: Any) -> dict[str, Any]:
        c = o.common
        old = query(actx, "git.revision", o.target, **c)
        if o.kind == "mirror":  # the mirror's own refspec (+refs/*:refs/*) moves its branches
            refspecs = None
        else:
            refspecs = [f"+refs/heads/{o.refspec_branch}:refs/remotes/{o.remote}/{o.refspec_branch}"]
            if o.fetch_tags:
                refspecs.append(f"+refs/tags/{o.refspec_tag}:refs/tags/{o.refspec_tag}")
        try:
            fetched = actx.salt["git.fetch"](o.target, remote=o.remote, refspecs=refspecs,
                                             identity=o.auth["identity"], **c)
        except SalineError as exc:
            return ret(o.name, False, {}, f"Fetch failed: {exc}")
        new = query(actx, "git.revision", o.target, **c)
        note = f"Bare repository at {o.target} was fetched, resulting in updated refs" if fetched else ""
        if new != old:
            return ret(o.name, True, {"revision": {"old": old, "new": new}}, note or uptodate)
        return ret(o.name, True, {}, f"{uptodate}\n\nChanges made: {note}" if note else uptodate)

    return Plan(o.name, {}, f"{uptodate}\n\nChanges that would be made: Bare repository at {o.target} would be "
                "fetched", fetch, extra={"result": True})
