"""``file`` functions that read sources through the file client: ``get_diff`` and ``source_list``."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs, urlparse

from saline.errors import CommandExecutionError
from saline.loader import Context
from saline.modules import file_text
from saline.modules.file import mod
from saline.textdata import binary_change


def split_salt_url(url: str, saltenv: str) -> tuple[str, str]:
    """``salt://path?saltenv=env`` -> ``(path, env)`` (``saltenv`` when the URL names none)."""
    rest = url[len("salt://"):] if url.startswith("salt://") else url
    path, _, query = rest.partition("?")
    envs = parse_qs(query).get("saltenv") if query else None
    return path.strip("/"), envs[-1] if envs else saltenv


def local_path(source: str) -> str | None:
    """The local path of ``file://`` URLs and absolute paths; None for other schemes."""
    if source.startswith("file://"):
        parsed = urlparse(source)
        return os.path.join(parsed.netloc, parsed.path) if parsed.netloc else parsed.path
    if source.startswith("/"):
        return source
    return None


def fetch(ctx: Context, source: str, saltenv: str) -> str | None:
    """A local path holding ``source`` (``salt://`` through the file client), None when absent."""
    if source.startswith("salt://"):
        return ctx.fileclient.cache_file(source, saltenv)
    path = local_path(source)
    if path is None:
        raise CommandExecutionError(
            f"Unsupported source '{source}': use salt://, file:// or an absolute path")
    return path


@mod.query
def get_diff(
    ctx: Context, file1: str, file2: str, saltenv: str = "base", show_filenames: bool = True,
    show_changes: bool = True, template: bool = False, source_hash_file1: Any = None,
    source_hash_file2: Any = None,
) -> str:
    """Unified diff between two files (local paths or ``salt://`` URLs); ``""`` when they are identical.

    With ``show_filenames`` the ``---``/``+++`` lines name the (cached) files. Binary files give
    ``"Replace binary file"`` (or ``... with text file`` / ``Replace text file with binary file``);
    ``show_changes=False`` gives ``"<show_changes=False>"`` for differing files. ``source_hash_file*``
    are accepted for Salt compatibility.

    CLI Example: ``saline-call --local file.get_diff /etc/hosts salt://hosts``
    """
    paths, errors = [], []
    for name in (file1, file2):
        found = fetch(ctx, str(name), saltenv)
        if not found:
            errors.append(f"File {name} not found")
        else:
            paths.append(found)
    if errors:
        raise CommandExecutionError(f"Failed to cache one or more files: {'; '.join(errors)}")
    contents = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                contents.append(handle.read())
        except OSError as exc:
            raise CommandExecutionError(f"Failed to read {path}: {exc.strerror}") from None
    old, new = contents
    if old == new:
        return ""
    if template and ctx.opts.get("obfuscate_templates"):
        return "<Obfuscated Template>"
    if not show_changes:
        return "<show_changes=False>"
    binary = binary_change(old, new)
    if binary:
        return binary
    names = (paths[0], paths[1]) if show_filenames else ("", "")
    return file_text.unified_diff(old.decode("utf-8", "replace"), new.decode("utf-8", "replace"), *names)


def _url_reachable(url: str) -> bool:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status) < 400
    except (urllib.error.URLError, OSError, ValueError):
        return False


@mod.query
def source_list(ctx: Context, source: Any, source_hash: Any, saltenv: str) -> list[Any]:
    """The first source of a list that exists, with its hash: ``[source, source_hash]`` (Salt's tuple).

    ``source`` is one URL (returned as is) or a list of ``salt://`` URLs, ``file://`` URLs, absolute
    paths, ``http(s)://``/``ftp://`` URLs (checked with a HEAD request) or one-key dicts
    ``{url: hash}`` whose hash replaces ``source_hash``. ``salt://`` entries exist when the file client
    lists them as a file or directory of their saltenv (``?saltenv=`` in the URL, else ``saltenv``).
    None found: error ``none of the specified sources were found``.

    CLI Example: ``saline-call --local file.source_list '[salt://a.conf, salt://default.conf]' '' base``
    """
    key = f"{source}_|-{source_hash}_|-{saltenv}"
    cache = ctx.scratch.setdefault("file.source_list", {})
    if key in cache:
        return list(cache[key])
    if not isinstance(source, list):
        ret = [source, source_hash]
    else:
        listings: dict[str, set[str]] = {}

        def listed(url: str) -> bool:
            path, env = split_salt_url(url, saltenv)
            if env not in listings:
                client = ctx.fileclient
                listings[env] = set(client.list_files(env)) | set(client.list_dirs(env))
            return path in listings[env]

        found = None
        for single in source:
            if isinstance(single, dict):
                if len(single) != 1:
                    continue
                url, this_hash = next(iter(single.items()))
                url, this_hash = str(url), this_hash or source_hash
            else:
                url, this_hash = str(single), source_hash
            scheme = urlparse(url).scheme
            if scheme == "salt":
                ok = listed(url)
            elif scheme in ("http", "https", "ftp"):
                ok = _url_reachable(url)
            else:
                path = local_path(url)
                ok = path is not None and os.path.exists(path)
            if ok:
                found = [url, this_hash]
                break
        if found is None:
            raise CommandExecutionError("none of the specified sources were found")
        ret = found
    cache[key] = tuple(ret)
    return ret
