"""State module ``archive``: ``archive.extracted`` - a tar or zip archive unpacked into a directory.

Extraction is needed when a path of the archive is missing under ``name`` (or ``overwrite``); with
``if_missing`` an existing path skips everything. ``source`` is ``salt://``, a local path or
``file://`` URL, or ``http(s)://`` (downloaded into the minion cache, verified with ``source_hash``,
kept there unless ``keep_source: False``). Members that would land outside ``name`` are refused
(see :mod:`saline.archives`). Comments and changes are Salt's.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import stat
import subprocess
from typing import Any
from urllib.parse import urlparse

from saline import archives
from saline.errors import CommandExecutionError, SalineError
from saline.states.api import Plan, StateModule, ret
from saline.states.file_common import StateError, parse_hash

st = StateModule("archive", doc="Extract archives.")

_REMOTE = ("http", "https", "ftp")
_FORMATS = ("tar", "rar", "zip")


# a failure comment (result False) found while planning or applying, as for file states
_Fail = StateError


def _hash_from_file(ctx: Any, url: str, source: str, saltenv: str) -> str:
    """The digest for ``source`` in a hash file (a line naming its file, or the only digest)."""
    try:
        if url.startswith("salt://"):
            text = ctx.salt["cp.get_file_str"](url, saltenv)
        elif urlparse(url).scheme in _REMOTE:
            import urllib.request

            with urllib.request.urlopen(url, timeout=30) as resp:
                text = resp.read().decode("utf-8", "replace")
        else:
            with open(url.removeprefix("file://"), encoding="utf-8", errors="replace") as handle:
                text = handle.read()
    except (OSError, SalineError) as exc:
        raise _Fail(f"Unable to fetch source_hash file {url}: {exc}") from None
    if not text:
        raise _Fail(f"Source hash file {url} not found")
    digests = re.compile(r"\b([0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|"
                         r"[0-9a-fA-F]{128})\b")
    base = os.path.basename(urlparse(source).path)
    found = [m for line in text.splitlines() if base and base in line for m in digests.findall(line)]
    every = digests.findall(text)
    if found:
        return found[0].lower()
    if len(every) == 1:
        return every[0].lower()
    raise _Fail(f"Source hash file {url} contains no hash for {base}")


def _source_sum(ctx: Any, source_hash: Any, source: str, saltenv: str) -> tuple[str, str] | None:
    if not source_hash:
        return None
    text = str(source_hash).strip()
    if re.match(r"^(salt|https?|ftp|file)://", text) or text.startswith("/"):
        text = _hash_from_file(ctx, text, source, saltenv)
    return parse_hash(text)


def _digest(path: str, kind: str) -> str:
    try:
        digest = hashlib.new(kind)
    except ValueError:
        raise _Fail(f"Invalid hash type '{kind}' in source_hash") from None
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _cache_path(ctx: Any, url: str, saltenv: str) -> str:
    parsed = urlparse(url)
    return os.path.join(str(ctx.opts.get("cachedir") or "/var/cache/saline/minion"), "extrn_files", saltenv,
                        parsed.netloc, parsed.path.lstrip("/"))


def _trim(value: Any) -> int | bool:
    if value is True:
        return 100
    if value in (False, None):
        return False
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _Fail("Invalid value for trim_output, must be True/False or an integer") from None


def _owner_ids(user: Any, group: Any) -> tuple[int, int]:
    import grp
    import pwd

    uid = gid = -1
    if user:
        try:
            uid = int(user) if str(user).isdigit() else pwd.getpwnam(str(user)).pw_uid
        except KeyError:
            raise _Fail(f"User {user} does not exist") from None
    if group:
        try:
            gid = int(group) if str(group).isdigit() else grp.getgrnam(str(group)).gr_gid
        except KeyError:
            raise _Fail(f"Group {group} does not exist") from None
    return uid, gid


def _wrong_owner(path: str, uid: int, gid: int) -> list[str]:
    """Paths at or under ``path`` whose owner differs (directories walked, links not followed)."""
    out = []
    paths = [path]
    if os.path.isdir(path) and not os.path.islink(path):
        for dirpath, dirnames, filenames in os.walk(path):
            paths.extend(os.path.join(dirpath, e) for e in dirnames + filenames)
    for item in paths:
        info = os.lstat(item)
        if (uid != -1 and info.st_uid != uid) or (gid != -1 and info.st_gid != gid):
            out.append(item)
    return out


@st.state
def extracted(ctx: Any, name: str, source: Any, source_hash: Any = None, source_hash_name: Any = None,
              source_hash_update: bool = False, skip_files_list_verify: bool = False, skip_verify: bool = False,
              password: Any = None, options: Any = None, list_options: Any = None, force: bool = False,
              overwrite: bool = False, clean: bool = False, clean_parent: bool = False, user: Any = None,
              group: Any = None, if_missing: Any = None, trim_output: Any = False, use_cmd_unzip: Any = None,
              extract_perms: bool = True, enforce_toplevel: bool = True, enforce_ownership_on: Any = None,
              archive_format: Any = None, saltenv: str = "base", **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure the archive ``source`` is extracted into the directory ``name``."""
    keep_source = bool(kwargs.get("keep_source", kwargs.get("keep", True)))
    if any(kwargs.get(k) for k in ("signature", "source_hash_sig", "signed_by_any", "signed_by_all")):
        # never extract unverified when a signature was asked for
        return ret(name, False, {}, "Cannot verify signatures because the gpg module was not loaded")
    try:
        return _extracted(ctx, locals(), keep_source)
    except _Fail as exc:
        return ret(name, False, {}, str(exc))
    except CommandExecutionError as exc:
        return ret(name, False, {}, str(exc))


