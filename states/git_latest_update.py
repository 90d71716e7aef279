"""``git.latest`` on an existing working tree: up to date, fast-forward, hard-reset, or refuse.

Comments follow Salt's: parts joined as sentences, "Changes made:"/"Changes that would be made:" after
``Repository <target> is up-to-date`` when only the remote URL, the local branch or its tracking changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from saline.errors import SalineError
from saline.states.api import Plan, ret
from saline.states.git_base import auth_url, query, redacted, sentences, short
from saline.states.git_latest import Opts, Remote


@dataclass
class Checkout:
    """What planning found in the working tree."""

    rev: str | None
    branch: str | None  # None when detached
    upstream: str | None
    local_changes: bool
    url: str | None
    stale_tags: list[str]  # local tags the remote no longer has (removed when sync_tags)


def _inspect(ctx: Any, o: Opts) -> Checkout | str:
    c = o.common
    try:
        remotes = ctx.salt["git.remotes"](o.target, redact_auth=False, **c)
        status = ctx.salt["git.status"](o.target, **c)
    except SalineError as exc:
        return str(exc)
    branch = query(ctx, "git.current_branch", o.target, **c)
    stale: list[str] = []
    if o.remote_tags is not None:
        stale = sorted(set(query(ctx, "git.list_tags", o.target, **c) or []) - o.remote_tags)
    return Checkout(
        rev=query(ctx, "git.revision", o.target, **c),
        branch=None if branch in (None, "HEAD") else branch,
        upstream=query(ctx, "git.rev_parse", o.target, "@{upstream}", opts="--abbrev-ref", **c),
        local_changes=any(key != "untracked" for key in status),  # untracked files do not count
        url=remotes.get(o.remote, {}).get("fetch"),
        stale_tags=stale,
    )


def plan(ctx: Any, o: Opts, want: Remote) -> dict[str, Any] | Plan:
    co = _inspect(ctx, o)
    if isinstance(co, str):
        return ret(o.name, False, {}, co)
    want_sha = want.sha or query(ctx, "git.rev_parse", o.target, f"{want.rev}^{{commit}}", **o.common)
    if co.rev is not None and co.rev == want_sha:
        return _plan_same(ctx, o, want, co, want_sha)
    return _plan_differs(ctx, o, want, co, want_sha)


# ---- small actions shared by the paths -----------------------------------------------------------


def _url_notes(o: Opts, co: Checkout) -> tuple[str, str] | None:
    # with https_user/https_pass the remote holds the URL with the credentials in it (as git.clone stores it)
    if co.url == auth_url(o.name, o.auth.get("https_user"), o.auth.get("https_pass")):
        return None
    if co.url is None:
        return (f"Remote '{o.remote}' would be set to {o.name}", f"Remote '{o.remote}' set to {o.name}")
    old = redacted(co.url)
    return (f"Remote '{o.remote}' would be changed from {old} to {o.name}",
            f"Remote '{o.remote}' changed from {old} to {o.name}")


def _set_remote(actx: Any, o: Opts, notes: tuple[str, str] | None) -> list[str]:
    if notes is None:
        return []
    actx.salt["git.remote_set"](o.target, o.name, remote=o.remote, https_user=o.auth["https_user"],
                                https_pass=o.auth["https_pass"], **o.common)
    return [notes[1]]


def _branch_exists(ctx: Any, o: Opts, branch: str) -> bool:
    return query(ctx, "git.rev_parse", o.target, f"refs/heads/{branch}", opts="--verify", **o.common) is not None


def _switch_notes(ctx: Any, o: Opts, want: Remote, co: Checkout, sha: str | None) -> tuple[str, str] | None:
    if not o.branch or o.branch == co.branch:
        return None
    if _branch_exists(ctx, o, o.branch):
        return (f"Branch '{o.branch}' would be checked out", f"Branch '{o.branch}' was checked out")
    tail = f", with {want.start_point} ({short(sha)}) as a starting point"
    return (f"New branch '{o.branch}' would be checked out{tail}", f"New branch '{o.branch}' was checked out{tail}")


def _switch(actx: Any, o: Opts, want: Remote, sha: str, notes: tuple[str, str] | None) -> list[str]:
    if notes is None:
        return []
    start = want.start_point if want.kind == "branch" else sha
    actx.salt["git.checkout"](o.target, opts=["-B", str(o.branch), start], force=o.force_checkout, **o.common)
    return [notes[1]]


def _tracking(want: Remote, upstream: str | None, on_branch: bool) -> tuple[str, str] | None:
    """The change needed to the local branch's upstream: (``git branch`` option, sentence) or None."""
    if not on_branch:
        return None
    if want.kind == "branch" and upstream != want.upstream:
        return (f"--set-upstream-to={want.upstream}", f"Tracking branch would be set to {want.upstream}")
    if want.kind in ("tag", "sha1") and upstream:
        return ("--unset-upstream", "Tracking branch would be unset")
    return None


