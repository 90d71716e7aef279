"""``git.latest``: keep a checkout at the latest revision of a remote branch, tag or SHA1.

Planning asks the remote (``git ls-remote``) and the checkout (revision, branch, upstream, status) and
decides what a run would do, with Salt's comments: clone, fast-forward, hard-reset (``force_reset``),
or refuse (local changes, not a fast-forward, a non-repository target without ``force_clone``). Nothing
is fetched while planning, so ``test=True`` never touches the checkout.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from saline.errors import SalineError
from saline.states.api import Plan, ret
from saline.states.git_base import st
from saline.states.git_simple import empty_or_missing, wipe

_HEX = re.compile(r"^[0-9a-f]{4,40}$")


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


@dataclass
class Opts:
    name: str
    target: str
    url: str
    remote: str
    branch: str | None
    force_reset: Any
    force_fetch: bool
    depth: Any
    submodules: bool
    fetch_tags: bool
    refspec_branch: str
    refspec_tag: str
    common: dict[str, Any]
    auth: dict[str, Any] = field(default_factory=dict)


def _short(sha: str | None) -> str:
    return (sha or "")[:7]


def _resolve(refs: dict[str, str], rev: str, remote: str) -> Remote | str:
    if rev == "HEAD":
        sha = refs.get("HEAD")
        return Remote(rev, sha, "HEAD", remote) if sha else "The remote repository has no HEAD (is it empty?)"
    if f"refs/heads/{rev}" in refs:
        return Remote(rev, refs[f"refs/heads/{rev}"], "branch", remote)
    if f"refs/tags/{rev}" in refs:
        return Remote(rev, refs.get(f"refs/tags/{rev}^{{}}") or refs[f"refs/tags/{rev}"], "tag", remote)
    if _HEX.match(rev):
        advertised = next((sha for sha in refs.values() if sha.startswith(rev)), None)
        return Remote(rev, advertised, "sha1", remote)
    return f"No revision matching '{rev}' exists in the remote repository"


def _query(ctx: Any, fun: str, *args: Any, **kwargs: Any) -> Any:
    """A query that may fail (unset upstream, empty repository): None instead of an error."""
    try:
        return ctx.salt[fun](*args, ignore_retcode=True, **kwargs)
    except SalineError:
        return None


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
    ``remote-changes``); a non-repository target is replaced only with ``force_clone``."""
    if not name:
        return ret(name, False, {}, "'name' (the repository URL) is required")
    if not target or not os.path.isabs(str(target)):
        return ret(name, False, {}, f"target '{target}' is not an absolute path")
    if force_reset not in (True, False, "remote-changes"):
        return ret(name, False, {}, "'force_reset' must be one of True, False, or 'remote-changes'")
    if bare or mirror:
        return ret(name, False, {}, "git.latest manages working trees; for a bare or mirror repository use "
                   "git.present, or git.clone with opts='--mirror'")
    if not update_head:
        return ret(name, False, {}, "update_head=False is not supported; use git.cloned or git.detached")
    rev = "HEAD" if rev is None else str(rev)
    if depth is not None and (rev == "HEAD" or _HEX.match(rev)):
        return ret(name, False, {}, "When 'depth' is used, 'rev' must be set to the name of a branch or tag "
                   "on the remote repository")
    target = os.path.normpath(str(target))
    common = {"user": user, "output_encoding": output_encoding}
    auth = {"identity": identity, "https_user": https_user, "https_pass": https_pass}
    opts = Opts(str(name), target, str(name), str(remote), branch, force_reset, bool(force_fetch), depth,
                bool(submodules), bool(fetch_tags), str(refspec_branch), str(refspec_tag), common, auth)
    try:
        refs = ctx.salt["git.ls_remote"](None, remote=str(name), **auth, **common)
    except SalineError as exc:
        return ret(name, False, {}, f"Failed to check remote refs: {exc}")
    wanted = _resolve(refs, rev, opts.remote)
    if isinstance(wanted, str):
        return ret(name, False, {}, wanted)
    if empty_or_missing(target):
        return _plan_clone(opts, wanted, forced=False)
    top = _query(ctx, "git.rev_parse", target, opts="--show-toplevel", **common)
    if top is None or os.path.realpath(top) != os.path.realpath(target):
        if not force_clone:
            return ret(name, False, {}, f"Target '{target}' exists, is non-empty and is not a git repository. "
                       "Set the 'force_clone' option to True to remove this directory's contents and proceed "
                       "with cloning the remote repository")
        return _plan_clone(opts, wanted, forced=True)
    return _plan_update(ctx, opts, wanted)


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
        os.makedirs(os.path.dirname(o.target) or "/", exist_ok=True)
        clone_opts = ["--origin", o.remote] if o.remote != "origin" else []
        if o.depth is not None:
            clone_opts += ["--depth", str(o.depth), "--branch", want.rev]
        try:
            actx.salt["git.clone"](o.target, url=o.url, opts=clone_opts, **o.auth, **o.common)
            notes = _after_clone(actx, o, want)
            if o.submodules:
                actx.salt["git.submodule"](o.target, "update", opts="--init --recursive",
                                           identity=o.auth["identity"], **o.common)
            head = actx.salt["git.revision"](o.target, **o.common)
        except SalineError as exc:
            return ret(o.name, False, {}, f"Clone failed: {exc}")
        done = {**changes, "revision": {"old": None, "new": head}}
        return ret(o.name, True, done, ". ".join([f"{o.name} cloned to {o.target}", *notes]) +
                   ("." if notes else ""))

    return Plan(o.name, changes, comment, clone)


