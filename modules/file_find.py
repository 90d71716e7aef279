"""``file.find``: a find(1)-like search with match criteria, depth limits and print/delete/exec actions."""

from __future__ import annotations

import fnmatch
import glob
import grp
import os
import pwd
import re
import shutil
import stat
import time
from collections.abc import Callable, Iterator
from typing import Any

from saline.errors import SaltInvocationError
from saline.loader import Context
from saline.modules.file import gid_to_name, hash_file, mod, uid_to_name

_TYPES = {"b": stat.S_IFBLK, "c": stat.S_IFCHR, "d": stat.S_IFDIR, "p": stat.S_IFIFO, "f": stat.S_IFREG,
          "l": stat.S_IFLNK, "s": stat.S_IFSOCK}
_LETTERS = {v: k for k, v in _TYPES.items()}
_INTERVAL = re.compile(
    r"""^\s*(?P<modifier>[+-]?)
    (?:(?P<week>\d+(?:\.\d*)?)\s*[wW])?\s*
    (?:(?P<day>\d+(?:\.\d*)?)\s*[dD]?)?\s*
    (?:(?P<hour>\d+(?:\.\d*)?)\s*[hH])?\s*
    (?:(?P<minute>\d+(?:\.\d*)?)\s*[mM])?\s*
    (?:(?P<second>\d+(?:\.\d*)?)\s*[sS])?\s*$""", re.VERBOSE)