def _extracted(ctx: Any, a: dict[str, Any], keep_source: bool) -> dict[str, Any] | Plan:
    name = a["name"]
    if not isinstance(name, str) or not os.path.isabs(name):
        raise _Fail(f"{name} is not an absolute path")
    name = name.rstrip(os.sep)
    if os.path.isfile(name):
        raise _Fail(f"{name} exists and is not a directory")
    name += os.sep
    if_missing, owned_on = a["if_missing"], a["enforce_ownership_on"]
    if if_missing is not None and not os.path.isabs(str(if_missing)):
        raise _Fail("Value for 'if_missing' is not an absolute path")
    if owned_on is not None:
        if not os.path.isabs(str(owned_on)):
            raise _Fail("Value for 'enforce_ownership_on' is not an absolute path")
        if os.path.relpath(str(owned_on), name).startswith(".." + os.sep):
            raise _Fail(f"Value for 'enforce_ownership_on' must be within {name}")
    if if_missing is not None and os.path.exists(str(if_missing)):
        return ret(name, True, {}, f"Path {if_missing} exists")
    uid, gid = _owner_ids(a["user"], a["group"])
    if a["skip_files_list_verify"] and a["skip_verify"]:
        raise _Fail('Only one of "skip_files_list_verify" and "skip_verify" can be set to True')
    if a["clean"] and a["clean_parent"]:
        raise _Fail("Only one of 'clean' and 'clean_parent' can be set to True")
    saltenv = str(a["saltenv"] or "base")
    try:
        match, this_hash = ctx.salt["file.source_list"](a["source"], a["source_hash"], saltenv)[:2]
    except CommandExecutionError as exc:
        raise _Fail(str(exc)) from None
    if not match:
        raise _Fail(f'Invalid source "{a["source"]}"')
    match = str(match)
    parsed = urlparse(match)
    scheme = parsed.scheme.lower()
    basename_path = os.path.join(parsed.netloc, parsed.path).rstrip(os.sep) or parsed.netloc
    local = scheme in ("", "file")
    if local:
        match = os.path.realpath(os.path.expanduser(basename_path))
        if not os.path.isfile(match):
            raise _Fail(f"Source file '{match}' does not exist")
    elif scheme not in ("salt", *_REMOTE):
        raise _Fail(f'Invalid source "{a["source"]}"')
    fmt = a["archive_format"] or archives.guess_format(basename_path)
    if fmt is None:
        raise _Fail("Could not guess archive_format from the value of the 'source' argument. Please set this "
                    f"archive_format to one of the following: {', '.join(_FORMATS)}")
    fmt = str(fmt).lower()
    if fmt not in _FORMATS:
        raise _Fail(f"Invalid archive_format '{fmt}'. Either set it to a supported value ({', '.join(_FORMATS)}) "
                    "or remove this argument and the archive format will be guessed based on file extension.")
    if fmt == "rar":
        raise _Fail("archive.unrar function not available, rar/unrar might not be installed on minion")
    options = None if a["options"] is None else str(a["options"])
    if fmt != "tar" and a["password"] and fmt != "zip":
        raise _Fail("The 'password' argument is only supported for zip archives")
    if fmt == "zip" and options:
        raise _Fail("CLI options for zip archives need the unzip command (use_cmd_unzip), which Saline does "
                    "not use: remove 'options'")
    if fmt == "tar" and options and not shutil.which("tar"):
        raise _Fail("tar command not available, it might not be installed on minion")
    strip = None
    if options and fmt == "tar":
        found = re.search(r"""--strip(?:-components)?(?:\s+|=)["']?(\d+)["']?""", options)
        strip = int(found.group(1)) if found else None
    trim = _trim(a["trim_output"])
    hsum = _source_sum(ctx, this_hash, match, saltenv)
    setup = dict(a, name=name, match=match, fmt=fmt, options=options, strip=strip, trim=trim, hsum=hsum,
                 uid=uid, gid=gid, keep_source=keep_source, local=local, saltenv=saltenv)
    if scheme in _REMOTE:
        cached = _cache_path(ctx, match, saltenv)
        fresh = os.path.isfile(cached) and (hsum is None or _digest(cached, hsum[0]) == hsum[1])
        if not fresh:
            def fetch_then(actx: Any) -> dict[str, Any]:
                try:
                    _download(actx, setup, cached)
                    outcome = _plan(actx, setup, cached)
                    return outcome.apply(actx) if isinstance(outcome, Plan) else outcome
                except (_Fail, CommandExecutionError) as exc:
                    return ret(name, False, {}, str(exc))

            return Plan(name, {}, f"Archive {match} would be cached (if necessary) and checked to discover "
                        "if extraction is needed", fetch_then)
        return _plan(ctx, setup, cached)
    if scheme == "salt":
        cached = ctx.salt["cp.cache_file"](match, saltenv)
        if not cached:
            raise _Fail(f"Source file {match} not found in saltenv '{saltenv}'")
        return _plan(ctx, setup, str(cached))
    return _plan(ctx, setup, match)


