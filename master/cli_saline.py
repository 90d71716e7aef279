"""``saline``: run a function on targeted minions through the master, like ``salt``.

Returns are printed as they arrive (``{id: return}`` per minion, with the chosen outputter); when
``-t`` runs out, each expected minion that did not answer is shown as
``Minion did not return. [No response]``. ``--static`` prints one merged document at the end.
Exit code: 0 when every expected minion answered and succeeded, 1 otherwise (2 for bad options).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from saline import wire
from saline.cli import SalineArgumentParser, add_logging_options, add_output_options, setup_logging
from saline.errors import ConfigError, SalineError

TARGET_FLAGS = [
    ("-E", "--pcre", "pcre"), ("-L", "--list", "list"), ("-G", "--grain", "grain"),
    ("-P", "--grain-pcre", "grain_pcre"), ("-I", "--pillar", "pillar"), ("-J", "--pillar-pcre", "pillar_pcre"),
    ("-S", "--ipcidr", "ipcidr"), ("-C", "--compound", "compound"), ("-N", "--nodegroup", "nodegroup"),
]


def build_parser() -> SalineArgumentParser:
    parser = SalineArgumentParser(prog="saline", usage="saline [options] '<target>' <function> [arguments]",
                                  description="Run a function on the minions a target matches.")
    parser.add_argument("-c", "--config-dir", dest="config_dir", metavar="DIR",
                        help="configuration directory (default $SALINE_CONFIG_DIR, else /etc/saline)")
    parser.add_argument("-t", "--timeout", type=float, metavar="SECONDS",
                        help="seconds to wait for the minions (default: the timeout option, 5)")
    parser.add_argument("--async", dest="run_async", action="store_true",
                        help="publish and print the job id without waiting for returns")
    parser.add_argument("-v", "--verbose", action="store_true", help="show the job id and missing minions")
    parser.add_argument("-b", "--batch", "--batch-size", dest="batch", metavar="N|N%",
                        help="run on at most N minions (or N%% of them) at a time")
    parser.add_argument("--batch-wait", dest="batch_wait", type=float, default=0.0, metavar="SECONDS",
                        help="wait this long after a minion returns before its slot is used again")
    parser.add_argument("--failhard", action="store_true", help="with -b: stop starting minions after a failure")
    group = parser.add_mutually_exclusive_group()
    for short, long, kind in TARGET_FLAGS:
        group.add_argument(short, long, dest="tgt_type", action="store_const", const=kind,
                           help=f"the target is a {kind} expression")
    add_output_options(parser)
    add_logging_options(parser)
    parser.add_argument("tgt", metavar="target")
    parser.add_argument("fun", metavar="function")
    parser.add_argument("args", nargs="*", metavar="arguments")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    ns = parser.parse_intermixed_args(sys.argv[1:] if argv is None else argv)
    setup_logging(ns.log_level or "warning")
    from saline.args import parse_cli_args
    from saline.config import load_config
    from saline.master.client import LocalClient

    try:
        opts = load_config("master", ns.config_dir)
    except ConfigError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    tgt_type = ns.tgt_type or "glob"
    tgt: Any = ns.tgt
    args, kwargs = parse_cli_args(ns.args)
    args, kwargs = wire.wire_safe(args), wire.wire_safe(kwargs)  # e.g. a jid for saltutil.find_job
    timeout = ns.timeout if ns.timeout is not None else float(opts.get("timeout") or 5)
    request = {"cmd": "publish", "tgt": tgt, "tgt_type": tgt_type, "fun": ns.fun, "arg": args,
               "kwarg": kwargs, "timeout": timeout, "subscribe": not ns.run_async}
    try:
        with LocalClient(opts) as client:
            if ns.batch is not None and not ns.run_async:
                return _batch(client, ns, opts, request, timeout)
            pub = client.call(request)
            if ns.run_async:
                sys.stdout.write(f"Executed command with job ID: {pub['jid']}\n")
                return 0
            return _gather(client, ns, opts, pub, timeout)
    except SalineError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1


# Functions whose returns are state results: shown with the highstate outputter by default, like Salt.
STATE_FUNCTIONS = frozenset({"state.apply", "state.sls", "state.highstate", "state.single", "state.sls_id",
                             "state.test", "state.top"})


def _emit(ns: Any, opts: dict[str, Any], data: dict[str, Any], retcode: int = 0) -> None:
    from saline.output import emit

    fmt = ns.output or opts.get("output") or ("highstate" if ns.fun in STATE_FUNCTIONS else "nested")
    out_opts = {**opts, **{k: v for k, v in vars(ns).items() if v is not None}, "_retcode": retcode}
    emit(data, fmt, out_opts)


def _gather(client: Any, ns: Any, opts: dict[str, Any], pub: dict[str, Any], timeout: float) -> int:
    """Print returns as they come; after ``timeout``, probe the missing minions with ``saltutil.find_job``
    (saline.master.gather) and keep waiting for those still running the job."""
    from saline.master.gather import Gatherer

    jid, expected = pub["jid"], list(pub.get("minions") or [])
    if not expected and not pub.get("open_ended"):
        sys.stderr.write("No minions matched the target. No command was sent, no jid was assigned.\n"
                         "ERROR: No return received\n")
        return 1
    if ns.verbose:
        sys.stdout.write(f"Executing job with jid {jid}\n{'-' * 67}\n\n")
    gjt = float(opts.get("gather_job_timeout") or 10)
    gather = Gatherer(jid, expected, timeout, gjt, open_ended=bool(pub.get("open_ended")))
    failed = False
    while True:
        action, value = gather.step()
        if action == "done":
            break
        if action == "probe":
            gather.probed(_probe(client, jid, value, timeout + gjt), value)
            continue
        msg = client.recv(value)
        if msg is None or "id" not in msg:
            continue
        if msg.get("jid") == jid:
            mid = msg["id"]
            if mid in gather.returned:
                continue
            gather.add_return(mid, msg)
            if not msg.get("success", True) or msg.get("retcode"):
                failed = True
            if not ns.static:
                _emit(ns, opts, {mid: msg.get("return")}, int(msg.get("retcode") or 0))
        elif gather.is_probe(msg.get("jid")):
            gather.add_probe_answer(msg["id"], msg.get("return"), msg.get("retcode"))
    returned = {mid: ret.get("return") for mid, ret in gather.returned.items()}
    missing = sorted(gather.missing)
    no_response = ("Minion did not return. [No response]\nThe minions may not have all finished running and "
                   "any remaining minions will return upon completion. To look up the return data for this job "
                   f"later, run the following command:\n\nsaline-run jobs.lookup_jid {jid}")
    notes = {mid: no_response for mid in missing}
    if missing:
        for mid in _not_connected(client, missing):
            notes[mid] = "Minion did not return. [Not connected]"
    for mid in missing:
        if not ns.static:
            _emit(ns, opts, {mid: notes[mid]})
    if ns.static:
        merged = {**returned, **notes}
        if merged:
            _emit(ns, opts, merged, 1 if failed or missing else 0)
    if not gather.expected and not returned:
        sys.stderr.write("ERROR: No return received\n")
        return 1
    for done in [jid, *gather.probe_jids]:
        try:
            client.sock.send(wire.pack({"cmd": "unsubscribe", "jid": done}))
        except Exception:
            pass
    if failed or missing:
        sys.stderr.write("ERROR: Minions returned with non-zero exit code\n")  # Salt's closing line
        return 1
    return 0


def _probe(client: Any, jid: str, minions: list[str], keep: float) -> str | None:
    """Publish ``saltutil.find_job <jid>`` to ``minions``; the probe's jid (None if the master refused).
    The job's own subscription is renewed so its returns keep coming however long the probes go on."""
    try:
        client.call({"cmd": "subscribe", "jid": jid, "timeout": keep + 60})
        pub = client.call({"cmd": "publish", "tgt": minions, "tgt_type": "list", "fun": "saltutil.find_job",
                           "arg": [jid], "kwarg": {}, "timeout": keep, "subscribe": True})
    except SalineError as exc:
        sys.stderr.write(f"Error: cannot ask the minions whether job {jid} still runs: {exc}\n")
        return None
    return str(pub.get("jid") or "") or None


