"""Helpers shared by the file states: modes, owners, permission checks, diffs, sources and templates."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping
from typing import Any

from saline.errors import CommandExecutionError, SalineError, SaltInvocationError
from saline.states.api import ret
from saline.states.file_sys import FS
from saline.textdata import binary_change

# Salt's comment for a planned change of a managed file under test=True.
SET_TO_CHANGE = "\nNote: No changes made, actual changes may\nbe different due to other states."


class StateError(Exception):
    """A problem found while planning or applying: becomes ``result: False`` with this comment."""


def error(name: str, comment: str, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    return ret(name, False, changes or {}, comment)


# ---- modes and owners ------------------------------------------------------------------------------


def normalize_mode(mode: Any) -> str | None:
    """Salt's four-digit mode: ``644``, ``'644'``, ``'0644'``, ``'0o644'`` -> ``'0644'``; empty -> None."""
    if mode is None or mode == "" or mode is False:
        return None
    text = str(mode).strip().strip("'\"")
    if text.lower().startswith("0o"):
        text = text[2:]
    text = text.lstrip("0") or "0"
    if not text.isdigit() or any(c in "89" for c in text) or len(text) > 4:
        raise StateError(f"Invalid mode {mode!r}: expected octal digits such as 0644")
    return text.zfill(4)


def dir_mode_from(mode: str | None) -> str | None:
    """The directory mode Salt derives from a file mode: every non-zero digit gains the x bit."""
    if mode is None:
        return None
    digits = list(mode[-3:])
    return "".join(str(int(d) | 1) if d != "0" else d for d in digits)


def umask_mode(ctx: Any) -> str:
    """The mode a new file gets from the process umask (``0666 & ~umask``)."""
    mask = os.umask(0)
    os.umask(mask)
    return f"{0o666 & ~mask:04o}"


def check_user(ctx: Any, fs: FS, user: Any, group: Any) -> str:
    """Salt's ``_check_user``: an error text for an unknown user or group ("" when fine).

    Under test=True the check passes: an earlier state of the same run may create the account.
    """
    err = ""
    if user and fs.user_to_uid(user) == "":
        err += f"User {user} is not available "
    if group and fs.group_to_gid(group) == "":
        err += f"Group {group} is not available"
    return "" if ctx.test else err


def owner_differs(wanted: Any, name: Any, ident: Any) -> bool:
    """Does a wanted user/group (a name or an id) differ from the current name and id?"""
    if wanted is None or wanted == "":
        return False
    return wanted != name and wanted != ident and str(wanted) != str(ident)


def perm_changes(found: Mapping[str, Any], user: Any, group: Any, mode: str | None) -> dict[str, Any]:
    """The ``user``/``group``/``mode`` changes needed on something with stats ``found`` (Salt's keys)."""
    changes: dict[str, Any] = {}
    if owner_differs(user, found.get("user"), found.get("uid")):
        changes["user"] = user
    if owner_differs(group, found.get("group"), found.get("gid")):
        changes["group"] = group
    if mode is not None and mode != found.get("mode"):
        changes["mode"] = mode
    return changes


def apply_perms(fs: FS, path: str, user: Any, group: Any, mode: str | None,
                follow_symlinks: bool = True) -> tuple[dict[str, Any], list[str]]:
    """Salt's ``check_perms`` in a real run: set owner and mode, verify, and report.

    Returns the flat changes (``user``, ``group``, ``mode``) and the failure comments.
    """
    cur = fs.stats(path, follow=follow_symlinks)
    if cur is None:
        raise StateError(f"Path not found: {path}")
    is_link = cur.get("type") == "link"
    changes: dict[str, Any] = {}
    comments: list[str] = []
    want_user = owner_differs(user, cur["user"], cur["uid"])
    want_group = owner_differs(group, cur["group"], cur["gid"])
    if want_user or want_group:
        new_user = user if want_user else None
        new_group = group if want_group else None
        if is_link and not follow_symlinks:
            fs.lchown(path, new_user, new_group)
        else:
            err = fs.chown(path, new_user, new_group)
            if err:
                comments.append(str(err).strip())
            else:
                fs.set_mode(path, cur["mode"])  # chown clears set-id bits; put them back
    set_mode = mode is not None and not (is_link and not follow_symlinks) and mode != cur["mode"]
    if set_mode:
        fs.set_mode(path, mode)
    post = fs.stats(path, follow=follow_symlinks) or {}
    if user not in (None, ""):
        if owner_differs(user, post.get("user"), post.get("uid")):
            comments.append(f"Failed to change user to {user}")
        elif want_user:
            changes["user"] = user
    if group not in (None, ""):
        if owner_differs(group, post.get("group"), post.get("gid")):
            comments.append(f"Failed to change group to {group}")
        elif want_group:
            changes["group"] = group
    if mode is not None and not (is_link and not follow_symlinks):
        if mode != post.get("mode"):
            comments.append(f"Failed to change mode to {mode}")
        elif set_mode:
            changes["mode"] = mode
    return changes, comments


