"""The state runner: run compiled low chunks in order, honouring requisites, like Salt's state engine.

``run_chunks(ctx, chunks, test=False)`` returns ``{tag: result}`` with Salt's result records
(``result, changes, comment, name, __id__, __sls__, __run_num__, start_time, duration``). The order
of execution, the requisite verdicts, the fixed comments and even the ``__run_num__`` numbering
(a ``mod_watch`` or a retry consumes a number) follow Salt 3007.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from saline.atomic import deferred_directory_sync
from saline.states.api import StateModule
from saline.states.engine import runner_conditions as cond
from saline.states.engine import runner_results as res
from saline.states.engine.requisites import requisite_cycles
from saline.states.engine.runner_call import (
    Resolved,
    exception_result,
    find_function,
    invoke,
    missing_parameters,
)
from saline.states.engine.runner_requisites import (
    REQUISITE_KEYWORDS,
    RequisiteError,
    check,
    find_targets,
    fold_watch_into_require,
    gen_tag,
    order_chunks,
)

log = logging.getLogger("saline.states.runner")

# Requisite kinds whose targets are run first when they have not run yet.
_UNMET_KINDS = ("require", "require_any", "watch", "watch_any", "prereq", "onfail", "onfail_any",
                "onchanges", "onchanges_any")


def _default_loader(name: str) -> StateModule | None:
    from saline.states.registry import load_state_module

    return load_state_module(name)


def run_chunks(ctx: Any, chunks: list[dict[str, Any]], *, test: bool = False,
               loader: Callable[[str], StateModule | None] | None = None) -> dict[str, dict[str, Any]]:
    """Run ``chunks`` (Salt's low chunks) and return the results keyed by tag."""
    return Runner(ctx, test=test, loader=loader).run(chunks)


class _Failhard(Exception):
    """Raised inside the run to stop it: a state with ``failhard`` failed."""


class Runner:
    def __init__(self, ctx: Any, *, test: bool = False,
                 loader: Callable[[str], StateModule | None] | None = None) -> None:
        self.base_ctx = ctx
        self.test = test
        self.load = loader or _default_loader
        self.run_num = 0
        self.running: dict[str, dict[str, Any]] = {}
        self.pre: dict[str, dict[str, Any]] = {}
        self.active: set[str] = set()
        self.chunks: list[dict[str, Any]] = []
        self._contexts: dict[bool, Any] = {}
        self._futures: dict[str, Future[dict[str, Any]]] = {}
        self._num_lock = threading.Lock()
        disabled = ctx.opts.get("disabled_requisites") or []
        self.disabled = frozenset(disabled if isinstance(disabled, list) else [disabled])

    # ---- contexts ------------------------------------------------------------------------------

    def context(self, test: bool) -> Any:
        """The run's context with ``opts['test']`` set; grains, pillar and files are shared."""
        if test not in self._contexts:
            base = self.base_ctx
            self._contexts[test] = dataclasses.replace(
                base,
                opts={**base.opts, "test": test},
                grains_loader=lambda: base.grains,
                pillar_loader=lambda: base.pillar,
                fileclient_loader=lambda: base.fileclient,
                _grains=None, _pillar=None, _salt=None, _fileclient=None,
            )
        return self._contexts[test]

    def next_run_num(self) -> int:
        with self._num_lock:
            num = self.run_num
            self.run_num += 1
            return num

    # ---- the run ---------------------------------------------------------------------------------

    def run(self, chunks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        # Chunks are annotated while running (prereq flags); never touch the caller's copies.
        self.chunks = order_chunks(copy.deepcopy(list(chunks)))
        # Directory flushes of written files are batched to one per directory per run.
        with deferred_directory_sync():
            try:
                self.call_chunks(self.chunks)
            except _Failhard:
                pass
            self.reconcile(wait=True)
            self.call_listen()
        return self.running

    def run_ids(self, chunks: list[dict[str, Any]], id_: str) -> dict[str, dict[str, Any]]:
        """Run only the chunks with ``__id__ == id_`` (and what they require): ``state.sls_id``."""
        self.chunks = order_chunks(copy.deepcopy(list(chunks)))
        results: dict[str, dict[str, Any]] = {}
        for low in self.chunks:
            if low.get("__id__") != id_:
                continue
            self.running = {}
            try:
                self.call_chunk(low)
            except _Failhard:
                pass
            self.reconcile(wait=True)
            results.update(self.running)
        self.running = results
        return results

    def call_chunks(self, chunks: list[dict[str, Any]]) -> None:
        for low in chunks:
            tag = gen_tag(low)
            if tag not in self.running:
                self.call_chunk(low)
                if self.check_failhard(low):
                    raise _Failhard
            self.active = set()

    def check_failhard(self, low: dict[str, Any]) -> bool:
        if self.test:
            return False
        tag = gen_tag(low)
        if low.get("failhard", self.base_ctx.opts.get("failhard", False)) and tag in self.running:
            self.reconcile(tags=[tag], wait=True)
            result = self.running[tag]["result"]
            return result is not None and not result
        return False

    # ---- one chunk with its requisites -----------------------------------------------------------

    def _has_mod_watch(self, state: str) -> bool:
        try:
            module = self.load(state)
        except Exception:  # a broken state module is reported when the chunk is called
            return False
        return module is not None and module.mod_watch is not None

    def call_chunk(self, low: dict[str, Any], depth: int = 0) -> None:
        tag = gen_tag(low)
        if not low.get("prerequired"):
            self.active.add(tag)
        fold_watch_into_require(low, self._has_mod_watch(low["state"]))
        in_prereq = bool(low.get("__prereq__"))
        try:
            status, reqs = self._check(low, with_prerequired=not in_prereq)
        except RequisiteError as exc:
            self.running[tag] = res.skipped(low, self.next_run_num(), str(exc))
            return
        if status == "unmet":
            self._run_unmet(low, tag, depth, in_prereq)
        elif status == "met":
            self._store(low, tag)
        elif status == "fail":
            self._record_failure(low, tag, reqs)
        elif status == "change" and not in_prereq:
            ret = self.call(low)
            if not ret["changes"] and not ret.get("skip_watch", False):
                watched = {gen_tag(c): self.running.get(gen_tag(c)) for t in reqs.values() for c in t}
                watch_low = dict(low, sfun=low["fun"], fun="mod_watch", __reqs__=reqs, __running__=watched)
                ret = self.call(watch_low)
            self.running[tag] = ret
        elif status == "pre":
            ret = res.skipped(low, self.next_run_num(), "No changes detected", result=True)
            self.running[tag] = ret
            self.pre[tag] = ret
        elif status == "onfail":
            self.running[tag] = res.skipped(low, self.next_run_num(),
                                            "State was not run because onfail req did not change",
                                            result=True, state_ran=False)
        elif status == "onchanges":
            self.running[tag] = res.skipped(low, self.next_run_num(),
                                            "State was not run because none of the onchanges reqs changed",
                                            result=True, state_ran=False)
        else:
            self._store(low, tag)

    def _check(self, low: dict[str, Any], *, with_prerequired: bool) -> tuple[str, dict[str, Any]]:
        self.reconcile()
        status, reqs = check(low, self.running, self.pre, self.chunks, with_prerequired=with_prerequired,
                             disabled=self.disabled)
        if status != "unmet" and reqs:
            waiting = [gen_tag(c) for targets in reqs.values() for c in targets]
            if any(t in self._futures for t in waiting):
                # A requisite is still running in parallel: wait for it, then judge again.
                self.reconcile(tags=waiting, wait=True)
                status, reqs = check(low, self.running, self.pre, self.chunks,
                                     with_prerequired=with_prerequired, disabled=self.disabled)
        return status, reqs

    def _store(self, low: dict[str, Any], tag: str, ret: dict[str, Any] | None = None) -> None:
        """Record ``ret`` (default: call the chunk now) as a prereq test result or a real one."""
        target = self.pre if low.get("__prereq__") else self.running
        target[tag] = self.call(low) if ret is None else ret

    def _run_unmet(self, low: dict[str, Any], tag: str, depth: int, in_prereq: bool) -> None:
        kinds = _UNMET_KINDS if in_prereq else (*_UNMET_KINDS, "prerequired")
        lost: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
        targets: list[dict[str, Any]] = []
        for kind in kinds:
            for req in low.get(kind) or []:
                try:
                    norm, found = find_targets(req, self.chunks)
                except RequisiteError as exc:
                    self._store(low, tag, res.skipped(low, self.next_run_num(), str(exc)))
                    return
                if next(iter(norm.values())) is None:
                    continue
                for chunk in found:
                    if kind == "prereq":
                        chunk["__prereq__"] = True
                    elif kind == "prerequired":
                        chunk["__prerequired__"] = True
                    targets.append(chunk)
                if not found:
                    lost[kind].append(norm)
        if any(lost.values()):
            self._store(low, tag, res.skipped(low, self.next_run_num(), res.missing_requisites_comment(lost)))
            return
        last = None
        for chunk in targets:
            last = chunk
            ctag = gen_tag(chunk)
            if ctag in self.running:
                continue
            if ctag in self.active:
                if chunk.get("__prerequired__"):
                    # The prereq loops back to this state: run it in test mode first.
                    if tag not in self.pre:
                        low["__prereq__"] = True
                        self.pre[ctag] = self.call(low)
                    return
                self._record_recursion(low, tag)
                return
            self.call_chunk(chunk)
            if self.check_failhard(chunk):
                raise _Failhard
        if low.get("__prereq__"):
            status, _ = self._check(low, with_prerequired=False)
            ret = self.call(low)
            if not ret["changes"] and status == "change":
                ret["changes"] = {"watch": "watch"}
                ret["result"] = None
            self.pre[tag] = ret
        elif depth + 1 >= 20:
            self._record_recursion(low, tag)
        else:
            self.call_chunk(low, depth + 1)
        if last is not None and self.check_failhard(last):
            raise _Failhard

    def _record_recursion(self, low: dict[str, Any], tag: str) -> None:
        """Salt's "Recursive requisite found" result, with the cycle spelled out (Salt does not say which)."""
        me = f"{low.get('state')}: {low.get('__id__')}"
        cycle = next((c for c in requisite_cycles(self.chunks) if me in c), None)
        comment = "Recursive requisite found"
        if cycle:
            start = cycle.index(me)
            ring = cycle[start:-1] + cycle[:start] + [me]
            comment += ": " + " -> ".join(ring)
        log.error(comment)
        self.running[tag] = {"changes": {}, "result": False, "comment": comment,
                             "__run_num__": self.next_run_num(),
                             **{k: low.get(k) for k in ("__sls__", "__id__", "name")}}

    def _record_failure(self, low: dict[str, Any], tag: str, reqs: dict[str, Any]) -> None:
        if tag in self.pre:
            # The prereq test run of this state stands; its predicted changes did not happen.
            ret = self.pre[tag]
            if ret.get("changes"):
                ret["changes"] = {}
            ret["__run_num__"] = self.next_run_num()
            for key in ("__sls__", "__id__", "name"):
                ret[key] = low.get(key)
            self.running[tag] = ret
            return
        failed = []
        for targets in reqs.values():
            for req_low in targets:
                req_tag = gen_tag(req_low)
                req_ret = self.pre.get(req_tag, self.running.get(req_tag))
                if req_ret is not None and req_ret["result"] is False:
                    key = f"{req_low['__sls__']}.{req_low['__id__']}"
                    if key not in failed:
                        failed.append(key)
        ret = res.skipped(low, self.next_run_num(), f"One or more requisite failed: {', '.join(failed)}")
        self.running[tag] = ret
        self.pre[tag] = ret

    # ---- calling one state -----------------------------------------------------------------------

    def _verify(self, low: dict[str, Any]) -> tuple[list[str], Resolved | None]:
        errors = []
        for key in ("state", "fun", "name"):
            if key not in low:
                errors.append(f'Missing "{key}" data')
        if errors:
            return errors, None
        if low["name"] and not isinstance(low["name"], str):
            where = f"in SLS '{low['__sls__']}' " if "__sls__" in low else ""
            errors.append(f"ID '{low['name']}' {where}is not formed as a string, but is a "
                          f"{type(low['name']).__name__}")
        if "umask" in low:
            umask = low.pop("umask")
            try:
                low["__umask__"] = int(str(umask), 8)
            except (TypeError, ValueError):
                errors.append(f"Invalid umask: {umask}")
        if errors:
            return errors, None
        full = f"{low['state']}.{low['fun']}"
        try:
            resolved = find_function(self.load, low["state"], low["fun"])
        except Exception as exc:  # a state module that fails to import
            resolved = None
            reason = f"{type(exc).__name__}: {exc}"
        else:
            reason = f"'{full}' is not available."
        if resolved is None:
            if "__sls__" in low:
                errors.append(f"State '{full}' was not found in SLS '{low['__sls__']}'")
                errors.append(f"Reason: {reason}")
            else:
                errors.append(f"Specified state '{full}' was not found")
            return errors, None
        errors.extend(f"Missing parameter {p} for state {full}" for p in missing_parameters(resolved.fn, low))
        return errors, resolved

    def call(self, low: dict[str, Any], attempt: int = 1) -> dict[str, Any]:
        """Run one chunk's state function (conditions, check_cmd, retry) and stamp its result."""
        begin = res.now()
        errors, resolved = self._verify(low)
        if errors or resolved is None:
            return {"result": False, "name": low.get("name"), "changes": {},
                    "comment": "".join(f"{e}\n" for e in errors), "__run_num__": self.next_run_num()}
        in_prereq = bool(low.get("__prereq__"))
        test = self.test or in_prereq
        if not in_prereq and low.get("parallel"):
            ret = self._start_parallel(low, resolved)
        else:
            ret = self._execute(low, resolved, test)
        if in_prereq:
            low["__prereq__"] = False
            return ret
        ret["__sls__"] = low.get("__sls__")
        ret["__run_num__"] = self.next_run_num()
        self._refresh(low, ret)
        end = res.now()
        ret["start_time"] = res.start_time(begin)
        ret["duration"] = res.duration_ms(begin, end)
        ret["__id__"] = low["__id__"]
        if "retry" in low and not low.get("parallel"):
            ret = self._retry(low, ret, attempt)
        return ret

    def _execute(self, low: dict[str, Any], resolved: Resolved, test: bool) -> dict[str, Any]:
        """Conditions, the state function itself, then check_cmd."""
        ctx = self.context(test)
        shell = None
        try:
            ret: dict[str, Any] = {"result": False, "name": low["name"], "changes": {}}
            if any(key in low for key in ("unless", "onlyif", "creates")):
                shell = ctx.grains.get("shell")
                ret.update(cond.run_checks(ctx, low, shell))
            # result True from the checks means "skip": report them instead of running the state.
            ret = invoke(resolved, low, ctx, test=test) if ret["result"] is False else res.unify(ret)
            if "check_cmd" in low and not resolved.module.handles_check_cmd:
                if shell is None:
                    shell = ctx.grains.get("shell")
                ret.update(cond.run_check_cmd(ctx, low, shell))
        except Exception:
            ret = exception_result(low["name"])
        return ret

    def _retry(self, low: dict[str, Any], ret: dict[str, Any], attempt: int) -> dict[str, Any]:
        retry = low["retry"] = cond.verify_retry(low["retry"])
        if self.test:
            ret["comment"] = "  ".join([str(ret["comment"]) if ret["comment"] else "",
                                        cond.retry_test_comment(retry)])
            return ret
        if retry["until"] == ret["result"] or retry["attempts"] <= attempt:
            return ret
        interval = retry["interval"]
        if retry["splay"]:
            interval += random.randint(0, retry["splay"])
        log.info("State result does not match retry until value, state will be re-run in %s seconds",
                 interval)
        time.sleep(interval)
        again = self.call(low, attempt + 1)
        again["comment"] = "\n".join([
            f'Attempt {attempt}: Returned a result of "{ret["result"]}", '
            f'with the following comment: "{ret["comment"]}"',
            again["comment"] or "",
        ])
        again["duration"] = again["duration"] + ret["duration"] + interval * 1000
        if attempt == 1:
            again["start_time"] = ret["start_time"]
        return again

    def _refresh(self, low: dict[str, Any], ret: dict[str, Any]) -> None:
        """``reload_grains`` / ``reload_pillar`` / ``reload_modules`` after a state."""
        base = self.base_ctx
        if low.get("reload_grains"):
            base._grains = None
        if low.get("reload_pillar"):
            base._pillar = None
        if low.get("reload_modules") and (ret.get("changes") or low.get("force_reload_modules")):
            from saline.loader import reset_cache

            reset_cache()

    # ---- parallel ----------------------------------------------------------------------------------

    def _start_parallel(self, low: dict[str, Any], resolved: Resolved) -> dict[str, Any]:
        tag = gen_tag(low)
        future: Future[dict[str, Any]] = Future()
        snapshot = dict(low)

        def target() -> None:
            begin = res.now()
            try:
                ret = self._execute(snapshot, resolved, self.test)
                if "retry" in snapshot:
                    ret = self._retry_parallel(snapshot, resolved, ret, begin)
            except BaseException:  # the thread must always hand back a result
                ret = exception_result(snapshot["name"])
            end = res.now()
            ret.setdefault("start_time", res.start_time(begin))
            if "duration" not in ret:
                ret["duration"] = res.duration_ms(begin, end)
            ret["__parallel__"] = True
            future.set_result(ret)

        self._futures[tag] = future
        threading.Thread(target=target, name=f"ParallelState({low['name']})", daemon=True).start()
        return {"name": low["name"], "result": None, "changes": {},
                "comment": "Started in a separate process"}

    def _retry_parallel(self, low: dict[str, Any], resolved: Resolved, ret: dict[str, Any],
                        begin: Any) -> dict[str, Any]:
        retry = low["retry"] = cond.verify_retry(low["retry"])
        ret["start_time"] = res.start_time(begin)
        ret["duration"] = res.duration_ms(begin, res.now())
        if self.test:
            ret["comment"] = "  ".join([str(ret["comment"]) if ret["comment"] else "",
                                        cond.retry_test_comment(retry)])
            return ret
        attempt = 1
        while retry["attempts"] >= attempt and retry["until"] != ret["result"]:
            interval = retry["interval"] + (random.randint(0, retry["splay"]) if retry["splay"] else 0)
            time.sleep(interval)
            t0 = res.now()
            again = self._execute(low, resolved, self.test)
            again["duration"] = res.duration_ms(t0, res.now()) + ret["duration"] + interval * 1000
            comment = (f'Attempt {attempt}: Returned a result of "{again["result"]}", '
                       f'with the following comment: "{again["comment"]}"' if again["comment"] else "")
            again["comment"] = "\n".join([str(ret["comment"]), comment])
            again["start_time"] = ret["start_time"]
            ret = again
            attempt += 1
        return ret

    def reconcile(self, tags: list[str] | None = None, wait: bool = False) -> None:
        """Fold finished parallel states into their results (waiting for them when asked)."""
        for tag in list(tags if tags is not None else self._futures):
            future = self._futures.get(tag)
            if future is None or (not wait and not future.done()):
                continue
            outcome = future.result()
            del self._futures[tag]
            if tag in self.running:
                self.running[tag].update(outcome)

    # ---- listen ------------------------------------------------------------------------------------

    def call_listen(self) -> None:
        """``listen``/``listen_in``: run ``mod_watch`` at the end for listeners whose target changed."""
        chunks = self.chunks
        crefs = {(c["state"], c["__id__"], c["name"]): c for c in chunks}
        listeners: list[tuple[tuple[str, str, str], list[Any]]] = []
        for chunk in chunks:
            if "listen" in chunk:
                listeners.append(((chunk["state"], chunk["__id__"], chunk["name"]), chunk["listen"]))
            for l_in in chunk.get("listen_in") or []:
                for key, val in l_in.items():
                    listeners.append(((key, val, "lookup"), [{chunk["state"]: chunk["__id__"]}]))
        watchers: list[dict[str, Any]] = []
        errors: dict[str, dict[str, Any]] = {}
        for key, targets in listeners:
            for listen_to in targets:
                if not isinstance(listen_to, dict):
                    found = [c for c in chunks if listen_to in (c["__id__"], c["name"])]
                    if not found:
                        continue
                    listen_to = {found[-1]["state"]: found[-1]["__id__"]}
                for lkey, lval in listen_to.items():
                    if not any(lkey == cref[0] and lval in cref for cref in crefs):
                        etag, err = res.listen_error(lkey, lval, 0)
                        errors[etag] = err
                        continue
                    to_tags = [gen_tag(data) for cref, data in crefs.items()
                               if lkey == cref[0] and lval in cref]
                    for to_tag in to_tags:
                        if to_tag not in self.running or not self.running[to_tag]["changes"]:
                            continue
                        if not any(key[0] == cref[0] and key[1] in cref for cref in crefs):
                            etag, err = res.listen_error(key[0], key[1], 0)
                            errors[etag] = err
                            continue
                        for cref, data in crefs.items():
                            if key[0] == cref[0] and key[1] in cref:
                                watch_low = dict(data, sfun=data["fun"], fun="mod_watch",
                                                 __id__=f"listener_{data['__id__']}")
                                for req in REQUISITE_KEYWORDS:
                                    watch_low.pop(req, None)
                                watchers.append(watch_low)
        if watchers:
            self.chunks = watchers
            self.active = set()
            try:
                self.call_chunks(watchers)
            except _Failhard:
                pass
            self.reconcile(wait=True)
            self.chunks = chunks
        for err in errors.values():
            err["__run_num__"] = self.next_run_num()
        self.running.update(errors)
