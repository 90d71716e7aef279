"""user/group execution functions and states on the real passwd/group databases (useradd & co).

Expected comments and changes are real Salt 3007.8's for the same trees. Names are unique per test and
removed afterwards.
"""

from __future__ import annotations

import grp
import json
import pwd
import subprocess
import uuid

import pytest


@pytest.fixture
def names():
    suffix = uuid.uuid4().hex[:6]
    made = {"user": f"slnu{suffix}", "group": f"slng{suffix}", "group2": f"slnh{suffix}"}
    yield made
    subprocess.run(["userdel", "-r", made["user"]], capture_output=True)
    for key in ("group", "group2"):
        subprocess.run(["groupdel", made[key]], capture_output=True)


def apply(saline_call, sls: str, *extra: str) -> dict:
    _rc, out, err = saline_call("state.apply", sls, "--out=json", *extra)
    data = json.loads(out)["local"]
    assert isinstance(data, dict), (data, err)
    return {v["__id__"]: (v["result"], v["changes"], v["comment"])
            for v in sorted(data.values(), key=lambda v: v["__run_num__"])}


def test_user_and_group_states(names, saline_call, tmp_path) -> None:
    user, group, group2 = names["user"], names["group"], names["group2"]
    home = tmp_path / "home"
    saline_call.write_state("usr.sls", f"""
grp1:
  group.present:
    - name: {group}
{user}:
  user.present:
    - home: {home}
    - shell: /bin/sh
    - groups: [{group}]
    - require:
      - group: grp1
""")
    planned = apply(saline_call, "usr", "test=True")
    assert planned["grp1"] == (None, {}, f"Group {group} set to be added")
    assert planned[user] == (False, {}, f"The following group(s) are not present: {group}")
    with pytest.raises(KeyError):
        grp.getgrnam(group)
    created = apply(saline_call, "usr")
    gid = grp.getgrnam(group).gr_gid
    assert created["grp1"] == (True, {"name": group, "passwd": "x", "gid": gid, "members": []},
                               f"New group {group} created")
    result, changes, comment = created[user]
    assert (result, comment) == (True, f"New user {user} created")
    assert changes["home"] == str(home) and changes["shell"] == "/bin/sh" and group in changes["groups"]
    assert home.is_dir() and pwd.getpwnam(user).pw_shell == "/bin/sh"
    again = apply(saline_call, "usr")
    assert again == {"grp1": (True, {}, f"Group {group} is present and up to date"),
                     user: (True, {}, f"User {user} is present and up to date")}

    saline_call.write_state("usr2.sls", f"""
{group2}:
  group.present:
    - members: [{user}]
{user}:
  user.present:
    - shell: /bin/bash
    - fullname: Test User
    - password: '$6$abc$def'
""")
    planned = apply(saline_call, "usr2", "test=True")
    assert planned[user] == (None, {}, "The following user attributes are set to be changed:\n"
                             "shell: /bin/bash\npasswd: XXX-REDACTED-XXX\nfullname: Test User\n")
    changed = apply(saline_call, "usr2")
    assert changed[user] == (True, {"shell": "/bin/bash", "passwd": "XXX-REDACTED-XXX", "fullname": "Test User"},
                             f"Updated user {user}")
    assert grp.getgrnam(group2).gr_mem == [user]
    assert pwd.getpwnam(user).pw_gecos == "Test User"
    assert apply(saline_call, "usr2")[user] == (True, {}, f"User {user} is present and up to date")

    saline_call.write_state("abs.sls", f"{user}:\n  user.absent:\n    - purge: True\n"
                                       f"{group}:\n  group.absent: []\n{group2}:\n  group.absent: []\n")
    assert apply(saline_call, "abs", "test=True")[user] == (None, {}, f"User {user} set for removal")
    removed = apply(saline_call, "abs")
    assert removed == {user: (True, {user: "removed"}, f"Removed user {user}"),
                       group: (True, {group: ""}, f"Removed group {group}"),
                       group2: (True, {group2: ""}, f"Removed group {group2}")}
    assert not home.exists()
    assert apply(saline_call, "abs") == {user: (True, {}, f"User {user} is not present"),
                                         group: (True, {}, "Group not present"),
                                         group2: (True, {}, "Group not present")}


def test_execution_functions(names, debian_ctx) -> None:
    salt = debian_ctx.salt
    user, group = names["user"], names["group"]
    assert salt["group.add"](group, 23981) is True
    assert salt["group.add"](group) is False  # exists: False, like Salt
    assert salt["user.add"](user, shell="/bin/sh", createhome=False) is True
    assert salt["group.adduser"](group, user) is True
    assert salt["group.info"](group)["members"] == [user]
    assert salt["user.list_groups"](user) == sorted([user, group])
    assert salt["user.chshell"](user, "/bin/bash") is True and salt["user.info"](user)["shell"] == "/bin/bash"
    assert salt["user.chhome"](user, "/tmp/elsewhere") is True
    assert salt["user.info"](user)["home"] == "/tmp/elsewhere"
    assert salt["group.members"](group, "root") is True and salt["group.info"](group)["members"] == ["root"]
    assert salt["group.deluser"](group, "root") is True and salt["group.info"](group)["members"] == []
    assert salt["user.chgroups"](user, [group]) is True and group in salt["user.info"](user)["groups"]
    assert salt["user.delete"](user) is True and salt["user.info"](user) == {}
    assert salt["user.delete"](user) is False
    assert salt["group.delete"](group) is True and salt["group.info"](group) == {}


def test_changes_refused_while_planning(names, debian_ctx) -> None:
    from saline.errors import ActionRefusedError

    with pytest.raises(ActionRefusedError):
        debian_ctx.planning_view().salt["user.add"](names["user"])
    assert debian_ctx.salt["user.info"](names["user"]) == {}
