"""Job control on a minion: the proc directory of running jobs and how a job is interrupted.

With ``multiprocessing: True`` a job has a process of its own (:mod:`saline.minion.job_process`) and a
signal for the job goes to that process (and to its commands' process groups). By default a minion runs
each job in a worker thread of its own process, and Python cannot stop a thread from outside. So
``saltutil.kill_job``/``term_job``/``signal_job`` interrupt a job at the points where it can really be stopped:

- every command the job started through :func:`saline.process.run_command` runs in its own process
  group; the group ids of the commands running now are kept (in memory and in the job's proc file),
  and a signal for the job is sent to those process groups, so a long ``cmd.run`` or ``pkg.install``
  ends at once;
- the job is marked cancelled (SIGKILL, SIGTERM, SIGINT, SIGHUP, SIGQUIT): from then on it cannot start
  another command (``run_command`` raises) and :func:`sleep` (``test.sleep``) returns early with an error;
- pure Python work between those points (rendering, file edits) runs to its next command or to its end.

The record of a job is ``<cachedir>/proc/<jid>`` (JSON): ``jid``, ``fun``, ``arg``, ``tgt``, ``tgt_type``,
``user``, ``id``, ``pid`` (the minion process), ``tid`` (its worker thread), ``start`` (unix time) and
``children`` (process groups of its running commands). It is removed when the job ends, error or not.
A cancellation asked from another process (``saline-call saltutil.kill_job`` next to a running daemon)
is a ``<jid>.cancel`` file next to the record, which the job checks at the same points.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from saline.errors import CommandExecutionError

log = logging.getLogger(__name__)

# True in a job's own process (minion option ``multiprocessing``): a signal for the job goes to it too.
IN_JOB_PROCESS = False

# Signals after which a job must not go on (it was asked to stop, not just told something).
STOPPING = frozenset({signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT})


class Job:
    """One running job of this process."""

    def __init__(self, record: dict[str, Any], path: str | None) -> None:
        self.record = record
        self.path = path
        self.children: set[int] = set()
        self.cancelled = threading.Event()
        self.signal: int | None = None
        self.lock = threading.Lock()

    @property
    def jid(self) -> str:
        return str(self.record["jid"])

    def save(self) -> None:
        """Write the record (with the current children) to the proc file."""
        if not self.path:
            return
        with self.lock:
            data = {**self.record, "children": sorted(self.children)}
        tmp = f"{self.path}.{threading.get_ident()}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(data, fh, default=str)
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("cannot record running job %s: %s", self.jid, exc)

    def cancel_requested(self) -> bool:
        if self.cancelled.is_set():
            return True
        if self.path and os.path.exists(f"{self.path}.cancel"):
            self.cancelled.set()
        return self.cancelled.is_set()


_jobs: dict[str, Job] = {}
_jobs_lock = threading.Lock()
_current: contextvars.ContextVar[Job | None] = contextvars.ContextVar("saline_job", default=None)


def proc_dir(opts: dict[str, Any]) -> str:
    """Where running jobs are recorded, one file per jid (Salt's ``proc`` directory)."""
    return os.path.join(str(opts.get("cachedir") or ""), "proc")


@contextmanager
def running(opts: dict[str, Any], load: dict[str, Any]) -> Iterator[Job]:
    """Record the job ``load`` (a publish load with a ``jid``) as running in this thread until the block ends."""
    jid = str(load.get("jid") or "")
    record = {"jid": jid, "fun": load.get("fun"), "arg": list(load.get("arg") or []), "tgt": load.get("tgt"),
              "tgt_type": load.get("tgt_type", "glob"), "user": load.get("user", "root"), "id": opts.get("id"),
              "pid": os.getpid(), "tid": threading.get_ident(), "start": time.time(),
              "process": IN_JOB_PROCESS}
    path = None
    if jid.isdigit():
        path = os.path.join(proc_dir(opts), jid)
        try:
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        except OSError as exc:
            log.warning("cannot record running job %s: %s", jid, exc)
            path = None
    job = Job(record, path)
    job.save()
    with _jobs_lock:
        _jobs[jid] = job
    token = _current.set(job)
    try:
        yield job
    finally:
        _current.reset(token)
        with _jobs_lock:
            if _jobs.get(jid) is job:
                del _jobs[jid]
        if path:
            for name in (path, f"{path}.cancel"):
                try:
                    os.unlink(name)
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    log.warning("cannot remove %s: %s", name, exc)


def current() -> Job | None:
    """The job this thread is running, if any."""
    return _current.get()


def local_job(jid: str) -> Job | None:
    with _jobs_lock:
        return _jobs.get(str(jid))


def records(opts: dict[str, Any]) -> list[dict[str, Any]]:
    """The records of the running jobs, oldest jid first; stale files of a dead process are skipped."""
    directory = proc_dir(opts)
    try:
        names = sorted(n for n in os.listdir(directory) if n.isdigit())
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as fh:
                record = json.load(fh)
        except (OSError, ValueError):
            continue
        if not isinstance(record, dict) or record.get("jid") != name:
            continue
        if not _alive(record.get("pid")):
            _remove_stale(directory, name)
            continue
        found.append(record)
    return found


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(directory: str, name: str) -> None:
    """A record left by a minion that died in the middle of a job (Salt cleans these up too)."""
    for path in (os.path.join(directory, name), os.path.join(directory, f"{name}.cancel")):
        try:
            os.unlink(path)
        except OSError:
            pass


# ---- hooks for saline.process -------------------------------------------------------------------

def check_cancelled() -> None:
    """Raise when the current job was asked to stop (called before a command starts)."""
    job = _current.get()
    if job is not None and job.cancel_requested():
        raise CommandExecutionError(f"Job {job.jid} was killed (signal {job.signal or 'from another process'}); "
                                    "no further commands are started")


def child_started(pgid: int) -> None:
    job = _current.get()
    if job is None:
        return
    with job.lock:
        job.children.add(pgid)
    job.save()
    if job.cancel_requested():  # killed between the check and the start: do not let it run
        _signal_group(pgid, job.signal or signal.SIGKILL)


def child_ended(pgid: int) -> None:
    job = _current.get()
    if job is None:
        return
    with job.lock:
        job.children.discard(pgid)
    job.save()


def sleep(seconds: float) -> None:
    """Sleep, but end early with an error when the current job is killed."""
    job = _current.get()
    if job is None:
        time.sleep(seconds)
        return
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        # the in-memory flag wakes the wait at once; a .cancel file is seen within half a second
        if job.cancelled.wait(min(left, 0.5)) or job.cancel_requested():
            raise CommandExecutionError(f"Job {job.jid} was killed while sleeping")


# ---- signalling ---------------------------------------------------------------------------------

def _signal_group(pgid: int, signum: int) -> bool:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def signal_job(opts: dict[str, Any], jid: str, signum: int) -> dict[str, Any] | None:
    """Deliver ``signum`` to job ``jid``; None when it is not running, else what was done:
    ``{"groups": [signalled process groups], "marked": bool, "local": bool, "process": pid or None}``
    (``process``: the job's own process, signalled too, when the minion runs jobs in processes)."""
    jid = str(jid)
    record = next((r for r in records(opts) if r.get("jid") == jid), None)
    job = local_job(jid)
    if record is None and job is None:
        return None
    stopping = signum in STOPPING
    if job is not None:
        if stopping:
            job.signal = signum
            job.cancelled.set()
        with job.lock:
            groups = sorted(job.children)
    else:
        groups = [g for g in (record or {}).get("children") or [] if isinstance(g, int) and g > 1]
        if stopping and record is not None:
            try:
                with open(os.path.join(proc_dir(opts), f"{jid}.cancel"), "w", encoding="utf-8") as fh:
                    fh.write(str(signum))
            except OSError as exc:
                log.warning("cannot mark job %s cancelled: %s", jid, exc)
                stopping = False
    sent = [g for g in groups if _signal_group(g, signum)]
    pid = (record or {}).get("pid")
    killed = False
    if (record or {}).get("process") is True and isinstance(pid, int) and pid > 1 and pid != os.getpid():
        try:  # the job's own process (multiprocessing), as Salt signals its job processes
            os.kill(pid, signum)
            killed = True
        except (ProcessLookupError, PermissionError):
            pass
    return {"groups": sent, "marked": stopping, "local": job is not None, "process": pid if killed else None}
