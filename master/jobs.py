"""The master's job cache: jobs and their returns in SQLite (WAL) under ``cachedir``.

One file, ``<cachedir>/jobs.db``; loads and returns are stored as msgpack blobs so any return a
minion sends (nested dicts, bytes, big ints) comes back exactly. The daemon calls this from executor
threads, so every method takes one lock around a single connection; a second process opening the
same file waits on SQLite's own lock (``timeout``) instead of failing.

Job ids follow Salt: ``%Y%m%d%H%M%S%f`` in local time, 20 digits. Two ids asked for in the same
microsecond get consecutive microseconds, so ids stay unique, sortable and 20 digits long.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from saline.errors import SaltInvocationError

JID_FORMAT = "%Y%m%d%H%M%S%f"
_JID_RE = re.compile(r"^\d{20}$")
# Jobs recorded by this process that get_job answers from memory: every return of a job looks its job up
# (1,000 returns of one publish would be 1,000 SELECTs and unpacks of the same row).
RECENT_JOBS = 256
# StartTime as Salt's job runners print it: "2024, Jan 01 12:00:00.123456"
START_TIME_FORMAT = "%Y, %b %d %H:%M:%S.%f"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    jid TEXT PRIMARY KEY,
    ts REAL NOT NULL,
    fun TEXT NOT NULL DEFAULT '',
    load BLOB NOT NULL,
    minions BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS returns (
    jid TEXT NOT NULL,
    minion TEXT NOT NULL,
    ts REAL NOT NULL,
    ret BLOB NOT NULL,
    PRIMARY KEY (jid, minion)
);
CREATE INDEX IF NOT EXISTS jobs_ts ON jobs (ts);
CREATE INDEX IF NOT EXISTS returns_ts ON returns (ts);
"""


def check_jid(jid: Any) -> str:
    """``jid`` as a string when it is a well-formed 20-digit job id, else SaltInvocationError."""
    text = str(jid) if isinstance(jid, int) and not isinstance(jid, bool) else jid
    if not isinstance(text, str) or not _JID_RE.match(text):
        raise SaltInvocationError(f"Invalid job id {jid!r}: expected 20 digits (%Y%m%d%H%M%S%f)")
    return text


def jid_to_time(jid: str) -> dt.datetime:
    """The local time a jid was made (SaltInvocationError for a malformed one)."""
    try:
        return dt.datetime.strptime(check_jid(jid), JID_FORMAT)
    except ValueError as exc:
        raise SaltInvocationError(f"Invalid job id {jid!r}: {exc}") from None


def format_start_time(jid: str) -> str:
    return jid_to_time(jid).strftime(START_TIME_FORMAT)