CONNECTED_WITHIN = 90.0  # seconds: a minion heard from (auth, ping, return) this recently counts as connected


def _not_connected(client: Any, minions: list[str]) -> list[str]:
    """Which of ``minions`` the master has not heard from lately (Salt's "[Not connected]")."""
    try:
        state = client.call({"cmd": "presence"}, timeout=5)
    except SalineError:
        return []
    seen = state.get("presence") or {}
    now = float(state.get("now") or time.time())
    return [m for m in minions if m not in seen or now - float(seen[m]) > CONNECTED_WITHIN]


def _batch(client: Any, ns: Any, opts: dict[str, Any], request: dict[str, Any], timeout: float) -> int:
    """``-b``: like Salt, find the minions that answer ``test.ping`` first, then run the job on at most
    N of them at a time (saline.master.batch), printing returns as they come."""
    import asyncio

    from saline.master.batch import batch_size, run_batch

    ping = client.call({**request, "fun": "test.ping", "arg": [], "kwarg": {}, "subscribe": True})
    expected, up = set(ping.get("minions") or []), []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not (expected and expected <= set(up)):
        msg = client.recv(deadline - time.monotonic())
        if msg is None:
            break
        if msg.get("jid") == ping["jid"] and "id" in msg:
            up.append(msg["id"])
    if not up:
        sys.stderr.write("No minions matched the target.\n")
        return 1
    batch_size(ns.batch, len(up))  # a bad -b value is an error before anything runs

    async def run() -> int:
        # One thread owns the socket: a poller coroutine routes returns to the batch and replies to publish.
        returns: asyncio.Queue = asyncio.Queue()
        replies: asyncio.Queue = asyncio.Queue()

        async def pump() -> None:
            while True:
                msg = client.recv(0)
                if msg is None:
                    await asyncio.sleep(0.02)
                elif "id" in msg and "return" in msg:
                    returns.put_nowait(msg)
                else:
                    replies.put_nowait(msg)

        async def publish(ids: list[str]) -> str:
            client.sock.send(wire.pack({**request, "tgt": ids, "tgt_type": "list", "subscribe": True}))
            reply = await asyncio.wait_for(replies.get(), 30)
            if "error" in reply:
                raise SalineError(str(reply["error"]))
            return reply["jid"]

        gjt = float(opts.get("gather_job_timeout") or 10)

        async def probe(ids: list[str], jid: str) -> str | None:
            """``saltutil.find_job <jid>`` to minions past their timeout (keeping the job's returns coming)."""
            try:
                client.sock.send(wire.pack({"cmd": "subscribe", "jid": jid, "timeout": timeout + gjt + 60}))
                await asyncio.wait_for(replies.get(), 30)
                client.sock.send(wire.pack({"cmd": "publish", "tgt": ids, "tgt_type": "list", "subscribe": True,
                                            "fun": "saltutil.find_job", "arg": [jid], "kwarg": {},
                                            "timeout": timeout + gjt}))
                reply = await asyncio.wait_for(replies.get(), 30)
            except TimeoutError:
                return None
            return None if "error" in reply else reply.get("jid")

        failed = False
        merged: dict[str, Any] = {}
        pumping = asyncio.ensure_future(pump())
        try:
            async for ret in run_batch(sorted(up), ns.batch, publish, returns, timeout, ns.batch_wait,
                                       ns.failhard, probe=probe, gather_job_timeout=gjt):
                if not ret.get("success", True) or ret.get("retcode"):
                    failed = True
                if ns.static:
                    merged[ret["id"]] = ret.get("return")
                else:
                    _emit(ns, opts, {ret["id"]: ret.get("return")}, int(ret.get("retcode") or 0))
        finally:
            pumping.cancel()
        if ns.static and merged:
            _emit(ns, opts, merged, 1 if failed else 0)
        return 1 if failed else 0

    return asyncio.run(run())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