def _after_clone(actx: Any, o: Opts, want: Remote) -> list[str]:
    """Move the fresh clone to ``rev`` the way Salt does; the sentences for the comment."""
    c = o.common
    local = _query(actx, "git.current_branch", o.target, **c)
    if want.kind == "HEAD":
        return []
    if want.kind == "branch":
        if o.branch and o.branch != local:
            actx.salt["git.checkout"](o.target, opts=["-b", o.branch, f"{o.remote}/{want.rev}"], **c)
            return [f"Branch '{o.branch}' checked out, with {o.remote}/{want.rev} ({_short(want.sha)}) as a "
                    "starting point"]
        if local == want.rev:
            return []
        actx.salt["git.reset"](o.target, opts=["--hard", f"{o.remote}/{want.rev}"], **c)
        actx.salt["git.branch"](o.target, opts=[f"--set-upstream-to={o.remote}/{want.rev}"], **c)
        return [f"Repository was reset to {o.remote}/{want.rev} ({_short(want.sha)})",
                f"Tracking branch was updated to {o.remote}/{want.rev}"]
    # tag or SHA1: the local branch is moved there and no longer tracks anything
    if want.sha is None:
        actx.salt["git.fetch"](o.target, remote=o.remote, **c)
    target_rev = want.sha or want.rev
    if o.branch and o.branch != local:
        actx.salt["git.checkout"](o.target, opts=["-B", o.branch, target_rev], **c)
    else:
        actx.salt["git.reset"](o.target, opts=["--hard", target_rev], **c)
    if _query(actx, "git.rev_parse", o.target, "@{upstream}", opts="--abbrev-ref", **c):
        actx.salt["git.branch"](o.target, opts=["--unset-upstream"], **c)
    return ["Tracking branch was unset"]


# ---- update ---------------------------------------------------------------------------------------