def _fix_tracking(actx: Any, o: Opts, want: Remote) -> list[str]:
    """After a branch switch or an update, make the current branch track what Salt expects."""
    c = o.common
    branch = query(actx, "git.current_branch", o.target, **c)
    upstream = query(actx, "git.rev_parse", o.target, "@{upstream}", opts="--abbrev-ref", **c)
    fix = _tracking(want, upstream, branch not in (None, "HEAD"))
    if fix is None:
        return []
    actx.salt["git.branch"](o.target, opts=[fix[0]], **c)
    return [fix[1].replace(" would be ", " was ")]


def _tags_note(co: Checkout, would: bool) -> str:
    verb = "would be" if would else "were"
    return f"The following tags {verb} removed from the local checkout: {', '.join(co.stale_tags)}"


def _drop_stale_tags(actx: Any, o: Opts, co: Checkout) -> list[str]:
    """Salt's sync_tags: local tags gone from the remote are deleted (a pruning fetch of the tags)."""
    if not co.stale_tags:
        return []
    actx.salt["git.fetch"](o.target, remote=o.remote, refspecs=["+refs/tags/*:refs/tags/*"], opts="--prune",
                           identity=o.auth["identity"], **o.common)
    return [_tags_note(co, would=False)]


# ---- already at the wanted revision --------------------------------------------------------------


def _plan_same(ctx: Any, o: Opts, want: Remote, co: Checkout, sha: str) -> dict[str, Any] | Plan:
    uptodate = f"Repository {o.target} is up-to-date"
    url = _url_notes(o, co)
    switch = _switch_notes(ctx, o, want, co, sha)
    # a new branch made from the remote-tracking branch tracks it already; Salt still announces it
    tracking = _tracking(want, None if switch and switch[0].startswith("New") else co.upstream,
                         co.branch is not None or switch is not None)
    pending = [n[0] for n in (url, switch) if n is not None] + ([tracking[1]] if tracking else [])
    pending += [_tags_note(co, would=True)] if co.stale_tags else []
    tag_changes = {"deleted_tags": co.stale_tags} if co.stale_tags else {}

    if co.local_changes and o.force_reset is True:
        def reset(actx: Any) -> dict[str, Any]:
            try:
                made = _drop_stale_tags(actx, o, co) + _set_remote(actx, o, url) + _switch(actx, o, want, sha, switch)
                actx.salt["git.reset"](o.target, opts=["--hard", sha], **o.common)
                made += _fix_tracking(actx, o, want)
            except SalineError as exc:
                return ret(o.name, False, {}, str(exc))
            made += ["Uncommitted changes were discarded", f"Repository was hard-reset to {want.loc} ({short(sha)})"]
            return ret(o.name, True, {"forced update": True, **tag_changes},
                       f"{uptodate}\n\nChanges made: {sentences(made)}")

        return Plan(o.name, {"forced update": True, **tag_changes},
                    f"{o.target} is up-to-date, but with uncommitted changes. Since 'force_reset' is set to True, "
                    "these local changes would be reset. To only reset when there are changes in the remote "
                    "repository, set 'force_reset' to 'remote-changes'.", reset)
    if co.local_changes:
        uptodate += ", but with uncommitted changes. Set 'force_reset' to True to purge uncommitted changes."
    if not pending:
        return ret(o.name, True, {}, uptodate)

    def tidy(actx: Any) -> dict[str, Any]:
        try:
            made = _drop_stale_tags(actx, o, co) + _set_remote(actx, o, url) + _switch(actx, o, want, sha, switch)
            made += _fix_tracking(actx, o, want)
        except SalineError as exc:
            return ret(o.name, False, {}, str(exc))
        return ret(o.name, True, tag_changes, f"{uptodate}\n\nChanges made: {sentences(made)}")

    # Salt reports a dry run that would only touch the remote, branch or tracking as a success
    return Plan(o.name, tag_changes, f"{uptodate}\n\nChanges that would be made: {sentences(pending)}", tidy,
                extra={} if tag_changes else {"result": True})


