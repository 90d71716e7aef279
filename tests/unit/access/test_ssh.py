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
    assert gone["result"] is True and gone["changes"]["new"] is None, gone
    assert gone["changes"]["old"][0]["key"] == K1
    assert "git.example.com" not in (home / ".ssh/known_hosts").read_text()


def test_known_host_errors(salt, tmp_path) -> None:
    path = str(tmp_path / "kh")
    assert salt["ssh.set_known_host"](hostname="h", key=K1, enc="ssh-ed25519", port=2222, config=path)["status"] \
        == "error"
    assert salt["ssh.set_known_host"](hostname="127.0.0.1", port=1, hash_known_hosts=False, timeout=1,
                                      config=path) == {"status": "error", "error": "Unable to receive remote host keys"}
    assert salt["ssh.rm_known_host"](hostname="h", config=path)["error"] == f"Known hosts file {path} does not exist"
    done = salt["ssh.set_known_host"](hostname="h", key=K1, enc="ssh-ed25519", port=2222, config=path,
                                      hash_known_hosts=False)
    assert done["status"] == "updated" and pathlib.Path(path).read_text() == f"[h]:2222 ssh-ed25519 {K1}\n"
    assert salt["ssh.check_known_host"](hostname="h", port=2222, key=K1, config=path) == "exists"
    assert salt["ssh.check_known_host"](hostname="h", key=K1, config=path) == "add"
    assert salt["ssh.get_known_host_entries"](None, "h", config=path, port=2222)[0]["enc"] == "ssh-ed25519"