def process_owner(fs: FS) -> tuple[Any, Any]:
    """Names of the user and group new files get when this process creates them."""
    return fs.uid_to_user(os.geteuid()), fs.gid_to_group(os.getegid())


# ---- contents and diffs ----------------------------------------------------------------------------



def _lines(data: bytes) -> list[str]:
    """``readlines()`` of ``data`` (split after each newline), decoded like Salt: UTF-8, else Latin-1."""
    out = []
    for line in data.splitlines(keepends=True):
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(line.decode("latin-1"))
    # bytes.splitlines also splits on a lone \r; readlines() does not: glue those pieces back
    merged: list[str] = []
    for line in out:
        if merged and not merged[-1].endswith("\n"):
            merged[-1] += line
        else:
            merged.append(line)
    return merged


def unified_diff(old: list[str], new: list[str], joiner: str = "") -> str:
    return joiner.join(difflib.unified_diff(old, new))


def content_diff(old: bytes, new: bytes) -> str:
    """Salt's ``file.get_diff`` of two contents: "" when equal, a note for binary data, else a unified diff."""
    if old == new:
        return ""
    binary = binary_change(old, new)
    if binary:
        return binary
    return unified_diff(_lines(old), _lines(new))


def text_list(value: Any) -> list[str]:
    """Salt's ``_validate_str_list``: a string, bytes or list of values as a list of strings."""
    if isinstance(value, bytes):
        return [value.decode("utf-8", errors="replace")]
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return [v if isinstance(v, str) else str(v) for v in value]
    return [str(value)]


def join_lines(parts: list[str], newline: bool = True) -> str:
    """Contents made of text parts: every line ends with a newline (``newline=False``: not the last)."""
    text = "".join(line.rstrip("\n").rstrip("\r") + os.linesep for part in parts for line in part.splitlines())
    if not newline:
        text = text.rstrip("\n").rstrip("\r")
    return text


# ---- sources and templates -------------------------------------------------------------------------

_REMOTE_SCHEMES = ("http://", "https://", "ftp://", "s3://", "swift://")


class Source:
    """A resolved source: where its bytes are on this host, and what the user called it."""

    def __init__(self, url: str, local: str, source_hash: Any = None) -> None:
        self.url = url
        self.local = local
        self.source_hash = source_hash


def _local_path(url: str) -> str | None:
    if url.startswith("file://"):
        return url[len("file://"):]
    if url.startswith("/"):
        return url
    return None


def locate(ctx: Any, fs: FS, url: str, saltenv: str) -> str | None:
    """Local path of one source URL, or None when it does not exist."""
    local = _local_path(url)
    if local is not None:
        return local if fs.isfile(local) else None
    if url.startswith("salt://"):
        try:
            return ctx.fileclient.cache_file(url, saltenv)
        except SalineError:
            return None
    if url.startswith(_REMOTE_SCHEMES):
        raise StateError(f"Remote sources are not supported: {url} (use a salt:// or local source)")
    raise StateError(f"Invalid source '{url}': use salt://, file:// or an absolute path")


def source_entries(source: Any, source_hash: Any) -> list[tuple[str, Any]]:
    """``(url, hash)`` pairs of a ``source`` given as a string, a list of strings, or ``{url: hash}`` items."""
    if isinstance(source, str):
        return [(source, source_hash)]
    if isinstance(source, list):
        entries = []
        for item in source:
            if isinstance(item, Mapping):
                entries.extend((str(k), v) for k, v in item.items())
            elif isinstance(item, str):
                entries.append((item, source_hash))
            else:
                raise StateError(f"Invalid source {item!r}: expected a string or a {{url: hash}} mapping")
        return entries
    raise StateError(f"Invalid source {source!r}: expected a string or a list")