def _pack(data: Any) -> bytes:
    import msgpack

    return msgpack.packb(data, use_bin_type=True, datetime=False, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def _unpack(blob: bytes) -> Any:
    import msgpack

    return msgpack.unpackb(blob, raw=False, strict_map_key=False)


def salt_arguments(load: dict[str, Any]) -> list[Any]:
    """The job's arguments the way Salt records them: positionals, then one ``__kwarg__`` dict."""
    args = list(load.get("arg") or [])
    kwarg = load.get("kwarg") or {}
    if kwarg:
        args.append({"__kwarg__": True, **kwarg})
    return args


def job_summary(jid: str, load: dict[str, Any]) -> dict[str, Any]:
    """One job as ``jobs.list_jobs`` shows it (Salt's keys and order)."""
    return {
        "Function": load.get("fun", "unknown-function"),
        "Arguments": salt_arguments(load),
        "Target": load.get("tgt", "unknown-target"),
        "Target-type": load.get("tgt_type", "glob"),
        "User": load.get("user", "root"),
        "StartTime": format_start_time(jid),
    }


def _matches(value: Any, patterns: Any) -> bool:
    """Salt's search filters: a glob or a list of globs, against a string or any item of a list."""
    pats = [patterns] if isinstance(patterns, str) else [str(p) for p in patterns]
    values = value if isinstance(value, (list, tuple)) else [value]
    return any(fnmatch.fnmatch(str(v), p) for v in values for p in pats)


_TIME_FORMATS = (
    START_TIME_FORMAT, "%Y, %b %d %H:%M:%S", "%Y, %b %d %H:%M", "%Y, %b %d",
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f", "%d %b %Y %H:%M", "%b %d %Y %H:%M", JID_FORMAT,
)


def parse_time(value: Any) -> dt.datetime:
    """A ``start_time``/``end_time`` filter value as a local datetime (SaltInvocationError if unreadable)."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and len(str(int(value))) != 20:
        return dt.datetime.fromtimestamp(value)
    text = str(value).strip()
    for fmt in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise SaltInvocationError(
        f"Cannot read time {value!r}: use e.g. '2024, Jan 01 12:00' or '2024-01-01 12:00:00'"
    )


class JobCache:
    """Jobs and returns in ``path`` (SQLite, WAL). Thread-safe; see the module docstring."""

    def __init__(self, path: str, keep_jobs_hours: int = 24) -> None:
        self.path = path
        self.keep_jobs_hours = keep_jobs_hours
        parent = os.path.dirname(os.path.abspath(path))
        os.makedirs(parent, mode=0o700, exist_ok=True)
        self._lock = threading.Lock()
        self._last_jid = dt.datetime.min
        self._recent: OrderedDict[str, tuple[float, bytes, bytes]] = OrderedDict()  # jid -> the row
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        try:
            os.chmod(path, 0o600)  # returns may hold secrets (pillar data echoed back)
        except OSError:
            pass
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    @classmethod
    def from_opts(cls, opts: dict[str, Any]) -> JobCache:
        """The cache of a master: ``<cachedir>/jobs.db`` with ``keep_jobs`` hours of retention."""
        return cls(os.path.join(opts["cachedir"], "jobs.db"), int(opts.get("keep_jobs", 24)))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> JobCache:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---- jobs -----------------------------------------------------------------------------------

    def new_jid(self) -> str:
        """A fresh job id: the current local time, bumped by 1 µs when that time was already used."""
        with self._lock:
            now = dt.datetime.now()
            if now <= self._last_jid:
                now = self._last_jid + dt.timedelta(microseconds=1)
            self._last_jid = now
            return now.strftime(JID_FORMAT)

    def add_job(self, jid: str, load: dict[str, Any], minions: Iterable[str]) -> None:
        """Record a published job: ``load`` (fun, arg, kwarg, tgt, tgt_type, user, ts) and the expected minions.

        Recording the same jid twice is an error (jids are unique by construction).
        """
        jid = check_jid(jid)
        if not isinstance(load, dict):
            raise SaltInvocationError("Job load must be a mapping")
        ts = load.get("ts")
        ts = float(ts) if isinstance(ts, (int, float)) and not isinstance(ts, bool) else time.time()
        record = {k: v for k, v in load.items() if k not in ("jid", "minions")}
        row = (ts, _pack(record), _pack(sorted(set(minions))))
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO jobs (jid, ts, fun, load, minions) VALUES (?, ?, ?, ?, ?)",
                    (jid, row[0], str(load.get("fun", "")), row[1], row[2]),
                )
            except sqlite3.IntegrityError:
                raise SaltInvocationError(f"Job {jid} is already recorded") from None
            self._recent[jid] = row
            while len(self._recent) > RECENT_JOBS:
                self._recent.popitem(last=False)

    def get_job(self, jid: str) -> dict[str, Any] | None:
        """``{jid, <load keys>, minions, ts}`` or None when the job is unknown."""
        jid = check_jid(jid)
        with self._lock:
            row = self._recent.get(jid)
            if row is None:
                row = self._db.execute("SELECT ts, load, minions FROM jobs WHERE jid = ?", (jid,)).fetchone()
        if row is None:
            return None
        return {"jid": jid, **_unpack(row[1]), "minions": _unpack(row[2]), "ts": row[0]}

    def has_job(self, jid: str) -> bool:
        """Is job ``jid`` recorded? (cheaper than :meth:`get_job`: nothing is unpacked)"""
        jid = check_jid(jid)
        with self._lock:
            if jid in self._recent:
                return True
            return self._db.execute("SELECT 1 FROM jobs WHERE jid = ?", (jid,)).fetchone() is not None

    def add_return(self, jid: str, minion_id: str, ret: dict[str, Any]) -> bool:
        """Store one minion's return; False (and nothing stored) when it already returned for ``jid``."""
        jid = check_jid(jid)
        if not isinstance(minion_id, str) or not minion_id:
            raise SaltInvocationError("A return needs the minion id")
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO returns (jid, minion, ts, ret) VALUES (?, ?, ?, ?)",
                (jid, minion_id, time.time(), _pack(ret)),
            )
            return cur.rowcount == 1

    def returns(self, jid: str) -> dict[str, dict[str, Any]]:
        """``{minion_id: return dict}`` of the returns received so far, sorted by minion id."""
        jid = check_jid(jid)
        with self._lock:
            rows = self._db.execute(
                "SELECT minion, ret FROM returns WHERE jid = ? ORDER BY minion", (jid,)
            ).fetchall()
        return {minion: _unpack(blob) for minion, blob in rows}

    def returned_minions(self, jids: Iterable[str]) -> dict[str, list[str]]:
        """``{jid: [minion ids that returned]}`` for several jobs at once."""
        wanted = [check_jid(j) for j in jids]
        out: dict[str, list[str]] = {j: [] for j in wanted}
        if not wanted:
            return out
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT jid, minion FROM returns WHERE jid IN ({marks}) ORDER BY minion", chunk
                ).fetchall()
                for jid, minion in rows:
                    out[jid].append(minion)
        return out

    def list_jobs(
        self,
        search_function: Any = None,
        search_target: Any = None,
        start_time: Any = None,
        end_time: Any = None,
    ) -> dict[str, dict[str, Any]]:
        """``{jid: summary}`` in jid order, filtered like Salt's ``jobs.list_jobs``.

        ``search_function``/``search_target``: a glob or list of globs on the function / target;
        ``start_time``/``end_time``: keep jobs started at or after / at or before that time.
        """
        start = parse_time(start_time) if start_time not in (None, "") else None
        end = parse_time(end_time) if end_time not in (None, "") else None
        with self._lock:
            rows = self._db.execute("SELECT jid, load FROM jobs ORDER BY jid").fetchall()
        out: dict[str, dict[str, Any]] = {}
        for jid, blob in rows:
            load = _unpack(blob)
            if search_function and not _matches(load.get("fun", ""), search_function):
                continue
            if search_target and not _matches(load.get("tgt", ""), search_target):
                continue
            when = jid_to_time(jid)
            if (start and when < start) or (end and when > end):
                continue
            out[jid] = job_summary(jid, load)
        return out

    def active(self, minion_running: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Salt's ``jobs.active`` report from ``{minion_id: saltutil.running result}``.

        Each running job appears once with ``Running: [{minion: pid}, ...]`` and ``Returned``
        listing the minions whose return is already in the cache.
        """
        report: dict[str, dict[str, Any]] = {}
        for minion in sorted(minion_running):
            jobs = minion_running[minion]
            if not isinstance(jobs, list):
                continue  # the minion answered with an error string
            for job in jobs:
                if not isinstance(job, dict) or not _JID_RE.match(str(job.get("jid", ""))):
                    continue
                jid = str(job["jid"])
                if jid not in report:
                    cached = self.get_job(jid)
                    base = cached if cached is not None else job
                    report[jid] = {**job_summary(jid, base), "Running": [], "Returned": []}
                report[jid]["Running"].append({minion: job.get("pid")})
        for jid, minions in self.returned_minions(report).items():
            report[jid]["Returned"] = minions
        return dict(sorted(report.items()))

    # ---- retention ------------------------------------------------------------------------------

    def clean(self, now: float | None = None) -> int:
        """Drop jobs (and returns) older than ``keep_jobs_hours``; 0 hours keeps everything.

        Returns the number of jobs removed.
        """
        if self.keep_jobs_hours <= 0:
            return 0
        cutoff = (time.time() if now is None else now) - self.keep_jobs_hours * 3600
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                old = [r[0] for r in self._db.execute("SELECT jid FROM jobs WHERE ts < ?", (cutoff,))]
                self._db.execute("DELETE FROM returns WHERE jid IN (SELECT jid FROM jobs WHERE ts < ?)", (cutoff,))
                self._db.execute("DELETE FROM jobs WHERE ts < ?", (cutoff,))
                # returns whose job was never recorded (another master's, or a late reply) age out too
                self._db.execute(
                    "DELETE FROM returns WHERE ts < ? AND jid NOT IN (SELECT jid FROM jobs)", (cutoff,)
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            for jid in [j for j, row in self._recent.items() if row[0] < cutoff]:
                del self._recent[jid]
        return len(old)
