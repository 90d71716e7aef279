"""pkg and pkgrepo states end to end (saline-call state.apply) on a private offline apt repository.

Expected comments and changes are real Salt 3007.8's for the same trees.
"""

from __future__ import annotations

import json
import subprocess

import pytest

INSTALL_SLS = """
hello:
  pkg.installed:
    - name: saline-test-hello
    - version: "1.0"
multi:
  pkg.installed:
    - pkgs:
      - saline-test-dep
      - saline-test-hello: "1.0"
"""


def apply(saline_call, sls: str, *extra: str) -> dict:
    _rc, out, err = saline_call("state.apply", sls, "--out=json", *extra)
    data = json.loads(out)["local"]
    assert isinstance(data, dict), (data, err)
    return {v["__id__"]: v for v in sorted(data.values(), key=lambda v: v["__run_num__"])}


def summary(results: dict) -> dict:
    return {k: (v["result"], v["changes"], v["comment"]) for k, v in results.items()}


def installed_version(name: str) -> str:
    res = subprocess.run(["dpkg-query", "-W", "-f=${Version} ${db:Status-Abbrev}", name],
                         capture_output=True, text=True)
    return res.stdout.split()[0] if res.returncode == 0 and " ii" in res.stdout else ""


@pytest.fixture
def refreshed(apt_repo):
    subprocess.run(["apt-get", "-q", "update"], check=True, capture_output=True)
    return apt_repo


def test_installed_test_mode_then_apply_then_idempotent(refreshed, saline_call) -> None:
    saline_call.write_state("pkgt.sls", INSTALL_SLS)
    first = summary(apply(saline_call, "pkgt", "test=True"))
    assert first["hello"] == (None, {"saline-test-hello": {"new": "1.0", "old": ""}},
                              "The following packages would be installed/updated: saline-test-hello")
    assert first["multi"][2] == ("The following packages would be installed/updated: "
                                 "saline-test-dep, saline-test-hello")
    assert installed_version("saline-test-hello") == ""  # test=True changed nothing
    second = summary(apply(saline_call, "pkgt"))
    assert second["hello"] == (True, {"saline-test-hello": {"old": "", "new": "1.0"}},
                               "1 targeted package was installed/updated.")
    assert second["multi"] == (True, {"saline-test-dep": {"old": "", "new": "1.0"}},
                               "The following packages were installed/updated: saline-test-dep\n"
                               "The following packages were already installed: saline-test-hello=1.0")
    third = summary(apply(saline_call, "pkgt"))
    done = "All specified packages are already installed and are at the desired version"
    assert third == {"hello": (True, {}, done), "multi": (True, {}, done)}


def test_latest_removed_purged(refreshed, saline_call) -> None:
    subprocess.run(["apt-get", "install", "-y", "-q", "saline-test-hello=1.0", "saline-test-dep"], check=True,
                   capture_output=True)
    saline_call.write_state("pkgl.sls", "hello:\n  pkg.latest:\n    - name: saline-test-hello\n")
    assert summary(apply(saline_call, "pkgl", "test=True"))["hello"][0] is None
    assert summary(apply(saline_call, "pkgl"))["hello"] == (
        True, {"saline-test-hello": {"old": "1.0", "new": "2.0"}},
        "The following packages were successfully installed/upgraded: saline-test-hello")
    assert summary(apply(saline_call, "pkgl"))["hello"] == (
        True, {}, "Package saline-test-hello is already up-to-date")
    saline_call.write_state("pkgr.sls", "dep:\n  pkg.removed:\n    - name: saline-test-dep\n"
                                        "hello:\n  pkg.purged:\n    - name: saline-test-hello\n")
    planned = summary(apply(saline_call, "pkgr", "test=True"))
    assert planned["dep"] == (None, {"saline-test-dep": {"new": "removed", "old": ""}},
                              "The following packages will be removed: saline-test-dep.")
    done = summary(apply(saline_call, "pkgr"))
    assert done["dep"] == (True, {"saline-test-dep": {"old": "1.0", "new": ""}}, "All targeted packages were removed.")
    assert done["hello"] == (True, {"removed": {}, "installed": {"saline-test-hello": {"old": "2.0", "new": ""}}},
                             "All targeted packages were purged.")
    again = summary(apply(saline_call, "pkgr"))
    assert again == {"dep": (True, {}, "All specified packages are already absent"),
                     "hello": (True, {}, "None of the targeted packages are installed or partially installed")}


def test_held_and_unheld(refreshed, saline_call) -> None:
    subprocess.run(["apt-get", "install", "-y", "-q", "saline-test-hello=1.0"], check=True, capture_output=True)
    saline_call.write_state("pkgh.sls", "hello:\n  pkg.held:\n    - name: saline-test-hello\n")
    saline_call.write_state("pkgu.sls", "hello:\n  pkg.unheld:\n    - name: saline-test-hello\n")
    held = summary(apply(saline_call, "pkgh"))["hello"]
    assert held[0] is True and held[1]["saline-test-hello"]["changes"] == {"old": "install", "new": "hold"}
    assert summary(apply(saline_call, "pkgh"))["hello"] == (True, {}, "No changes made")
    unheld = summary(apply(saline_call, "pkgu"))["hello"]
    assert unheld[1]["saline-test-hello"]["changes"] == {"old": "hold", "new": "install"}
    assert unheld[2] == "Package saline-test-hello is no longer being held."


def test_pkgrepo_then_install(apt_repo, saline_call) -> None:
    """The seed's listing: pkgrepo.managed adds the repository, pkg.installed installs from it."""
    apt_repo.sources.write_text("")  # the repository is only known once the state adds it
    line = f"deb [trusted=yes] file:{apt_repo.pool} ./"
    list_file = apt_repo.sources_d / "saline-test.list"
    saline_call.write_state("repo.sls", f"""
myrepo:
  pkgrepo.managed:
    - name: {line}
    - file: {list_file}
    - refresh: True
hello:
  pkg.installed:
    - name: saline-test-hello
    - require:
      - pkgrepo: myrepo
""")
    planned = summary(apply(saline_call, "repo", "test=True"))
    assert planned["myrepo"][0] is None and planned["myrepo"][1] == {"repo": line}
    assert not list_file.exists()
    done = summary(apply(saline_call, "repo"))
    assert done["myrepo"] == (True, {"repo": line}, f"Configured package repo '{line}'")
    assert done["hello"][1] == {"saline-test-hello": {"old": "", "new": "2.0"}}
    assert list_file.read_text() == line + "\n"
    again = summary(apply(saline_call, "repo"))
    assert again["myrepo"] == (True, {}, f"Package repo '{line}' already configured")
    assert again["hello"][1] == {}
    saline_call.write_state("absent.sls", f"myrepo:\n  pkgrepo.absent:\n    - name: {line}\n")
    assert summary(apply(saline_call, "absent"))["myrepo"] == (True, {"repo": line}, f"Removed repo {line}")
    assert not list_file.exists()
    assert summary(apply(saline_call, "absent"))["myrepo"] == (True, {}, f"Package repo {line} is absent")