def _download(actx: Any, s: dict[str, Any], cached: str) -> None:
    if not actx.salt["cp.get_url"](s["match"], dest=cached, makedirs=True, saltenv=s["saltenv"]):
        raise _Fail(f"Unable to cache {s['match']}")
    if s["hsum"] and not s["skip_verify"]:
        real = _digest(cached, s["hsum"][0])
        if real != s["hsum"][1]:
            os.unlink(cached)
            raise _Fail(f"File sum set for file {s['match']} of {s['hsum'][1]} does not match real sum of {real}")


def _plan(ctx: Any, s: dict[str, Any], cached: str) -> dict[str, Any] | Plan:
    name, fmt = s["name"], s["fmt"]
    if fmt == "zip" and not s["password"] and archives.zip_encrypted(cached):
        raise _Fail(f"Archive {s['match']} is password-protected, but no password was specified. Please set "
                    "the 'password' argument.")
    form = str(ctx.opts.get("hash_type") or "sha256")
    sums = _Checksums(ctx, cached, form)
    if s["skip_files_list_verify"] and s["hsum"] and sums.stored == s["hsum"][1]:
        return ret(name, None if ctx.opts.get("test") else True, {}, f"Archive {s['match']} existing source sum is "
                   "the same as the expected one and skip_files_list_verify argument was set to True. Extraction "
                   "is not needed")
    if s["source_hash_update"] and s["source_hash"] and not s["skip_verify"]:
        s = dict(s, checksums=sums)
    contents = archives.listing(cached, fmt, strip_components=s["strip"], verbose=True)
    if s["enforce_toplevel"] and (len(contents["top_level_dirs"]) > 1 or contents["top_level_files"]):
        raise _Fail("Archive does not have a single top-level directory. To allow this archive to be extracted, "
                    f"set 'enforce_toplevel' to False. To avoid a '{fmt}-bomb' it may also be advisable to set a "
                    "top-level directory by adding it to the 'name' value (for example, setting 'name' to "
                    f"{os.path.join(name, 'some_dir')} instead of {name}).")
    needed, missing, wrong_type = bool(s["overwrite"]), False, []
    checks = ((contents["dirs"], stat.S_ISDIR), (contents["files"], lambda m: not stat.S_ISLNK(m)
                                                  and not stat.S_ISDIR(m)), (contents["links"], stat.S_ISLNK))
    for paths, is_kind in checks:
        for rel in paths:
            try:
                mode = os.lstat(os.path.join(name, rel).rstrip(os.sep)).st_mode
            except FileNotFoundError:
                needed = missing = True
                continue
            except NotADirectoryError:
                continue
            if not is_kind(mode):
                wrong_type.append(rel)
    testing = bool(ctx.opts.get("test"))
    remove_first: list[str] = []
    if wrong_type:
        listed = "\n\n" + "\n".join(f"- {p}" for p in wrong_type)
        head = (f"The below paths (relative to {name}) exist, but are the incorrect type (file instead of "
                "directory, symlink instead of file, etc.).")
        if testing and s["clean"]:
            return Plan(name, {}, head + " Since the 'clean' option is enabled, the destination paths would be "
                        f"cleared and the archive would be extracted.{listed}", lambda actx: _run(actx, s, cached,
                                                                                             contents, []))
        if testing and s["clean_parent"]:
            return Plan(name, {}, head + " Since the 'clean_parent' option is enabled, the destination parent "
                        "directory would be removed first and then re-created and the archive would be extracted",
                        lambda actx: _run(actx, s, cached, contents, []))
        if not s["clean"]:
            if not s["force"]:
                raise _Fail(head + " To proceed with extraction, set 'force' to True. Note that this will remove "
                            f"these paths before extracting.{listed}")
            remove_first = [os.path.join(name, p) for p in wrong_type]
            needed = True
    hash_trigger = False
    if not needed and s["source_hash_update"] and sums.stored is not None and sums.current != sums.stored:
        needed = hash_trigger = True
    if needed:
        if s["local"] and s["hsum"] and not s["skip_verify"] and _digest(cached, s["hsum"][0]) != s["hsum"][1]:
            raise _Fail(f"{s['match']} does not match the desired source_hash {s['hsum'][1]}")
        comment = f"Archive {s['match']} would be extracted to {name}"
        if s["clean"]:
            comment += ", after cleaning destination path(s)"
        explain = ", due to source_hash update" if hash_trigger else \
            ", due to absence of one or more files/dirs" if missing else ""
        return Plan(name, {}, comment + explain, lambda actx: _run(actx, s, cached, contents, remove_first, explain))
    targets = _ownership_targets(s, contents)
    if any(_wrong_owner(t, s["uid"], s["gid"]) for t in targets if os.path.lexists(t)):
        return Plan(name, {"updated ownership": True}, "All files in archive are already present. Ownership "
                    "would be updated on one or more files/directories.",
                    lambda actx: _finish(actx, s, contents, {}, "All files in archive are already present"))
    if "checksums" in s and not testing and sums.current != sums.stored:
        def record(actx: Any) -> dict[str, Any]:  # Salt notes the archive's checksum on every run
            sums.save()
            return ret(name, True, {}, "All files in archive are already present")

        return Plan(name, {}, "", record)
    return ret(name, True, {}, "All files in archive are already present")


