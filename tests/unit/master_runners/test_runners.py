"""Runners against a real job cache, real file roots and a real event bus (fake key store and pings)."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from saline.errors import CommandExecutionError, CommandNotFoundError, SaltInvocationError
from saline.master.events import EventBus
from saline.master.jobs import JobCache
from saline.master.runners import RUNNERS, MasterAPI, run_runner

JID = "20240101120000123456"


class Keys:
    def __init__(self, accepted):
        self.accepted = accepted

    def list_state(self, state):
        return sorted(self.accepted) if state == "accepted" else []


@pytest.fixture
def api(tmp_path):
    roots = tmp_path / "srv"
    (roots / "a" / "b").mkdir(parents=True)
    (roots / "a" / "b" / "f.txt").write_text("hi")
    (roots / "top.sls").write_text("base: {}")
    cache = JobCache(str(tmp_path / "jobs.db"))
    cache.add_job(JID, {"fun": "cmd.run", "arg": ["ls"], "kwarg": {"cwd": "/"}, "tgt": "web*",
                        "tgt_type": "glob", "user": "root"}, ["web1", "web2", "web3"])
    cache.add_return(JID, "web1", {"return": "ok", "retcode": 0, "success": True, "fun": "cmd.run"})
    cache.add_return(JID, "web2", {"return": "bad", "retcode": 2, "success": False, "fun": "cmd.run"})
    removed = []
    master = MasterAPI(
        opts={"file_roots": {"base": [str(roots)]}, "fileserver_backend": ["roots"], "timeout": 1},
        jobs=cache,
        keys=Keys(["web1", "web2", "db1"]),
        presence={"web1": 1.0, "db1": 2.0},
        addresses={"web1": "10.0.0.1", "db1": "10.0.0.2"},
        grains_cache={"web1": {"os": "Debian"}, "web2": {"os": "RedHat"}, "db1": {"os": "Debian"}},
        pillar_cache={"web1": {"role": "web"}, "db1": {"role": "db"}},
        ping=lambda tgt, tgt_type, timeout: [m for m in ("web1", "db1") if tgt in ("*", m)],
        running=lambda timeout: {"web3": [{"jid": JID, "pid": 42}]},
        remove_keys=removed.extend,
    )
    master.removed = removed
    yield master
    cache.close()


def test_list_jobs(api):
    assert run_runner(api, "jobs.list_jobs") == {JID: {
        "Function": "cmd.run", "Arguments": ["ls", {"__kwarg__": True, "cwd": "/"}], "Target": "web*",
        "Target-type": "glob", "User": "root", "StartTime": "2024, Jan 01 12:00:00.123456"}}
    assert run_runner(api, "jobs.list_jobs", [], {"search_function": "state.*"}) == {}
    assert list(run_runner(api, "jobs.list_jobs", [], {"outputter": "yaml"})) == ["outputter", "data"]


def test_list_jobs_search_metadata(api):
    api.jobs.add_job("20240102000000000000", {"fun": "test.ping", "metadata": {"ticket": 7}}, [])
    assert list(run_runner(api, "jobs.list_jobs", [], {"search_metadata": {"ticket": 7}})) == ["20240102000000000000"]


def test_list_job_and_print_job(api):
    job = run_runner(api, "jobs.list_job", [JID])
    assert list(job) == ["jid", "Function", "Arguments", "Target", "Target-type", "User", "Minions", "StartTime",
                         "Result"]
    assert job["Minions"] == ["web1", "web2", "web3"]
    assert job["Result"] == {"web1": {"return": "ok", "retcode": 0, "success": True},
                             "web2": {"return": "bad", "retcode": 2, "success": False}}
    printed = run_runner(api, "jobs.print_job", [JID])
    assert list(printed) == [JID] and "jid" not in printed[JID]


def test_unknown_jid_like_salt(api):
    assert run_runner(api, "jobs.list_job", ["20990101120000123456"]) == {
        "jid": "20990101120000123456", "Error": "Cannot contact returner or no job with this jid",
        "StartTime": "2099, Jan 01 12:00:00.123456", "Result": {}}
    assert run_runner(api, "jobs.lookup_jid", ["20990101120000123456"]) == {}


def test_lookup_jid(api):
    assert run_runner(api, "jobs.lookup_jid", [JID]) == {"web1": "ok", "web2": "bad"}
    assert run_runner(api, "jobs.lookup_jid", [JID], {"missing": True}) == {
        "web1": "ok", "web2": "bad", "web3": "Minion did not return"}
    assert run_runner(api, "jobs.lookup_jid", [JID], {"returned": False, "missing": True}) == {
        "web3": "Minion did not return"}


def test_lookup_jid_names_the_outputter(api):
    jid = "20240103000000000000"
    api.jobs.add_job(jid, {"fun": "state.apply"}, ["web1"])
    api.jobs.add_return(jid, "web1", {"return": {"x": 1}, "retcode": 0, "out": "highstate"})
    assert run_runner(api, "jobs.lookup_jid", [jid]) == {"outputter": "highstate", "data": {"web1": {"x": 1}}}


def test_exit_success(api):
    assert run_runner(api, "jobs.exit_success", [JID]) == {"web1": True, "web2": False, "web3": False}


def test_active(api):
    report = run_runner(api, "jobs.active")
    assert report[JID]["Running"] == [{"web3": 42}]
    assert report[JID]["Returned"] == ["web1", "web2"]


def test_bad_jid_and_ext_source(api):
    with pytest.raises(SaltInvocationError):
        run_runner(api, "jobs.lookup_jid", ["../x"])
    with pytest.raises(SaltInvocationError, match="External job cache"):
        run_runner(api, "jobs.list_jobs", [], {"ext_source": "mysql"})


def test_manage(api):
    assert run_runner(api, "manage.up") == ["db1", "web1"]
    assert run_runner(api, "manage.status") == {"up": ["db1", "web1"], "down": ["web2"]}
    assert run_runner(api, "manage.status", [], {"tgt": "web*"}) == {"up": [], "down": ["web1", "web2"]}
    assert run_runner(api, "manage.status", [], {"tgt": "os:Debian", "tgt_type": "grain"}) == {
        "up": [], "down": ["db1", "web1"]}  # expected minions come from the grains cache
    assert run_runner(api, "manage.down") == ["web2"]
    assert api.removed == []
    assert run_runner(api, "manage.down", [], {"removekeys": True}) == ["web2"]
    assert api.removed == ["web2"]


def test_manage_presence_family(api):
    for name in ("present", "alived", "allowed", "joined", "list_state"):
        assert run_runner(api, f"manage.{name}") == ["db1", "web1"]
    for name in ("not_present", "not_alived", "not_allowed", "not_joined", "list_not_state"):
        assert run_runner(api, f"manage.{name}") == ["web2"]
    assert run_runner(api, "manage.present", [], {"show_ip": True}) == {"db1": "10.0.0.2", "web1": "10.0.0.1"}
    assert run_runner(api, "manage.present", [], {"subset": ["web1", "web2"]}) == ["web1"]
    assert run_runner(api, "manage.present", [], {"subset": "db1"}) == ["db1"]


def test_manage_without_ping_is_a_clear_error(api):
    api.ping = None
    with pytest.raises(CommandExecutionError, match=r"manage\.up needs the master's ping"):
        run_runner(api, "manage.up")


def test_fileserver(api):
    assert run_runner(api, "fileserver.file_list") == ["a/b/f.txt", "top.sls"]
    assert run_runner(api, "fileserver.dir_list") == ["a", "a/b"]
    assert run_runner(api, "fileserver.envs") == ["base"]
    assert run_runner(api, "fileserver.file_list", [], {"saltenv": "prod"}) == []
    assert run_runner(api, "fileserver.update") is True
    assert run_runner(api, "fileserver.file_list", [], {"backend": "-roots"}) == []
    with pytest.raises(SaltInvocationError, match="gitfs is not configured"):
        run_runner(api, "fileserver.update", [], {"backend": "gitfs"})


def test_fileserver_update_calls_the_backend(api):
    calls = []

    class Server:
        def update(self, backends, **kwargs):
            calls.append(backends)

    api.fileserver = Server()
    api.opts["fileserver_backend"] = ["roots", "gitfs"]
    assert run_runner(api, "fileserver.update", [], {"backend": "gitfs"}) is True
    assert calls == [["gitfs"]]


def test_cache(api):
    assert run_runner(api, "cache.grains", ["web*"]) == {"web1": {"os": "Debian"}, "web2": {"os": "RedHat"}}
    assert run_runner(api, "cache.grains", ["os:Debian"], {"tgt_type": "grain"}) == {
        "db1": {"os": "Debian"}, "web1": {"os": "Debian"}}
    assert run_runner(api, "cache.pillar") == {"db1": {"role": "db"}, "web1": {"role": "web"}}
    assert run_runner(api, "cache.pillar", ["role:db"], {"tgt_type": "pillar"}) == {"db1": {"role": "db"}}


def test_unknown_runner_and_bad_arguments(api):
    with pytest.raises(CommandNotFoundError, match=r"^'nosuch.fun' is not available\.$"):
        run_runner(api, "nosuch.fun")
    with pytest.raises(CommandNotFoundError, match=r"'jobs\.nosuch' is not available\."):
        run_runner(api, "jobs.nosuch")
    with pytest.raises(SaltInvocationError, match=r"Passed invalid arguments to jobs\.lookup_jid"):
        run_runner(api, "jobs.lookup_jid")
    with pytest.raises(SaltInvocationError, match="Passed invalid arguments"):
        run_runner(api, "manage.up", [], {"bogus": 1})


def test_registry_names_are_salt_names():
    for name in ("jobs.list_jobs", "jobs.lookup_jid", "jobs.active", "jobs.print_job", "jobs.exit_success",
                 "jobs.list_job", "manage.up", "manage.down", "manage.status", "manage.present",
                 "manage.not_present", "manage.alived", "fileserver.file_list", "fileserver.dir_list",
                 "fileserver.envs", "fileserver.update", "cache.grains", "cache.pillar", "state.event"):
        assert callable(RUNNERS[name])
        assert RUNNERS[name].__doc__ and "CLI Example" in RUNNERS[name].__doc__


def _with_bus(api, publish_events, **kwargs):
    """Run state.event in a thread (as the daemon does) while the loop publishes."""

    async def main():
        bus = EventBus()
        bus.attach()
        api.events = bus
        lines = []
        api.emit = lines.append
        loop = asyncio.get_running_loop()
        task = loop.run_in_executor(None, lambda: run_runner(api, "state.event", [], kwargs))
        while bus.subscriber_count == 0:
            await asyncio.sleep(0.01)
        for tag, data in publish_events:
            bus.publish(tag, data)
        result = await asyncio.wait_for(task, 10)
        return result, lines, bus

    return asyncio.run(main())


def test_state_event_count_and_tagmatch(api):
    events = [("salt/auth", {"id": "m"}), ("salt/job/1/ret/web1", {"return": True}),
              ("salt/job/1/ret/web2", {"b": 1, "a": 2})]
    result, lines, bus = _with_bus(api, events, tagmatch="salt/job/*/ret/*", count=2)
    assert result is None and bus.subscriber_count == 0
    assert len(lines) == 2
    tag, body = lines[0].split("\t")
    assert tag == "salt/job/1/ret/web1" and json.loads(body)["return"] is True
    assert "\n" not in lines[1] and lines[1].startswith("salt/job/1/ret/web2\t{\"b\": 1, \"a\": 2")


def test_state_event_pretty_and_quiet(api):
    _, lines, _ = _with_bus(api, [("x", {"b": 1, "a": 2})], count=1, pretty=True)
    assert lines[0].startswith('x\t{\n    "_stamp": ')
    assert lines[0].endswith('",\n    "a": 2,\n    "b": 1\n}')
    _, lines, _ = _with_bus(api, [("x", {}), ("y", {})], count=2, quiet=True)
    assert lines == []


def test_state_event_stops_when_the_caller_goes_away(api):
    class Gone(Exception):
        pass

    def emit(line):
        raise Gone

    async def main():
        bus = EventBus()
        bus.attach()
        api.events = bus
        api.emit = emit
        task = asyncio.get_running_loop().run_in_executor(None, lambda: run_runner(api, "state.event"))
        while bus.subscriber_count == 0:
            await asyncio.sleep(0.01)
        bus.publish("x", {})
        with pytest.raises(Gone):
            await asyncio.wait_for(task, 10)
        assert bus.subscriber_count == 0

    asyncio.run(main())
    assert threading.active_count() >= 1