def _plan_update(ctx: Any, o: Opts, want: Remote) -> dict[str, Any] | Plan:
    c = o.common
    try:
        remotes = ctx.salt["git.remotes"](o.target, redact_auth=False, **c)
        status = ctx.salt["git.status"](o.target, **c)
    except SalineError as exc:
        return ret(o.name, False, {}, str(exc))
    local_rev = _query(ctx, "git.revision", o.target, **c)
    local_branch = _query(ctx, "git.current_branch", o.target, **c)
    upstream = _query(ctx, "git.rev_parse", o.target, "@{upstream}", opts="--abbrev-ref", **c)
    local_changes = any(key != "untracked" for key in status)
    current_url = remotes.get(o.remote, {}).get("fetch")
    url_change = current_url != o.url
    would = done = ""
    if url_change:
        would = (f"Remote '{o.remote}' would be changed from {current_url} to {o.name}" if current_url else
                 f"Remote '{o.remote}' would be set to {o.name}")
        done = (f"Remote '{o.remote}' changed from {current_url} to {o.name}" if current_url else
                f"Remote '{o.remote}' set to {o.name}")
    want_sha = want.sha
    if want_sha is None:  # a SHA1 rev the remote does not advertise: it must exist locally
        want_sha = _query(ctx, "git.rev_parse", o.target, f"{want.rev}^{{commit}}", **c)
    same = local_rev is not None and want_sha is not None and local_rev == want_sha
    uptodate = f"Repository {o.target} is up-to-date"

    if same:
        tracking = _tracking_fix(want, upstream, local_branch)
        if local_changes and o.force_reset is True:
            changes = {"forced update": True}

            def reset_apply(actx: Any) -> dict[str, Any]:
                try:
                    made = _set_remote(actx, o, url_change, done)
                    actx.salt["git.reset"](o.target, opts=["--hard", want_sha], **c)
                    made += _fix_tracking(actx, o, tracking)
                except SalineError as exc:
                    return ret(o.name, False, {}, str(exc))
                made += ["Uncommitted changes were discarded.",
                         f"Repository was hard-reset to {want.loc} ({_short(want_sha)})."]
                return ret(o.name, True, changes, f"{uptodate}\n\nChanges made: {' '.join(made)}")

            return Plan(o.name, changes, f"{o.target} is up-to-date, but with uncommitted changes. Since "
                        "'force_reset' is set to True, these local changes would be reset. To only reset when "
                        "there are changes in the remote repository, set 'force_reset' to 'remote-changes'.",
                        reset_apply)
        if local_changes:
            uptodate += (", but with uncommitted changes. Set 'force_reset' to True to purge uncommitted "
                         "changes.")
        if not url_change and tracking is None:
            return ret(o.name, True, {}, uptodate)
        pending = ([would] if url_change else []) + ([tracking[1]] if tracking else [])

        def note_apply(actx: Any) -> dict[str, Any]:
            try:
                made = _set_remote(actx, o, url_change, done) + _fix_tracking(actx, o, tracking)
            except SalineError as exc:
                return ret(o.name, False, {}, str(exc))
            return ret(o.name, True, {}, f"{uptodate}\n\nChanges made: {' '.join(made)}")

        return Plan(o.name, {}, f"{uptodate}\n\nChanges that would be made: {' '.join(pending)}", note_apply,
                    extra={"result": True})

    if local_changes and o.force_reset is False:
        return ret(o.name, False, {}, f"Repository would be updated from {_short(local_rev)} to "
                   f"{_short(want_sha or want.rev)}, but there are uncommitted changes. Set 'force_reset' to "
                   "True (or 'remote-changes') to force this update and discard these changes.")
    have_remote_rev = want_sha is not None and _has_commit(ctx, o, want, want_sha)
    changes = {"revision": {"old": local_rev, "new": want_sha}}
    if have_remote_rev:
        ff = bool(local_rev) and _is_ancestor(ctx, o, local_rev, want_sha)
        if not ff and o.force_reset is False:
            return ret(o.name, False, {}, f"Repository would be updated to {_short(want_sha)}, but this is not a "
                       "fast-forward merge. Set 'force_reset' to True to force this update.")
        action = "fast-forwarded" if ff else "hard-reset"
        comment = f"Repository would be {action} from {_short(local_rev)} to {_short(want_sha)}"
    elif o.force_reset and not local_changes:
        comment = f"Repository would be hard-reset from {_short(local_rev)} to {_short(want_sha or want.rev)}"
    else:
        comment = (f"Remote '{o.remote}' would be fetched. Repository would be updated from {_short(local_rev)} "
                   f"to {_short(want_sha or want.rev)}.")
    if url_change:
        comment += f"\n\nChanges that would be made: {would}"

    def update(actx: Any) -> dict[str, Any]:
        return _apply_update(actx, o, want, local_rev, local_changes, upstream, local_branch,
                             (url_change, done))

    return Plan(o.name, changes, comment, update)


def _has_commit(ctx: Any, o: Opts, want: Remote, sha: str) -> bool:
    if _query(ctx, "git.rev_parse", o.target, f"{sha}^{{commit}}", **o.common) is None:
        return False
    if want.kind == "branch":  # the remote-tracking branch must already point there
        return _query(ctx, "git.rev_parse", o.target, f"{o.remote}/{want.rev}", **o.common) == sha
    return True


def _is_ancestor(ctx: Any, o: Opts, old: str, new: str) -> bool:
    try:
        return bool(ctx.salt["git.merge_base"](o.target, refs=[old, new], is_ancestor=True, **o.common))
    except SalineError:
        return False


def _tracking_fix(want: Remote, upstream: str | None, local_branch: str | None) -> tuple[str, str] | None:
    """What to do about the local branch's upstream: (git branch option, sentence) or None."""
    if local_branch in (None, "HEAD"):
        return None
    if want.kind == "branch" and upstream != want.upstream:
        return (f"--set-upstream-to={want.upstream}", f"Tracking branch would be set to {want.upstream}.")
    if want.kind in ("tag", "sha1") and upstream:
        return ("--unset-upstream", "Tracking branch would be unset.")
    return None