_UNITS = (("second", 1), ("minute", 60), ("hour", 3600), ("day", 86400), ("week", 604800))
_SIZES = {"b": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
PRINT_FIELDS = ("group", "md5", "mode", "mtime", "name", "path", "size", "type", "user")

Match = Callable[[str, str, os.stat_result], bool]


def _expand_braces(pattern: str) -> list[str]:
    """``*.{conf,ini}`` -> ``['*.conf', '*.ini']`` (one level per pair of braces, nested allowed)."""
    match = re.search(r"\{([^{}]*,[^{}]*)\}", pattern)
    if not match:
        return [pattern]
    out = []
    for choice in match.group(1).split(","):
        out.extend(_expand_braces(pattern[: match.start()] + choice + pattern[match.end():]))
    return out


def _glob_match(value: str, ignore_case: bool) -> Match:
    patterns = _expand_braces(value)
    if ignore_case:
        lowered = [p.lower() for p in patterns]
        return lambda d, name, st: any(fnmatch.fnmatchcase(name.lower(), p) for p in lowered)
    return lambda d, name, st: any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _regex_match(value: str, ignore_case: bool) -> Match:
    try:
        compiled = re.compile(value, re.IGNORECASE if ignore_case else 0)
    except re.error:
        raise SaltInvocationError(f'invalid regular expression: "{value}"') from None
    return lambda d, name, st: compiled.match(name) is not None


def _types(value: str) -> set[int]:
    letters = "".join(str(value).replace(",", "").split())
    found = set()
    for letter in letters:
        if letter not in _TYPES:
            raise SaltInvocationError(f'invalid file type "{letter}"')
        found.add(_TYPES[letter])
    return found


def _ids(value: Any, lookup: Callable[[str], int], what: str) -> set[int]:
    ids = set()
    for name in str(value).replace(",", " ").split():
        if name.isdigit():
            ids.add(int(name))
        else:
            try:
                ids.add(lookup(name))
            except KeyError:
                raise SaltInvocationError(f'no such {what} "{name}"') from None
    return ids


def parse_size(value: Any) -> tuple[int, int]:
    """``[+-]N[bkmgt]`` -> inclusive (min, max) byte bounds, like Salt's find."""
    scalar = str(value).strip()
    style = "="
    if scalar[:1] in ("+", "-"):
        style, scalar = scalar[0], scalar[1:]
    multiplier = _SIZES.get(scalar[-1:].lower()) if scalar else None
    if multiplier:
        scalar = scalar[:-1].strip()
    else:
        multiplier = 1
    try:
        num = int(float(scalar) * multiplier)
    except ValueError:
        raise SaltInvocationError(f'invalid size: "{value}"') from None
    if style == "-":
        return 0, num
    if style == "+":
        return num, 2**63
    return num, num + multiplier - 1


def parse_interval(value: Any) -> tuple[float, int, str]:
    """``[+-]1w2d3h4m5s`` -> (seconds, resolution of the smallest unit given, modifier)."""
    match = _INTERVAL.match(str(value))
    if match is None:
        raise SaltInvocationError(f"invalid time interval: '{value}'")
    seconds, resolution = 0.0, 0
    for name, factor in _UNITS:
        if match.group(name) is not None:
            seconds += float(match.group(name)) * factor
            resolution = resolution or factor
    if not resolution:
        raise SaltInvocationError(f"invalid time interval: '{value}'")
    return seconds, resolution, match.group("modifier")


def _criterion(key: str, value: Any) -> Match | None:
    if key in ("name", "iname"):
        return _glob_match(str(value), key == "iname")
    if key in ("regex", "iregex"):
        return _regex_match(str(value), key == "iregex")
    if key == "type":
        kinds = _types(value)
        return lambda d, n, st: stat.S_IFMT(st.st_mode) in kinds
    if key in ("user", "owner"):
        uids = _ids(value, lambda n: pwd.getpwnam(n).pw_uid, "user")
        return lambda d, n, st: st.st_uid in uids
    if key == "group":
        gids = _ids(value, lambda n: grp.getgrnam(n).gr_gid, "group")
        return lambda d, n, st: st.st_gid in gids
    if key == "size":
        low, high = parse_size(value)
        return lambda d, n, st: low <= st.st_size <= high
    if key == "mtime":
        seconds, resolution, modifier = parse_interval(value)
        limit = time.time() - int(seconds / resolution) * resolution
        if modifier == "-":
            return lambda d, n, st: st.st_mtime >= limit
        return lambda d, n, st: st.st_mtime <= limit
    if key == "grep":
        try:
            compiled = re.compile(str(value).encode())
        except re.error:
            raise SaltInvocationError(f'invalid regular expression: "{value}"') from None
        return lambda d, n, st: stat.S_ISREG(st.st_mode) and _grep(os.path.join(d, n), compiled)
    return None


def _grep(path: str, compiled: re.Pattern[bytes]) -> bool:
    try:
        with open(path, "rb") as handle:
            return compiled.search(handle.read()) is not None
    except OSError:
        return False


def _print_value(field: str, path: str, st: os.stat_result) -> Any:
    if field == "path":
        return path
    if field == "name":
        return os.path.basename(path)
    if field == "size":
        return st.st_size
    if field == "type":
        return _LETTERS.get(stat.S_IFMT(st.st_mode), "?")
    if field == "mode":
        return st.st_mode & 0o777
    if field == "mtime":
        return int(st.st_mtime)
    if field == "user":
        return uid_to_name(st.st_uid)
    if field == "group":
        return gid_to_name(st.st_gid)
    return hash_file(path, "md5") if stat.S_ISREG(st.st_mode) else ""  # md5


class Finder:
    """Compiled ``file.find`` options: criteria (all must match), depth limits and actions."""

    def __init__(self, options: dict[str, Any]) -> None:
        options = dict(options)
        self.mindepth = int(options.pop("mindepth", 0) or 0)
        maxdepth = options.pop("maxdepth", None)
        self.maxdepth = None if maxdepth is None else int(maxdepth)
        self.test = bool(options.pop("test", False))
        self.criteria: list[Match] = []
        self.print_fields: list[str] = []
        self.delete: set[int] | None = None
        self.exec_cmd: str | None = None
        for key, value in options.items():
            if key.startswith("_"):
                continue
            if value is None or value == "":
                raise SaltInvocationError(f'missing value for "{key}" option')
            found = _criterion(key, value)
            if found is not None:
                self.criteria.append(found)
            elif key == "print":
                fields = str(value).replace(",", " ").split() or ["path"]
                bad = [f for f in fields if f not in PRINT_FIELDS]
                if bad:
                    raise SaltInvocationError(f'invalid print option "{bad[0]}"')
                self.print_fields = fields
            elif key == "delete":
                letters = "bcdpfls" if "a" in str(value) else str(value)
                self.delete = _types(letters)
            elif key == "exec":
                self.exec_cmd = str(value)
            else:
                raise SaltInvocationError(f'invalid option "{key}"')
        if self.delete is not None:
            kinds = self.delete
            self.criteria.append(lambda d, n, st: stat.S_IFMT(st.st_mode) in kinds)
        if not self.print_fields and self.delete is None and self.exec_cmd is None:
            self.print_fields = ["path"]

    @property
    def changes_system(self) -> bool:
        return (self.delete is not None and not self.test) or self.exec_cmd is not None

    def _walk(self, root: str) -> Iterator[tuple[str, str, int]]:
        """(directory, name, depth) of ``root`` itself (depth 0) and of everything below it."""
        yield os.path.dirname(root), os.path.basename(root), 0
        if self.maxdepth == 0 or not os.path.isdir(root) or os.path.islink(root):
            return
        for dirpath, dirs, files in os.walk(root):
            rel = os.path.relpath(dirpath, root)
            depth = 1 if rel == "." else rel.count(os.sep) + 2
            for name in sorted(dirs + files):
                yield dirpath, name, depth
            if self.maxdepth is not None and depth >= self.maxdepth:
                dirs[:] = []

    def find(self, root: str) -> Iterator[Any]:
        for dirpath, name, depth in self._walk(root):
            if depth < self.mindepth or (self.maxdepth is not None and depth > self.maxdepth):
                continue
            path = os.path.join(dirpath, name) if depth else root
            try:
                st = os.lstat(path)
            except OSError:
                continue  # vanished (or deleted by a previous match)
            if all(criterion(dirpath, name, st) for criterion in self.criteria):
                yield from self._act(path, st)

    def _act(self, path: str, st: os.stat_result) -> Iterator[Any]:
        if self.print_fields:
            values = [_print_value(f, path, st) for f in self.print_fields]
            yield values[0] if len(values) == 1 else values
        if self.delete is not None:
            if not self.test:
                try:
                    if stat.S_ISDIR(st.st_mode):
                        shutil.rmtree(path)
                    else:
                        os.remove(path)
                except OSError:
                    return
            yield path
        if self.exec_cmd is not None:
            yield self._exec(path)

    def _exec(self, path: str) -> str:
        import shlex

        from saline.errors import CommandExecutionError
        from saline.process import run_command

        command = self.exec_cmd.replace("{}", path) if self.exec_cmd else ""
        try:
            ret = run_command(shlex.split(command), output_loglevel="quiet", ignore_retcode=True)
        except (CommandExecutionError, SaltInvocationError):
            return f"{path}: Failed"
        return f"{command}:\n{ret['stdout']}\n"


def _options(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    options = {k: v for k, v in kwargs.items() if not k.startswith("__")}
    if "delete" in args:
        options["delete"] = "f"
    elif "print" in args:
        options["print"] = "path"
    return options


def _read_only(ctx: Any, arguments: dict[str, Any]) -> bool:
    options = _options(tuple(arguments.get("args") or ()), dict(arguments.get("kwargs") or {}))
    if "exec" in options:
        return False
    return "delete" not in options or bool(options.get("test"))


@mod.action(read_only_if=_read_only)
def find(ctx: Context, path: str, *args: Any, **kwargs: Any) -> list[Any]:
    """Find files under ``path`` (a glob) like find(1); return a sorted list.

    Criteria (all must match): ``name``/``iname`` (shell glob on the base name, ``{a,b}`` allowed),
    ``regex``/``iregex`` (Python regex matched at the start of the base name), ``type`` (letters
    ``f d l b c p s``, several allowed), ``user`` (or ``owner``) and ``group`` (names or ids,
    comma/space separated), ``size`` (``[+-]N[bkmgt]``: ``+1m`` at least 1 MiB, ``-10k`` at most
    10 KiB), ``mtime`` (``[+-]`` interval like ``3d``, ``1w2d``, ``12h``: ``-`` newer than, else
    older than), ``grep`` (regex found in a regular file's content); ``mindepth``/``maxdepth``
    (``path`` itself is depth 0). Actions: ``print`` (comma-separated ``path name size type mode
    mtime user group md5``; one field gives values, several give lists; default ``path``),
    ``delete`` (types to delete, default ``f``; ``a`` for all; returns the deleted paths;
    ``test=True`` only reports), ``exec`` (command run for each match, ``{}`` replaced by the path).
    File types come from ``lstat``: a symlink is type ``l``, never followed.

    CLI Example: ``saline-call --local file.find /var/log name='*.gz' mtime=+30d print=path,size``
    """
    finder = Finder(_options(args, kwargs))
    roots = sorted(os.path.normpath(p) for p in glob.glob(os.path.expanduser(str(path))))
    found: list[Any] = []
    for root in roots:
        found.extend(finder.find(root))
    found.sort(key=_sort_key)
    return found


def _sort_key(item: Any) -> Any:
    if isinstance(item, list):
        return [(type(v).__name__, v) for v in item]
    return (type(item).__name__, item)