class _Checksums:
    """The checksum Salt keeps of the last archive seen (``source_hash_update``), under the cache dir."""

    def __init__(self, ctx: Any, cached: str, form: str) -> None:
        cachedir = str(ctx.opts.get("cachedir") or "/var/cache/saline/minion")
        rel = os.path.relpath(cached, cachedir) + ".hash"
        if rel.startswith(".." + os.sep):
            rel = os.path.join("local", cached.lstrip(os.sep))
        self.path = os.path.join(cachedir, "archive_hash", rel)
        self.form = form
        self.current = _digest(cached, form)
        self.stored = None
        try:
            with open(self.path, encoding="utf-8") as handle:
                for line in handle:
                    kind, _, value = line.rstrip("\n").partition(":")
                    if kind == form:
                        self.stored = value
        except OSError:
            pass

    def save(self) -> None:
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, "w", encoding="utf-8") as handle:
            handle.write(f"{self.form}:{self.current}\n")


def _ownership_targets(s: dict[str, Any], contents: dict[str, Any]) -> list[str]:
    if not (s["user"] or s["group"]):
        return []
    if s["enforce_ownership_on"]:
        return [str(s["enforce_ownership_on"])]
    return [os.path.join(s["name"], p).rstrip(os.sep)
            for p in contents["top_level_dirs"] + contents["top_level_files"] + contents["top_level_links"]]