def _fix_tracking(actx: Any, o: Opts, tracking: tuple[str, str] | None) -> list[str]:
    if tracking is None:
        return []
    actx.salt["git.branch"](o.target, opts=[tracking[0]], **o.common)
    return [tracking[1].replace(" would be ", " was ")]


def _set_remote(actx: Any, o: Opts, url_change: bool, done: str) -> list[str]:
    if not url_change:
        return []
    actx.salt["git.remote_set"](o.target, o.url, remote=o.remote, https_user=o.auth["https_user"],
                                https_pass=o.auth["https_pass"], **o.common)
    return [done]


def _apply_update(actx: Any, o: Opts, want: Remote, local_rev: str | None, local_changes: bool,
                  upstream: str | None, local_branch: str | None, url: tuple[bool, str]) -> dict[str, Any]:
    c = o.common
    comments: list[str] = []
    try:
        remote_note = _set_remote(actx, o, *url)
    except SalineError as exc:
        return ret(o.name, False, {}, str(exc))
    force = "+" if (o.force_fetch or o.force_reset) else ""
    refspecs = [f"{force}refs/heads/{o.refspec_branch}:refs/remotes/{o.remote}/{o.refspec_branch}"]
    if o.fetch_tags:
        refspecs.append(f"+refs/tags/{o.refspec_tag}:refs/tags/{o.refspec_tag}")
    tags_before = set(_query(actx, "git.list_tags", o.target, **c) or [])
    try:
        fetched = actx.salt["git.fetch"](o.target, remote=o.remote, refspecs=refspecs,
                                         identity=o.auth["identity"], **c)
    except SalineError as exc:
        output = str(exc).split("failed: ", 1)[-1]
        return ret(o.name, False, {}, "Fetch failed. Set 'force_fetch' to True to force the fetch if the "
                   "failure was due to not being able to fast-forward. Output of the fetch command follows:"
                   f"\n\n{output}")
    if fetched:
        comments.append(f"{o.name} was fetched, resulting in updated refs.")
    want_sha = want.sha or _query(actx, "git.rev_parse", o.target, f"{want.rev}^{{commit}}", **c)
    if want_sha is None:
        return ret(o.name, False, {}, f"No revision matching '{want.rev}' exists in the remote repository")
    forced_reset = local_changes and o.force_reset is True
    ff = bool(local_rev) and _is_ancestor(actx, o, local_rev, want_sha)
    if not ff and o.force_reset is False:
        return ret(o.name, False, {}, f"Repository would be updated to {_short(want_sha)}, but this is not a "
                   "fast-forward merge. Set 'force_reset' to True to force this update.")
    try:
        if o.branch and local_branch not in (None, "HEAD") and o.branch != local_branch:
            actx.salt["git.checkout"](o.target, opts=["-B", o.branch], **c)
            comments.append(f"Branch '{o.branch}' checked out.")
            local_branch = o.branch
        tracking = _tracking_fix(want, upstream, local_branch)
        comments += _fix_tracking(actx, o, tracking)
        if ff and not local_changes:
            actx.salt["git.merge"](o.target, rev=want_sha, opts="--ff-only", **c)
        else:
            actx.salt["git.reset"](o.target, opts=["--hard", want_sha], **c)
        if o.submodules:
            actx.salt["git.submodule"](o.target, "update", opts="--init --recursive",
                                       identity=o.auth["identity"], **c)
        head = actx.salt["git.revision"](o.target, **c)
    except SalineError as exc:
        return ret(o.name, False, {}, str(exc))
    changes: dict[str, Any] = {"revision": {"old": local_rev, "new": head}}
    new_tags = sorted(set(_query(actx, "git.list_tags", o.target, **c) or []) - tags_before)
    if new_tags:  # Salt shows them as the text of a Python set
        changes["new_tags"] = "{" + ", ".join(repr(t) for t in new_tags) + "}"
    if ff:
        if local_changes:
            comments.append("Uncommitted changes were discarded.")
        comments.append(f"Repository was fast-forwarded to {want.loc} ({_short(want_sha)}).")
    else:
        changes = {"forced update": True, **changes}
        if forced_reset:
            comments.append("Uncommitted changes were discarded.")
        comments.append(f"Repository was hard-reset to {want.loc} ({_short(want_sha)})")
    comment = " ".join(comments)
    if remote_note:
        comment += f"\n\nChanges made: {' '.join(remote_note)}"
    return ret(o.name, True, changes, comment)