# ---- the remote has something else ---------------------------------------------------------------


def _has_commit(ctx: Any, o: Opts, want: Remote, sha: str | None) -> bool:
    if sha is None or query(ctx, "git.rev_parse", o.target, f"{sha}^{{commit}}", **o.common) is None:
        return False
    if want.kind == "branch":  # the remote-tracking branch must already point there
        return query(ctx, "git.rev_parse", o.target, want.start_point, **o.common) == sha
    if want.kind == "tag":  # and the local tag must agree with the remote one
        return query(ctx, "git.rev_parse", o.target, f"refs/tags/{want.rev}^{{commit}}", **o.common) == sha
    return True


def _is_ancestor(ctx: Any, o: Opts, old: str | None, new: str) -> bool:
    if not old:
        return False
    try:
        return bool(ctx.salt["git.merge_base"](o.target, refs=[old, new], is_ancestor=True, **o.common))
    except SalineError:
        return False


def _not_ff(o: Opts, sha: str) -> dict[str, Any]:
    return ret(o.name, False, {}, f"Repository would be updated to {short(sha)}, but this is not a fast-forward "
               "merge. Set 'force_reset' to True to force this update.")


def _no_head_update(o: Opts, want: Remote, co: Checkout, sha: str | None) -> dict[str, Any]:
    where = want.loc.capitalize() if want.kind == "HEAD" else want.loc
    return ret(o.name, True, {}, f"{where} ({short(sha)}) is already present and local HEAD ({short(co.rev)}) does "
               "not match, but update_head=False. HEAD has not been updated locally.")


def _plan_differs(ctx: Any, o: Opts, want: Remote, co: Checkout, sha: str | None) -> dict[str, Any] | Plan:
    target_short = short(sha or want.rev)
    if co.local_changes and o.force_reset is False:
        return ret(o.name, False, {}, f"Repository would be updated from {short(co.rev)} to {target_short}, but "
                   "there are uncommitted changes. Set 'force_reset' to True (or 'remote-changes') to force this "
                   "update and discard these changes.")
    have = _has_commit(ctx, o, want, sha)
    url = _url_notes(o, co)
    if not o.update_head:
        if have:
            return _no_head_update(o, want, co, sha)

        def fetch_only(actx: Any) -> dict[str, Any]:
            try:
                _set_remote(actx, o, url)
                _fetch(actx, o)
            except SalineError as exc:
                return _fetch_failed(o, exc)
            got = want.sha or query(actx, "git.rev_parse", o.target, f"{want.rev}^{{commit}}", **o.common)
            return _no_head_update(o, want, co, got)

        return Plan(o.name, {}, f"Remote '{o.remote}' would be fetched. Local HEAD ({short(co.rev)}) does not "
                    f"match {want.loc} ({target_short}) but update_head=False, HEAD would not be updated locally.",
                    fetch_only, extra={"result": True})
    pending = [url[0]] if url else []
    if have and sha is not None:
        ff = not (co.local_changes and o.force_reset is True) and _is_ancestor(ctx, o, co.rev, sha)
        if not ff and o.force_reset is False:
            return _not_ff(o, sha)
        action = "fast-forwarded" if ff else "hard-reset"
        pending.append(f"Repository would be {action} from {short(co.rev)} to {target_short}")
    elif o.force_reset and not co.local_changes:
        pending.append(f"Repository would be hard-reset from {short(co.rev)} to {target_short}")
    else:
        pending += [f"Remote '{o.remote}' would be fetched",
                    f"Repository would be updated from {short(co.rev)} to {target_short}"]

    def update(actx: Any) -> dict[str, Any]:
        return _apply(actx, o, want, co, url)

    return Plan(o.name, {"revision": {"old": co.rev, "new": sha}}, sentences(pending), update)


