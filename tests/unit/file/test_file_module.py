"""file module behaviour beyond the data-driven cases: plans vs actions, planning, owners, saline-call."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import pytest
from saline.errors import ActionRefusedError
from saline.loader import Context, load_module


def make_ctx(**opts) -> Context:
    return Context({"pillar": {}, **opts}, grains_loader=lambda: {})


def test_queries_and_actions_are_classified() -> None:
    module = load_module("file", lambda: {})
    kinds = {name: f.kind for name, f in module.functions.items()}
    queries = {"file_exists", "directory_exists", "dirname", "basename", "join", "readdir", "read", "stats",
               "get_hash", "get_user", "get_group", "get_mode", "get_uid", "get_gid", "contains",
               "contains_regex", "contains_glob", "search", "check_hash", "get_diff", "source_list", "is_link",
               "readlink", "plan_replace", "plan_blockreplace", "plan_line", "plan_comment", "sed_contains"}
    actions = {"write", "append", "prepend", "touch", "mkdir", "makedirs", "makedirs_perms", "remove", "rename",
               "copy", "symlink", "chown", "lchown", "chgrp", "set_mode", "replace", "blockreplace", "line", "comment",
               "uncomment", "comment_line", "sed", "find"}
    assert {n for n in queries if kinds[n] != "query"} == set()
    assert {n for n in actions if kinds[n] != "action"} == set()
    for fn in module.functions.values():
        assert "CLI Example" in fn.doc, fn.full_name


@pytest.mark.parametrize("plan,action,kwargs", [
    ("file.plan_replace", "file.replace", {"pattern": "^b=.*", "repl": "b=9"}),
    ("file.plan_line", "file.line", {"content": "x=0", "mode": "ensure", "after": "^a="}),
    ("file.plan_blockreplace", "file.blockreplace", {"content": "z\n", "append_if_not_found": True}),
    ("file.plan_comment", "file.comment_line", {"regex": "^a="}),
])
def test_plan_predicts_exactly_what_the_action_writes(tmp_path: Path, plan, action, kwargs) -> None:
    target = tmp_path / "f"
    target.write_text("a=1\nb=2\n")
    planned = make_ctx().planning_view().salt[plan](str(target), **kwargs)
    assert target.read_text() == "a=1\nb=2\n"  # planning wrote nothing
    assert planned["changed"] is True and planned["diff"].startswith("--- \n+++ \n")
    make_ctx().salt[action](str(target), **kwargs)
    assert target.read_text() == planned["content"]
    again = make_ctx().salt[plan](str(target), **kwargs)
    assert again["changed"] is False and again["diff"] == ""


def test_plan_replace_missing_file(tmp_path: Path) -> None:
    ret = make_ctx().salt["file.plan_replace"](str(tmp_path / "nope"), "a", "b", ignore_if_missing=True)
    assert ret == {"path": str(tmp_path / "nope"), "exists": False, "changed": False, "found": False, "diff": "",
                   "content": None}


def test_dry_run_allowed_while_planning_but_not_writes(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_text("a\n")
    salt = make_ctx().planning_view().salt
    assert salt["file.replace"](str(target), "a", "b", dry_run=True, show_changes=False) is True
    assert salt["file.replace"](str(target), "a", "b", search_only=True) is True
    # positional dry_run works too (the loader binds the real signature)
    assert salt["file.blockreplace"](str(target), "#s", "#e", "x", True, False, ".bak", True, False) is True
    with pytest.raises(ActionRefusedError):
        salt["file.replace"](str(target), "a", "b")
    with pytest.raises(ActionRefusedError):
        salt["file.line"](str(target), content="x", mode="ensure", after="a")
    with pytest.raises(ActionRefusedError):
        salt["file.write"](str(target), "x")
    assert target.read_text() == "a\n"
    assert salt["file.find"](str(tmp_path), name="f") == [str(target)]
    assert salt["file.find"](str(tmp_path), name="f", delete="f", test=True) == [str(target)]
    assert target.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_edits_keep_owner_and_mode(tmp_path: Path) -> None:
    nobody = pwd.getpwnam("nobody")
    target = tmp_path / "f"
    target.write_text("a=1\n")
    os.chown(target, nobody.pw_uid, nobody.pw_gid)
    target.chmod(0o600)
    salt = make_ctx().salt
    salt["file.replace"](str(target), "a=1", "a=2")
    salt["file.line"](str(target), content="b=1", mode="insert", location="end")
    salt["file.append"](str(target), "c=1")
    salt["file.write"](str(target), "d=1")
    st = target.stat()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (nobody.pw_uid, nobody.pw_gid, 0o600)
    backup = (tmp_path / "f.bak").stat()
    assert (backup.st_uid, backup.st_mode & 0o7777) == (nobody.pw_uid, 0o600)


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_chown_chgrp_and_mkdir_owner(tmp_path: Path) -> None:
    nobody = pwd.getpwnam("nobody")
    target = tmp_path / "f"
    target.write_text("")
    salt = make_ctx().salt
    assert salt["file.chown"](str(target), "nobody", "") is None
    assert salt["file.get_user"](str(target)) == "nobody"
    assert salt["file.chgrp"](str(target), nobody.pw_gid) is None
    assert salt["file.get_gid"](str(target)) == nobody.pw_gid
    assert salt["file.mkdir"](str(tmp_path / "d" / "e"), user="nobody", mode=750) is True
    assert salt["file.stats"](str(tmp_path / "d" / "e"))["user"] == "nobody"
    assert salt["file.get_mode"](str(tmp_path / "d")) == "0750"
    (tmp_path / "ln").symlink_to(target)
    assert salt["file.lchown"](str(tmp_path / "ln"), "root", "root") is None
    assert os.lstat(tmp_path / "ln").st_uid == 0 and target.stat().st_uid == nobody.pw_uid
    assert salt["file.lchown"](str(tmp_path / "nope"), "root", "") == "File not found"


def test_read_binary(tmp_path: Path) -> None:
    (tmp_path / "b").write_bytes(b"\x00\xff")
    assert make_ctx().salt["file.read"](str(tmp_path / "b"), binary=True) == b"\x00\xff"


def test_write_rejects_equals_kwargs(tmp_path: Path) -> None:
    from saline.errors import SaltInvocationError

    with pytest.raises(SaltInvocationError, match="args="):
        make_ctx().salt["file.write"](str(tmp_path / "f"), "a", key="value")


def test_find_exec(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello")
    ret = make_ctx().salt["file.find"](str(tmp_path), name="*.txt", exec="cat {}")
    assert ret == [f"cat {tmp_path}/a.txt:\nhello\n"]


def test_saline_call_replace_and_stats(saline_call, tmp_path: Path) -> None:
    target = tmp_path / "f.conf"
    target.write_text("a=1\nb=2\n")
    target.chmod(0o640)
    rc, out, err = saline_call("--out=json", "file.replace", str(target), "pattern=^b=.*", "repl=b=20")
    assert rc == 0, err
    assert json.loads(out) == {"local": "--- \n+++ \n@@ -1,2 +1,2 @@\n a=1\n-b=2\n+b=20\n"}
    rc, out, _ = saline_call("--out=json", "file.get_mode", str(target))
    assert json.loads(out) == {"local": "0640"}


def test_saline_call_missing_file_error(saline_call, tmp_path: Path) -> None:
    rc, _, err = saline_call("file.replace", str(tmp_path / "nope"), "pattern=a", "repl=b")
    assert rc == 1 and f"File not found: {tmp_path}/nope" in err