def resolve_source(ctx: Any, fs: FS, source: Any, source_hash: Any, saltenv: str) -> Source:
    """The first source that exists (Salt's ``file.source_list``); StateError with Salt's wording if none."""
    entries = source_entries(source, source_hash)
    for url, hsum in entries:
        local = locate(ctx, fs, url, saltenv)
        if local is not None:
            return Source(url, local, hsum)
    if isinstance(source, str):
        if source.startswith("salt://"):
            raise StateError(f"Source file {source} not found in saltenv '{saltenv}'")
        local = _local_path(source)
        if local is not None:
            raise StateError(f"Local file source {local} does not exist")
        raise StateError(f"Source file '{source}' not found")
    raise StateError("Unable to manage file: none of the specified sources were found")


def parse_hash(source_hash: Any) -> tuple[str, str] | None:
    """``(hash_type, hex)`` from ``sha256=...``, ``sha256:...`` or a bare digest (type from its length)."""
    if not source_hash:
        return None
    text = str(source_hash).strip()
    for sep in ("=", ":"):
        if sep in text:
            kind, _, value = text.partition(sep)
            return kind.strip().lower(), value.strip().lower()
    lengths = {32: "md5", 40: "sha1", 56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}
    if len(text) not in lengths:
        raise StateError(f"Invalid source_hash '{text}': expected <type>=<hex digest>")
    return lengths[len(text)], text.lower()


def render_template(ctx: Any, text: str, template: str, saltenv: str, source: str,
                    context: Mapping[str, Any] | None, defaults: Mapping[str, Any] | None) -> str:
    """Render file text with ``template`` (jinja), Salt's variables plus ``defaults`` updated by ``context``."""
    if str(template).lower() != "jinja":
        raise StateError(f"Specified template format {template} is not supported")
    from saline.renderers import render_string

    variables: dict[str, Any] = dict(defaults or {})
    variables.update(context or {})
    try:
        rendered = render_string(ctx, text, "jinja", saltenv=saltenv, source=source, context=variables)
    except SalineError as exc:
        raise StateError(str(exc)) from None
    return str(rendered)


def read_source(ctx: Any, fs: FS, src: Source, template: Any, saltenv: str,
                context: Any = None, defaults: Any = None) -> bytes:
    """The bytes a source provides, rendered when ``template`` is set."""
    data = fs.read(src.local)
    if not template:
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise StateError(f"Source file {src.url} is not UTF-8 text and cannot be rendered as a template") from None
    return render_template(ctx, text, template, saltenv, src.url, context, defaults).encode("utf-8")


def lookup(data: Any, key: str, delimiter: str = ":") -> tuple[bool, Any]:
    """``(found, value)`` of a ``a:b:c`` path in nested dicts/lists (pillar.get / grains.get style)."""
    current = data
    for part in str(key).split(delimiter):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.lstrip("-").isdigit() and -len(current) <= int(part) < len(current):
            current = current[int(part)]
        else:
            return False, None
    return True, current


def guard(fn: Any = None, *, prefix: str = "") -> Any:
    """Errors while planning or applying become a failed result named ``name``.

    A returned :class:`Plan` gets the same protection around its ``apply``, where the comment is
    ``prefix`` + the error (file.managed: Salt's "Unable to manage file: ...").
    """
    import functools

    from saline.states.api import Plan

    caught = (StateError, CommandExecutionError, SaltInvocationError)

    def decorate(func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(ctx: Any, name: Any = "", *args: Any, **kwargs: Any) -> Any:
            try:
                outcome = func(ctx, name, *args, **kwargs)
            except caught as exc:
                return error(str(name), str(exc))
            if isinstance(outcome, Plan):
                inner = outcome.apply

                def apply(c: Any) -> dict[str, Any]:
                    try:
                        return inner(c)
                    except caught as exc:
                        return error(outcome.name, f"{prefix}{exc}")

                outcome.apply = apply
            return outcome

        return wrapper

    return decorate(fn) if fn is not None else decorate
