"""A job in a process of its own: minion option ``multiprocessing: True``.

By default a minion runs each job in a worker thread (light and quick). With ``multiprocessing: True``
(Salt's default on Linux) each job runs in a fresh ``python -m saline.minion.job_process``: a module
that leaks memory or crashes the interpreter takes only its job down, and ``saltutil.kill_job`` ends the
job's process itself, as in Salt.

The parent (a worker thread of the minion) and the job process talk over the child's stdin/stdout in
frames (4-byte big-endian length + msgpack): first the job ``{"opts", "grains", "load", "master"}``,
then any number of ``{"req": cmd, "load": ...}`` from the child, each answered with ``{"reply": ...}`` or
``{"error": text}`` (the parent relays them to the master over its encrypted channel: the child has no
key and no socket), and last ``{"ret": return_load, "grains": ...}`` (grains only when the job refreshed
them, so the minion keeps them). Only the minion talks to the child; nothing here comes from the network.
"""

from __future__ import annotations

import logging
import struct
import subprocess
import sys
from typing import Any, BinaryIO

log = logging.getLogger(__name__)

_HEADER = struct.Struct(">I")
MAX_PIPE_FRAME = 64 * 1024 * 1024


def write_frame(stream: BinaryIO, obj: Any) -> None:
    import msgpack

    data = msgpack.packb(obj, use_bin_type=True, default=str)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: BinaryIO) -> Any:
    """The next frame, or None at end of stream."""
    import msgpack

    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    if size > MAX_PIPE_FRAME:
        raise ValueError(f"job process frame of {size} bytes")
    data = stream.read(size)
    if len(data) < size:
        return None
    return msgpack.unpackb(data, raw=False, strict_map_key=False)


# ---- parent side ----------------------------------------------------------------------------------

def run_in_process(opts: dict[str, Any], grains: dict[str, Any], load: dict[str, Any],
                   request: Any = None) -> dict[str, Any]:
    """Run the job in a child process; its return load (an error return if the process died)."""
    proc = subprocess.Popen([sys.executable, "-m", "saline.minion.job_process"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, close_fds=True)
    assert proc.stdin is not None and proc.stdout is not None
    ret: dict[str, Any] | None = None
    try:
        write_frame(proc.stdin, {"opts": opts, "grains": grains, "load": load, "master": request is not None})
        while (msg := read_frame(proc.stdout)) is not None:
            if "req" in msg and request is not None:
                write_frame(proc.stdin, _relay(request, msg))
            elif "ret" in msg:
                ret = msg["ret"]
                if isinstance(msg.get("grains"), dict):  # saltutil.refresh_grains/sync_grains in the job
                    grains.clear()
                    grains.update(msg["grains"])
                break
    except (OSError, ValueError) as exc:
        log.error("job %s: lost its process: %s", load.get("jid"), exc)
    finally:
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        code = proc.wait()
    if ret is None:
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        ret = {"jid": load.get("jid"), "fun": load.get("fun"), "fun_args": list(load.get("arg") or []),
               "return": f"The job process {how} before returning", "retcode": 1, "success": False}
    return ret


def _relay(request: Any, msg: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"reply": request(str(msg["req"]), msg.get("load") or {})}
    except Exception as exc:  # the child gets the error as the thread would have
        return {"error": f"{type(exc).__name__}: {exc}"}


# ---- child side -----------------------------------------------------------------------------------

class _PipeRequest:
    """``request(cmd, load)`` for a job in a child process: asks the parent, which asks the master."""

    def __init__(self, out: BinaryIO, inp: BinaryIO) -> None:
        self.out, self.inp = out, inp

    def __call__(self, cmd: str, load: dict[str, Any]) -> Any:
        write_frame(self.out, {"req": cmd, "load": load})
        answer = read_frame(self.inp)
        if answer is None:
            raise ConnectionError("the minion went away")
        if "error" in answer:
            raise ConnectionError(answer["error"])
        return answer.get("reply")


def main() -> int:
    from saline import jobctl
    from saline.cli import setup_logging
    from saline.minion.executor import run_job

    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a module printing must not corrupt the frames
    job = read_frame(inp)
    if not isinstance(job, dict):
        return 2
    opts = dict(job["opts"])
    setup_logging(opts.get("log_level") or "warning", opts.get("log_file"),
                  opts.get("log_level_logfile") or opts.get("log_level") or "warning")
    jobctl.IN_JOB_PROCESS = True
    grains = dict(job["grains"])
    before = dict(grains)
    request = _PipeRequest(out, inp) if job.get("master") else None
    ret = run_job(opts, grains, job["load"], request)
    write_frame(out, {"ret": ret, "grains": grains if grains != before else None})
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