@pytest.fixture
def sshd(tmp_path: pathlib.Path):
    """A real sshd on 127.0.0.1 with one ed25519 host key: (port, public key text)."""
    import shutil
    import socket
    import time

    binary = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)
    if binary is None:
        pytest.skip("sshd is not installed (package openssh-server)")
    os.makedirs("/run/sshd", exist_ok=True)  # its privilege-separation directory
    key = tmp_path / "hostkey"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([binary, "-D", "-e", "-f", "/dev/null", "-h", str(key), "-p", str(port),
                             "-o", "ListenAddress=127.0.0.1", "-o", f"PidFile={tmp_path}/sshd.pid"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as conn:
            if conn.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield port, (tmp_path / "hostkey.pub").read_text().split()[1]
    proc.terminate()
    proc.wait(timeout=10)


def test_known_host_keys_fetched_from_a_real_sshd(base_dirs, sshd) -> None:
    port, hostkey = sshd
    tmp = base_dirs
    salt = make_context(tmp, {}, False).salt
    found = salt["ssh.recv_known_host_entries"]("127.0.0.1", port=port, hash_known_hosts=False)
    assert {"hostname": f"[127.0.0.1]:{port}", "enc": "ssh-ed25519", "key": hostkey} in \
        [{k: e[k] for k in ("hostname", "enc", "key")} for e in found]
    config = str(tmp / "kh")
    args = {"name": "127.0.0.1", "port": port, "hash_known_hosts": False, "config": config, "enc": "ssh-ed25519"}
    test = run_state(tmp, "ssh_known_hosts.present", args, {}, True)
    assert test == {"result": None, "changes": {}, "comment": f"Key for 127.0.0.1 is set to be added to {config}"}
    done = run_state(tmp, "ssh_known_hosts.present", args, {}, False)
    assert done["result"] is True and done["changes"]["old"] is None
    assert done["comment"] == f"127.0.0.1's ssh-ed25519 key saved to {config} (key: {hostkey})"
    assert pathlib.Path(config).read_text() == f"[127.0.0.1]:{port} ssh-ed25519 {hostkey}\n"
    from saline.modules.ssh import key_fingerprint

    assert done["changes"]["new"] == [{"hostname": f"[127.0.0.1]:{port}", "key": hostkey, "enc": "ssh-ed25519",
                                       "fingerprint": key_fingerprint(hostkey)}]  # as Salt 3007 answers
    again = run_state(tmp, "ssh_known_hosts.present", args, {}, False)
    assert again == {"result": True, "changes": {}, "comment": f"127.0.0.1 already exists in {config}"}

    good = key_fingerprint(hostkey)
    other = str(tmp / "kh2")
    wrong = run_state(tmp, "ssh_known_hosts.present", {"name": "127.0.0.1", "port": port, "config": other,
                                                       "hash_known_hosts": False, "fingerprint": "aa:bb"}, {}, False)
    assert wrong["result"] is False and "none of their fingerprints match" in wrong["comment"]
    ok = run_state(tmp, "ssh_known_hosts.present", {"name": "127.0.0.1", "port": port, "config": other,
                                                    "hash_known_hosts": False, "fingerprint": good}, {}, False)
    assert ok["result"] is True and ok["comment"] == f"127.0.0.1's key saved to {other} (fingerprint: {good})"


@pytest.fixture
def base_dirs(tmp_path: pathlib.Path) -> pathlib.Path:
    for d in ("srv", "pillar", "cache"):
        (tmp_path / d).mkdir()
    return tmp_path


def test_host_keys_and_user_keys(base_dirs, user) -> None:
    name, home = user
    salt = make_context(base_dirs, {}, False).salt
    keydir = base_dirs / "etc-ssh"
    keydir.mkdir()
    for kind in ("ed25519", "rsa"):
        (keydir / f"ssh_host_{kind}_key").write_text(f"PRIVATE {kind}\n")
        (keydir / f"ssh_host_{kind}_key.pub").write_text(f"ssh-{kind} AAAA host\n")
    (keydir / "ssh_host_rsa_key-cert.pub").write_text("cert\n")
    (keydir / "sshd_config").write_text("x")
    assert salt["ssh.host_keys"](keydir=str(keydir)) == {
        "ed25519": "PRIVATE ed25519", "ed25519.pub": "ssh-ed25519 AAAA host", "rsa": "PRIVATE rsa",
        "rsa.pub": "ssh-rsa AAAA host", "rsa-cert.pub": "cert"}
    assert set(salt["ssh.host_keys"](keydir=str(keydir), private=False, certs=False)) == {"ed25519.pub", "rsa.pub"}
    assert salt["ssh.user_keys"](name) == {}
    (home / ".ssh").mkdir()
    (home / ".ssh" / "id_ed25519.pub").write_text(f"ssh-ed25519 {K1} me\n")
    (home / ".ssh" / "id_ed25519").write_text("secret\n")
    assert salt["ssh.user_keys"](name) == {name: {"id_ed25519.pub": f"ssh-ed25519 {K1} me",
                                                  "id_ed25519": "secret"}}
    assert salt["ssh.user_keys"](name, prvfile=False) == {name: {"id_ed25519.pub": f"ssh-ed25519 {K1} me"}}




def test_auth_line_round_trip_property(tmp_path: pathlib.Path) -> None:
    """Whatever Saline writes, it reads back as the same enc, comment and options (what check_key compares)."""
    from hypothesis import given, settings
    from hypothesis import strategies as s
    from saline.modules.ssh import auth_line, parse_keys

    word = s.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789@.-_", min_size=1, max_size=10)
    option = s.one_of(s.sampled_from(["no-pty", "no-agent-forwarding", "restrict"]),
                      word.map(lambda w: f'command="/bin/{w} --x"'), word.map(lambda w: f'from="{w}"'))
    path = tmp_path / "ak"

    @settings(max_examples=60, deadline=None)
    @given(s.sampled_from(["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "sk-ssh-ed25519@openssh.com"]),
           s.lists(word, max_size=3).map(" ".join), s.lists(option, max_size=3))
    def check(enc: str, comment: str, options: list[str]) -> None:
        path.write_text(auth_line(K1, enc, comment, options))
        assert parse_keys(str(path))[K1] | {"fingerprint": None} == {
            "enc": enc, "comment": comment, "options": options, "fingerprint": None}

    check()