def _fetch(actx: Any, o: Opts) -> dict[str, Any]:
    force = "+" if (o.force_fetch or o.force_reset) else ""
    refspecs = [f"{force}refs/heads/{o.refspec_branch}:refs/remotes/{o.remote}/{o.refspec_branch}"]
    if o.fetch_tags:
        refspecs.append(f"+refs/tags/{o.refspec_tag}:refs/tags/{o.refspec_tag}")
    return actx.salt["git.fetch"](o.target, remote=o.remote, refspecs=refspecs, identity=o.auth["identity"],
                                  **o.common)


def _fetch_failed(o: Opts, exc: Exception) -> dict[str, Any]:
    output = str(exc).split("failed: ", 1)[-1]
    return ret(o.name, False, {}, "Fetch failed. Set 'force_fetch' to True to force the fetch if the failure was "
               "due to not being able to fast-forward. Output of the fetch command follows:\n\n" + output)


def _apply(actx: Any, o: Opts, want: Remote, co: Checkout, url: tuple[str, str] | None) -> dict[str, Any]:
    c = o.common
    try:
        made = _set_remote(actx, o, url)
    except SalineError as exc:
        return ret(o.name, False, {}, str(exc))
    tags_before = set(query(actx, "git.list_tags", o.target, **c) or [])
    try:
        fetched = _fetch(actx, o)
    except SalineError as exc:
        return _fetch_failed(o, exc)
    try:
        made = _drop_stale_tags(actx, o, co) + made
    except SalineError as exc:
        return _fetch_failed(o, exc)
    if fetched:
        made.append(f"{o.name} was fetched, resulting in updated refs")
    sha = want.sha or query(actx, "git.rev_parse", o.target, f"{want.rev}^{{commit}}", **c)
    if sha is None:
        return ret(o.name, False, {}, f"No revision matching '{want.rev}' exists in the remote repository")
    ff = _is_ancestor(actx, o, co.rev, sha)
    if not ff and o.force_reset is False:
        return _not_ff(o, sha)
    try:
        made += _switch(actx, o, want, sha, _switch_notes(actx, o, want, co, sha))
        made += _fix_tracking(actx, o, want)
        if ff and not co.local_changes:
            actx.salt["git.merge"](o.target, rev=sha, opts="--ff-only", **c)
        else:
            actx.salt["git.reset"](o.target, opts=["--hard", sha], **c)
        if o.submodules:
            actx.salt["git.submodule"](o.target, "update", opts="--init --recursive", identity=o.auth["identity"],
                                       **c)
        head = actx.salt["git.revision"](o.target, **c)
    except SalineError as exc:
        return ret(o.name, False, {}, str(exc))
    changes: dict[str, Any] = {"revision": {"old": co.rev, "new": head}}
    new_tags = sorted(set(query(actx, "git.list_tags", o.target, **c) or []) - tags_before)
    if new_tags:  # Salt shows them as the text of a Python set
        changes["new_tags"] = "{" + ", ".join(repr(t) for t in new_tags) + "}"
    if co.stale_tags:
        changes["deleted_tags"] = co.stale_tags
    if co.local_changes:
        made.append("Uncommitted changes were discarded")
    if not ff:
        changes = {"forced update": True, **changes}
        made.append(f"Repository was hard-reset to {want.loc} ({short(sha)})")
    elif want.kind in ("tag", "sha1"):
        made.append(f"Repository was reset to {want.rev} (fast-forward)")
    else:
        made.append(f"Repository was fast-forwarded to {want.loc} ({short(sha)})")
    return ret(o.name, True, changes, sentences(made))