def _rm(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def _run(actx: Any, s: dict[str, Any], cached: str, contents: dict[str, Any], remove_first: list[str],
         explain: str = "") -> dict:
    name = s["name"]
    if "checksums" in s:
        s["checksums"].save()
    changes: dict[str, Any] = {}
    for path in remove_first:
        _rm(path.rstrip(os.sep))
        changes.setdefault("removed", []).append(path)
    if s["clean_parent"]:
        _rm(name.rstrip(os.sep))
        changes["removed"] = f"Directory {name} was removed prior to the extraction"
    if s["clean"]:
        for rel in contents["top_level_dirs"] + contents["top_level_files"]:
            full = os.path.join(name, rel)
            if os.path.lexists(full.rstrip(os.sep)):
                _rm(full.rstrip(os.sep))
            changes.setdefault("removed", []).append(full)
    created = not os.path.isdir(name)
    if created:
        os.makedirs(name)
        if s["uid"] != -1:
            os.chown(name, s["uid"], -1)
    try:
        files = _extract(actx, s, cached)
    except (CommandExecutionError, _Fail) as exc:
        if created:
            shutil.rmtree(name, ignore_errors=True)
        return ret(name, False, changes, str(exc))
    if isinstance(files, dict):  # the tar command failed: Salt puts its result in changes
        return ret(name, False, files, "")
    if not files:
        return ret(name, False, changes, f"No files were extracted from {s['match']}")
    if created:
        changes["directories_created"] = [name]
    changes["extracted_files"] = files
    comment = f"{s['match']} extracted to {name}{explain}"
    comment += f". Output was trimmed to {s['trim']} number of lines"  # Salt adds this whatever trim_output is
    return _finish(actx, s, contents, changes, comment)


def _finish(actx: Any, s: dict[str, Any], contents: dict[str, Any], changes: dict[str, Any], comment: str) -> dict:
    name = s["name"]
    missing, failed = [], []
    for target in _ownership_targets(s, contents):
        if not os.path.lexists(target):
            missing.append(target)
            continue
        for path in _wrong_owner(target, s["uid"], s["gid"]):
            try:
                os.lchown(path, s["uid"], s["gid"])
                changes["updated ownership"] = True
            except OSError:
                failed.append(path)
    result = True
    if missing:
        result = bool(s["if_missing"])
        comment += "\n\nWhile trying to enforce user/group ownership, the following paths were missing:\n"
        comment += "".join(f"\n- {p}" for p in missing)
    if failed:
        result = False
        comment += ("\n\nWhile trying to enforce user/group ownership, Salt was unable to change ownership on "
                    "the following paths:\n") + "".join(f"\n- {p}" for p in failed)
    if not s["local"] and not s["match"].startswith("salt://") and not s["keep_source"]:
        cached = _cache_path(actx, s["match"], s["saltenv"])
        if os.path.isfile(cached):
            os.unlink(cached)
    return ret(name, result, changes, comment)


def _extract(actx: Any, s: dict[str, Any], cached: str) -> list[str] | dict[str, Any]:
    name, trim = s["name"], s["trim"]
    if s["fmt"] == "zip":
        return actx.salt["archive.unzip"](cached, name, options=s["options"], trim_output=trim,
                                          password=s["password"], extract_perms=s["extract_perms"])
    if s["options"] is None:
        files = archives.extract_tar(cached, name)
        return files[:trim] if trim else files
    opts = [o for o in shlex.split(s["options"]) if o not in ("v", "-v", "--verbose")]
    short, longs = "xv", []
    for index, opt in enumerate(opts):
        if opt.startswith("-") or index > 0:
            longs.append(opt)
        else:
            short += opt.replace("x", "").replace("f", "")
    archives.check_tar(cached, name)  # before tar writes anything
    done = subprocess.run(["tar", short, *longs, "-f", cached], cwd=name, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        return {"retcode": done.returncode, "stdout": done.stdout, "stderr": done.stderr, "pid": 0}
    files = done.stdout.splitlines()
    return (files[:trim] if trim else files) or "no tar output so far"
