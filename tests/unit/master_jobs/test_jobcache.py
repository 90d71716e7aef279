"""JobCache against real SQLite files: jids, jobs, returns, filters, concurrency, retention."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time

import pytest
from saline.errors import SaltInvocationError
from saline.master.jobs import JobCache, check_jid, format_start_time, parse_time

LOAD = {"fun": "cmd.run", "arg": ["ls"], "kwarg": {"cwd": "/"}, "tgt": "web*", "tgt_type": "glob",
        "user": "root"}


@pytest.fixture
def cache(tmp_path):
    with JobCache(str(tmp_path / "cache" / "jobs.db")) as jc:
        yield jc


def test_wal_mode_and_private_file(cache, tmp_path):
    path = tmp_path / "cache" / "jobs.db"
    assert path.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_jids_are_20_digits_unique_and_increasing(cache):
    jids = [cache.new_jid() for _ in range(5000)]  # many fall in the same microsecond
    assert len(set(jids)) == len(jids)
    assert jids == sorted(jids)
    assert all(len(j) == 20 and j.isdigit() for j in jids)
    made = dt.datetime.strptime(jids[0], "%Y%m%d%H%M%S%f")
    assert abs((dt.datetime.now() - made).total_seconds()) < 60


def test_jids_unique_across_threads(cache):
    out: list[str] = []
    lock = threading.Lock()

    def work():
        mine = [cache.new_jid() for _ in range(500)]
        with lock:
            out.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(out)) == 4000


def test_job_round_trip(cache):
    jid = cache.new_jid()
    cache.add_job(jid, {**LOAD, "ts": 1700000000.5}, ["web2", "web1", "web1"])
    job = cache.get_job(jid)
    assert job["jid"] == jid and job["fun"] == "cmd.run" and job["kwarg"] == {"cwd": "/"}
    assert job["minions"] == ["web1", "web2"]
    assert job["ts"] == 1700000000.5
    assert cache.get_job("20990101000000000000") is None
    with pytest.raises(SaltInvocationError, match="already recorded"):
        cache.add_job(jid, LOAD, [])


def test_returns_keep_types_and_refuse_duplicates(cache):
    jid = cache.new_jid()
    cache.add_job(jid, LOAD, ["a", "b"])
    ret = {"return": {"nested": [1, 2**40, None, b"\x00bin"], "s": "é"}, "retcode": 0, "success": True}
    assert cache.add_return(jid, "b", ret) is True
    assert cache.add_return(jid, "b", {"return": "second", "retcode": 0}) is False
    assert cache.add_return(jid, "a", {"return": False, "retcode": 1, "success": False}) is True
    got = cache.returns(jid)
    assert list(got) == ["a", "b"]
    assert got["b"] == ret


@pytest.mark.parametrize("bad", ["", "123", "2024010112000012345x", "../../etc/passwd", None, 1.5,
                                 "202401011200001234567"])
def test_bad_jids_are_refused(cache, bad):
    with pytest.raises(SaltInvocationError):
        check_jid(bad)
    with pytest.raises(SaltInvocationError):
        cache.returns(bad)


def test_list_jobs_summary_and_filters(cache):
    cache.add_job("20240101120000123456", LOAD, ["web1"])
    cache.add_job("20240102120000000000", {**LOAD, "fun": "state.apply", "arg": [], "kwarg": {},
                                           "tgt": ["db1", "db2"], "tgt_type": "list"}, ["db1", "db2"])
    jobs = cache.list_jobs()
    assert list(jobs) == ["20240101120000123456", "20240102120000000000"]
    assert jobs["20240101120000123456"] == {
        "Function": "cmd.run", "Arguments": ["ls", {"__kwarg__": True, "cwd": "/"}], "Target": "web*",
        "Target-type": "glob", "User": "root", "StartTime": "2024, Jan 01 12:00:00.123456",
    }
    assert list(cache.list_jobs(search_function="state.*")) == ["20240102120000000000"]
    assert list(cache.list_jobs(search_function=["cmd.run", "nope"])) == ["20240101120000123456"]
    assert list(cache.list_jobs(search_target="db2")) == ["20240102120000000000"]
    assert list(cache.list_jobs(search_target="web1")) == []  # matches the target text, as Salt does
    assert list(cache.list_jobs(start_time="2024, Jan 01 13:00")) == ["20240102120000000000"]
    assert list(cache.list_jobs(end_time="2024-01-01 12:30")) == ["20240101120000123456"]
    with pytest.raises(SaltInvocationError, match="Cannot read time"):
        cache.list_jobs(start_time="yesterday-ish")


def test_active_report(cache):
    cache.add_job("20240101120000123456", LOAD, ["a", "b", "c"])
    cache.add_return("20240101120000123456", "c", {"return": "x", "retcode": 0})
    running = {
        "a": [{"jid": "20240101120000123456", "pid": 11, "fun": "cmd.run"}],
        "b": [{"jid": "20240101120000123456", "pid": 12}, {"jid": "bogus"}],
        "d": "saltutil.running is not available",
        "e": [{"jid": "20240105000000000000", "pid": 5, "fun": "test.sleep", "arg": [10], "tgt": "e",
               "tgt_type": "glob", "user": "root"}],
    }
    report = cache.active(running)
    assert list(report) == ["20240101120000123456", "20240105000000000000"]
    first = report["20240101120000123456"]
    assert first["Running"] == [{"a": 11}, {"b": 12}]
    assert first["Returned"] == ["c"]
    assert first["Function"] == "cmd.run" and first["StartTime"] == "2024, Jan 01 12:00:00.123456"
    assert report["20240105000000000000"]["Function"] == "test.sleep"


def test_concurrent_writers_threads_and_two_connections(tmp_path):
    path = str(tmp_path / "jobs.db")
    first, second = JobCache(path), JobCache(path)
    jid = first.new_jid()
    first.add_job(jid, LOAD, [f"m{i}" for i in range(400)])
    errors: list[BaseException] = []

    def write(cache, start):
        try:
            for i in range(start, 400, 4):
                assert cache.add_return(jid, f"m{i}", {"return": i, "retcode": 0})
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(c, s)) for s, c in enumerate([first, first, second, second])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    got = second.returns(jid)
    assert len(got) == 400 and got["m399"]["return"] == 399
    first.close()
    second.close()


def test_clean_keeps_recent_jobs(tmp_path):
    cache = JobCache(str(tmp_path / "jobs.db"), keep_jobs_hours=24)
    now = time.time()
    cache.add_job("20240101000000000000", {**LOAD, "ts": now - 25 * 3600}, ["a"])
    cache.add_return("20240101000000000000", "a", {"return": 1})
    cache.add_job("20240102000000000000", {**LOAD, "ts": now - 23 * 3600}, ["a"])
    cache.add_return("20240102000000000000", "a", {"return": 2})
    assert cache.clean(now) == 1
    assert cache.get_job("20240101000000000000") is None
    assert cache.returns("20240101000000000000") == {}
    assert cache.returns("20240102000000000000") == {"a": {"return": 2}}
    # returns of unknown jobs age out by their own arrival time
    cache.add_return("20240103000000000000", "z", {"return": 3})
    assert cache.clean(now + 30 * 3600) == 1
    assert cache.returns("20240103000000000000") == {}
    cache.close()


def test_keep_jobs_zero_keeps_everything(tmp_path):
    with JobCache(str(tmp_path / "jobs.db"), keep_jobs_hours=0) as cache:
        cache.add_job("20000101000000000000", {**LOAD, "ts": 1.0}, [])
        assert cache.clean() == 0
        assert cache.get_job("20000101000000000000") is not None


def test_from_opts_uses_cachedir_and_keep_jobs(tmp_path):
    with JobCache.from_opts({"cachedir": str(tmp_path / "c"), "keep_jobs": 6}) as cache:
        assert cache.path == str(tmp_path / "c" / "jobs.db") and cache.keep_jobs_hours == 6


def test_time_helpers():
    assert format_start_time("20240229235959000001") == "2024, Feb 29 23:59:59.000001"
    assert parse_time("20240101120000000000") == dt.datetime(2024, 1, 1, 12)
    assert parse_time("2024, Jan 01 12:00:00.5") == dt.datetime(2024, 1, 1, 12, 0, 0, 500000)


def test_recent_jobs_from_memory_match_the_database(tmp_path):
    from saline.master import jobs

    path = str(tmp_path / "jobs.db")
    with JobCache(path) as writer, JobCache(path) as reader:
        recorded = [writer.new_jid() for _ in range(jobs.RECENT_JOBS + 5)]
        for jid in recorded:
            writer.add_job(jid, {**LOAD, "ts": 1700000000.5}, ["b", "a"])
        assert len(writer._recent) == jobs.RECENT_JOBS  # bounded: the oldest come from SQLite again
        for jid in (recorded[0], recorded[-1]):
            assert writer.get_job(jid) == reader.get_job(jid)
            assert writer.has_job(jid) and reader.has_job(jid)
        assert not writer.has_job("20990101000000000000")
        with pytest.raises(SaltInvocationError):
            writer.has_job("../x")
