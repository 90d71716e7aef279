"""ssh execution module and ssh_auth / ssh_known_hosts with a real user and real ssh-keygen."""

from __future__ import annotations

import os
import pathlib
import pwd
import subprocess
import sys
import uuid

import pytest
from saline.errors import CommandExecutionError

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "file_states"))
from file_states_support import make_context, run_state

K1 = "AAAAC3NzaC1lZDI1NTE5AAAAIOaTYjtxjb8KcYAwuXyD2So8FyCiRQI7j+Nc4vZXCdCM"
K2 = "AAAAC3NzaC1lZDI1NTE5AAAAIPmaSbBYYzCI0C8wgexYDca8F0ZaVFNZU+/SxAfP3T49"


@pytest.fixture
def user(tmp_path: pathlib.Path):
    name = f"sal{uuid.uuid4().hex[:8]}"
    home = tmp_path / "home"
    subprocess.run(["useradd", "-m", "-d", str(home), name], check=True, capture_output=True)
    yield name, home
    subprocess.run(["userdel", "-r", name], check=False, capture_output=True)


@pytest.fixture
def salt(tmp_path: pathlib.Path):
    for d in ("srv", "pillar", "cache"):
        (tmp_path / d).mkdir(exist_ok=True)
    return make_context(tmp_path, {}, False).salt


def test_present_creates_files_owned_by_the_user(tmp_path, user) -> None:
    name, home = user
    for d in ("srv", "pillar", "cache"):
        (tmp_path / d).mkdir()
    out = run_state(tmp_path, "ssh_auth.present", {"name": f"ssh-ed25519 {K1} me@x", "user": name}, {}, False)
    assert out == {"result": True, "changes": {K1: "New"},
                   "comment": f"The authorized host key {K1} for user {name} was added"}
    ssh_dir, keys = home / ".ssh", home / ".ssh" / "authorized_keys"
    uid = pwd.getpwnam(name).pw_uid
    assert (os.stat(ssh_dir).st_mode & 0o777, os.stat(ssh_dir).st_uid) == (0o700, uid)
    assert (os.stat(keys).st_mode & 0o777, os.stat(keys).st_uid) == (0o600, uid)
    assert keys.read_text() == f"ssh-ed25519 {K1} me@x\n"
    again = run_state(tmp_path, "ssh_auth.present", {"name": f"ssh-ed25519 {K1} me@x", "user": name}, {}, False)
    assert again["changes"] == {} and again["result"] is True


def test_auth_keys_and_tokens(salt, user) -> None:
    name, home = user
    (home / "keys").write_text(f'# c\ncommand="x",no-pty ssh-ed25519 {K1} a b\nssh-ed25519 not*valid c\n')
    keys = salt["ssh.auth_keys"](name, config="%h/keys")
    assert list(keys) == [K1]
    assert keys[K1]["options"] == ['command="x"', "no-pty"] and keys[K1]["comment"] == "a b"
    assert keys[K1]["fingerprint"].count(":") == 31
    md5 = salt["ssh.auth_keys"](name, config=f"/{home.relative_to('/')}/keys", fingerprint_hash_type="md5")
    assert md5[K1]["fingerprint"].count(":") == 15
    assert salt["ssh.auth_keys"]([name]) == {}  # no default file yet: the user is left out
    assert salt["ssh.check_key"](name, K1, "ed25519", "a b", ['command="x"', "no-pty"], config="keys") == "exists"
    assert salt["ssh.check_key"](name, K1, "ed25519", "", [], config="keys") == "update"
    assert salt["ssh.check_key"](name, K2, "ed25519", "", [], config="keys") == "add"
    with pytest.raises(CommandExecutionError, match="unknown token"):
        salt["ssh.set_auth_key"](name, K1, config="%x/keys")


def test_set_and_rm_auth_key_results(salt, user) -> None:
    name, home = user
    assert salt["ssh.set_auth_key"](name, K1, enc="ed25519") == "new"
    assert salt["ssh.set_auth_key"](name, K1, enc="ed25519") == "no change"
    assert salt["ssh.set_auth_key"](name, K1, enc="ed25519", comment="c") == "replace"
    assert salt["ssh.set_auth_key"](name, "two words") == "invalid"
    assert salt["ssh.set_auth_key"](name, "no*b64") == "Invalid public key"
    assert salt["ssh.set_auth_key"]("nosuchuser-x", K1) == "fail"
    assert (home / ".ssh/authorized_keys").read_text() == f"ssh-ed25519 {K1} c\n"
    assert salt["ssh.rm_auth_key"](name, K2) == "Key not present"
    assert salt["ssh.rm_auth_key"](name, K1) == "Key removed"
    assert (home / ".ssh/authorized_keys").read_text() == ""


def test_known_hosts_hashed_for_a_user(tmp_path, user) -> None:
    name, home = user
    for d in ("srv", "pillar", "cache"):
        (tmp_path / d).mkdir()
    args = {"name": "git.example.com", "user": name, "enc": "ssh-ed25519", "key": K1}
    test = run_state(tmp_path, "ssh_known_hosts.present", args, {}, True)
    assert test["result"] is None and test["comment"] == \
        "Key for git.example.com is set to be added to .ssh/known_hosts"
    out = run_state(tmp_path, "ssh_known_hosts.present", args, {}, False)
    assert out["result"] is True and out["changes"]["old"] is None
    assert out["changes"]["new"] == [{"hostname": "git.example.com", "enc": "ssh-ed25519", "key": K1}]
    text = (home / ".ssh/known_hosts").read_text()
    assert text.startswith("|1|") and "git.example.com" not in text  # hashed
    assert os.stat(home / ".ssh/known_hosts").st_uid == pwd.getpwnam(name).pw_uid
    again = run_state(tmp_path, "ssh_known_hosts.present", args, {}, False)
    assert again == {"result": True, "changes": {},
                     "comment": "git.example.com already exists in .ssh/known_hosts"}
    gone = run_state(tmp_path, "ssh_known_hosts.absent", {"name": "git.example.com", "user": name}, {}, False)
    assert gone["result"] is True and gone["changes"]["new"] is None
    assert gone["changes"]["old"][0]["key"] == K1
    assert "git.example.com" not in (home / ".ssh/known_hosts").read_text()


def test_known_host_errors(salt, tmp_path) -> None:
    path = str(tmp_path / "kh")
    assert salt["ssh.set_known_host"](hostname="h", key=K1, enc="ssh-ed25519", port=2222, config=path)["status"] \
        == "error"
    assert salt["ssh.set_known_host"](hostname="h", enc="ssh-ed25519", config=path) == {
        "status": "error", "error": "Fetching remote host keys is not supported: give the key"}
    assert salt["ssh.rm_known_host"](hostname="h", config=path)["error"] == f"Known hosts file {path} does not exist"
    done = salt["ssh.set_known_host"](hostname="h", key=K1, enc="ssh-ed25519", port=2222, config=path,
                                      hash_known_hosts=False)
    assert done["status"] == "updated" and pathlib.Path(path).read_text() == f"[h]:2222 ssh-ed25519 {K1}\n"
    assert salt["ssh.check_known_host"](hostname="h", port=2222, key=K1, config=path) == "exists"
    assert salt["ssh.check_known_host"](hostname="h", key=K1, config=path) == "add"
    assert salt["ssh.get_known_host_entries"](None, "h", config=path, port=2222)[0]["enc"] == "ssh-ed25519"
