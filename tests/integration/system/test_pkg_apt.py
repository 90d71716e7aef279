"""pkg (apt backend) against real apt/dpkg and a private offline repository."""

from __future__ import annotations

import subprocess
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from saline import debversion
from saline.errors import CommandExecutionError


def dpkg_status(name: str) -> str:
    res = subprocess.run(["dpkg-query", "-W", "-f=${Version} ${db:Status-Abbrev}", name],
                         capture_output=True, text=True)
    return res.stdout.strip() if res.returncode == 0 else ""


def test_install_upgrade_downgrade_remove_purge(apt_repo, debian_ctx) -> None:
    salt = debian_ctx.salt
    salt["pkg.refresh_db"]()
    assert salt["pkg.version"]("saline-test-hello") == ""
    assert salt["pkg.latest_version"]("saline-test-hello", refresh=False) == "2.0"
    assert salt["pkg.install"]("saline-test-hello", version="1.0") == {
        "saline-test-hello": {"old": "", "new": "1.0"}}
    assert dpkg_status("saline-test-hello").startswith("1.0 ii")
    assert salt["pkg.install"]("saline-test-hello", version="1.0") == {}  # idempotent
    assert salt["pkg.list_upgrades"](refresh=False) == {"saline-test-hello": "2.0"}
    assert salt["pkg.upgrade"](refresh=False) == {"saline-test-hello": {"old": "1.0", "new": "2.0"}}
    assert salt["pkg.latest_version"]("saline-test-hello", refresh=False) == ""
    assert salt["pkg.install"]("saline-test-hello", version="1.0") == {
        "saline-test-hello": {"old": "2.0", "new": "1.0"}}  # downgrade
    assert salt["pkg.remove"]("saline-test-hello") == {"saline-test-hello": {"old": "1.0", "new": ""}}
    assert salt["pkg.remove"]("saline-test-hello") == {}
    assert dpkg_status("saline-test-hello") in ("", "1.0 un", "1.0 rc")
    salt["pkg.install"]("saline-test-hello")
    assert salt["pkg.purge"]("saline-test-hello") == {
        "removed": {}, "installed": {"saline-test-hello": {"old": "2.0", "new": ""}}}


def test_pkgs_list_is_one_apt_call(apt_repo, debian_ctx, monkeypatch) -> None:
    import saline.modules.pkg_apt as pkg

    calls: list[list[str]] = []
    real = pkg._run

    def spy(cmd, **kw):
        calls.append(cmd)
        return real(cmd, **kw)

    monkeypatch.setattr(pkg, "_run", spy)
    salt = debian_ctx.salt
    salt["pkg.refresh_db"]()
    changes = salt["pkg.install"](pkgs=["saline-test-dep", {"saline-test-hello": "1.0"}])
    assert changes == {"saline-test-dep": {"old": "", "new": "1.0"},
                       "saline-test-hello": {"old": "", "new": "1.0"}}
    assert sum(1 for c in calls if c[0] == "apt-get" and "install" in c) == 1


def test_hold_blocks_upgrade(apt_repo, debian_ctx) -> None:
    salt = debian_ctx.salt
    salt["pkg.refresh_db"]()
    salt["pkg.install"]("saline-test-hello", version="1.0", hold=True)
    held = salt["pkg.hold"]("saline-test-hello")
    assert held["saline-test-hello"]["comment"] == "Package saline-test-hello is already set to be held."
    assert salt["pkg.list_upgrades"](refresh=False) == {}
    assert salt["pkg.upgrade"](refresh=False) == {}
    assert dpkg_status("saline-test-hello").startswith("1.0 hi")
    ret = salt["pkg.unhold"]("saline-test-hello")
    assert ret["saline-test-hello"]["changes"] == {"old": "hold", "new": "install"}
    assert ret["saline-test-hello"]["comment"] == "Package saline-test-hello is no longer being held."
    assert salt["pkg.list_upgrades"](refresh=False) == {"saline-test-hello": "2.0"}


def test_queries(apt_repo, debian_ctx) -> None:
    salt = debian_ctx.salt
    salt["pkg.refresh_db"]()
    salt["pkg.install"]("saline-test-hello")
    assert salt["pkg.owner"]("/usr/share/saline-test-hello/VERSION") == "saline-test-hello"
    assert "/usr/share/saline-test-hello/VERSION" in salt["pkg.file_list"]("saline-test-hello")["files"]
    info = salt["pkg.info_installed"]("saline-test-hello")["saline-test-hello"]
    assert info["version"] == "2.0" and info["architecture"] == "all"
    assert salt["pkg.list_pkgs"]()["saline-test-hello"] == "2.0"
    assert salt["pkg.list_pkgs"](versions_as_list=True)["saline-test-hello"] == ["2.0"]
    assert salt["pkg.version"]("saline-test-hello", "saline-test-dep") == {
        "saline-test-hello": "2.0", "saline-test-dep": ""}


def test_local_deb_sources(apt_repo, debian_ctx) -> None:
    deb = apt_repo.pool / "saline-test-hello_1.0_all.deb"
    changes = debian_ctx.salt["pkg.install"](sources=[{"saline-test-hello": str(deb)}])
    assert changes == {"saline-test-hello": {"old": "", "new": "1.0"}}


def test_unknown_package_is_clear_error(apt_repo, debian_ctx) -> None:
    debian_ctx.salt["pkg.refresh_db"]()
    with pytest.raises(CommandExecutionError, match="Unable to locate package saline-test-nope"):
        debian_ctx.salt["pkg.install"]("saline-test-nope")


def test_two_concurrent_installs_wait_for_the_lock(apt_repo, debian_ctx) -> None:
    salt = debian_ctx.salt
    salt["pkg.refresh_db"]()
    results: dict[str, object] = {}

    def install(name: str) -> None:
        try:
            results[name] = salt["pkg.install"](name, version="1.0")
        except Exception as exc:  # recorded for the assertion below
            results[name] = exc

    threads = [threading.Thread(target=install, args=(n,)) for n in ("saline-test-hello", "saline-test-dep")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(isinstance(r, Exception) for r in results.values()), results
    assert dpkg_status("saline-test-dep").startswith("1.0 ii")


def test_install_refused_while_planning(apt_repo, debian_ctx) -> None:
    from saline.errors import ActionRefusedError

    with pytest.raises(ActionRefusedError):
        debian_ctx.planning_view().salt["pkg.install"]("saline-test-hello")
    assert dpkg_status("saline-test-hello") == ""


_VERSION = st.from_regex(r"\A(?:[0-9]:)?[0-9][0-9a-z.+~]{0,6}(?:-[0-9a-z.+~]{1,4})?\Z")


@settings(max_examples=150, deadline=None)
@given(_VERSION, _VERSION)
def test_version_cmp_matches_dpkg(a: str, b: str) -> None:
    def dpkg(op: str) -> bool:
        return subprocess.run(["dpkg", "--compare-versions", a, op, b], capture_output=True).returncode == 0

    expected = 0 if dpkg("eq") else (-1 if dpkg("lt") else 1)
    assert debversion.compare(a, b) == expected
