"""Runners: functions run on the master by ``saline-run`` (Salt's names, arguments and return shapes).

A runner is a plain function ``fn(master_api, *args, **kwargs)``; :class:`MasterAPI` is what the
master daemon hands it. Runners are blocking code: the daemon calls :func:`run_runner` in an
executor thread, so they may wait (``state.event``) without stalling the event loop.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from saline.errors import CommandExecutionError, CommandNotFoundError, SaltInvocationError


def _print_line(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@dataclass
class MasterAPI:
    """What a runner may use; the daemon fills the fields it has.

    - ``opts``: the master's options (``file_roots``, ``cachedir``, ``nodegroups``, ``timeout``...).
    - ``jobs``: the :class:`saline.master.jobs.JobCache`.
    - ``keys``: the key store; runners call ``keys.list_state("accepted")`` (sorted ids).
    - ``remove_keys(ids)``: delete those minions' keys the way ``saline-key -d`` does (forget the
      sessions, rotate the publish key); used by ``manage.down removekeys=True``.
    - ``presence``: minions connected right now -> last time they were seen (epoch seconds).
    - ``addresses``: minion id -> the address it connects from (``show_ip=True``).
    - ``fileserver``: a file client (``list_files``, ``list_dirs``, ``envs``, optional
      ``update(backend)``); None means a :class:`RootsFileClient` over ``opts["file_roots"]``.
    - ``grains_cache`` / ``pillar_cache``: minion id -> the grains / pillar last reported.
    - ``events``: the :class:`saline.master.events.EventBus`.
    - ``ping(tgt, tgt_type, timeout) -> list[str]``: publish ``test.ping`` and return the ids that
      answered (``manage.up``/``down``/``status``).
    - ``running(timeout) -> {minion_id: [job, ...]}``: ``saltutil.running`` on every minion
      (``jobs.active``).
    - ``mine``: the :class:`saline.master.mine.MineStore`; ``expected_minions(tgt, tgt_type)``: the
      accepted minions a target matches, resolved like a CLI job's expected minions (``mine.get``).
    - ``emit(line)``: write one line to the caller while the runner runs (``state.event``); the
      daemon forwards it to the ``saline-run`` client. Raising from it stops the runner.
    """

    opts: dict[str, Any] = field(default_factory=dict)
    jobs: Any = None
    keys: Any = None
    presence: Mapping[str, float] = field(default_factory=dict)
    addresses: Mapping[str, str] = field(default_factory=dict)
    fileserver: Any = None
    grains_cache: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    pillar_cache: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    events: Any = None
    ping: Callable[[Any, str, float], list[str]] | None = None
    running: Callable[[float], dict[str, Any]] | None = None
    remove_keys: Callable[[list[str]], Any] | None = None
    mine: Any = None
    expected_minions: Callable[[Any, str], list[str]] | None = None
    emit: Callable[[str], None] = _print_line

    def need(self, name: str, runner: str) -> Any:
        value = getattr(self, name)
        if value is None:
            raise CommandExecutionError(f"{runner} needs the master's {name}, which this master does not provide")
        return value

    def accepted(self) -> list[str]:
        keys = self.need("keys", "this runner")
        return sorted(keys.list_state("accepted"))


from saline.master.runners import cache, fileserver, git_pillar, jobs, manage, mine, state  # noqa: E402

# Literal registry (greppable); a runner missing here is not available.
RUNNERS: dict[str, Callable[..., Any]] = {
    "jobs.active": jobs.active,
    "jobs.exit_success": jobs.exit_success,
    "jobs.list_job": jobs.list_job,
    "jobs.list_jobs": jobs.list_jobs,
    "jobs.lookup_jid": jobs.lookup_jid,
    "jobs.print_job": jobs.print_job,
    "manage.alived": manage.alived,
    "manage.allowed": manage.allowed,
    "manage.down": manage.down,
    "manage.joined": manage.joined,
    "manage.list_not_state": manage.list_not_state,
    "manage.list_state": manage.list_state,
    "manage.not_alived": manage.not_alived,
    "manage.not_allowed": manage.not_allowed,
    "manage.not_joined": manage.not_joined,
    "manage.not_present": manage.not_present,
    "manage.present": manage.present,
    "manage.status": manage.status,
    "manage.up": manage.up,
    "fileserver.dir_list": fileserver.dir_list,
    "fileserver.envs": fileserver.envs,
    "fileserver.file_list": fileserver.file_list,
    "fileserver.update": fileserver.update,
    "git_pillar.update": git_pillar.update,
    "cache.grains": cache.grains,
    "cache.pillar": cache.pillar,
    "state.event": state.event,
    "mine.get": mine.get,
}


def run_runner(
    master_api: MasterAPI, fun: str, args: list[Any] | tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
) -> Any:
    """Run runner ``fun`` with CLI-parsed ``args``/``kwargs``.

    Raises CommandNotFoundError (``'x.y' is not available.``, Salt's words) for an unknown runner
    and SaltInvocationError when the arguments do not fit the runner.
    """
    kwargs = dict(kwargs or {})
    function = RUNNERS.get(fun) if isinstance(fun, str) else None
    if function is None:
        raise CommandNotFoundError(f"'{fun}' is not available.")
    try:
        inspect.signature(function).bind(master_api, *args, **kwargs)
    except TypeError as exc:
        raise SaltInvocationError(f"Passed invalid arguments to {fun}: {exc}") from None
    return function(master_api, *args, **kwargs)


__all__ = ["RUNNERS", "MasterAPI", "run_runner"]
