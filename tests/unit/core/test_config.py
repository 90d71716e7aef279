"""Configuration loading (docs/configuration.md): files and their order, config dir selection,
root_dir, warnings for unknown and Salt-only options, errors for wrong types and invalid YAML."""

from __future__ import annotations

import logging
import os

import pytest
from saline.config import (
    MASTER_OPTIONS,
    MINION_OPTIONS,
    SALT_ONLY_OPTIONS,
    check_value,
    load_config,
    under_root,
)
from saline.errors import ConfigError


@pytest.fixture
def conf(tmp_path, monkeypatch):
    monkeypatch.delenv("SALINE_CONFIG_DIR", raising=False)
    directory = tmp_path / "etc"
    directory.mkdir()
    return directory


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_follow_salt(conf):
    opts = load_config("minion", str(conf))
    assert opts["file_client"] == "remote"
    assert opts["file_roots"] == {"base": ["/srv/salt"]}
    assert opts["pillar_roots"] == {"base": ["/srv/pillar"]}
    assert opts["master"] == "salt"
    assert (opts["master_port"], opts["publish_port"], opts["ret_port"]) == (4506, 4505, 4506)
    assert opts["state_top"] == "top.sls"
    assert opts["log_level"] == "warning"
    assert opts["cachedir"] == "/var/cache/saline/minion"
    assert opts["pki_dir"] == "/etc/saline/pki/minion"
    assert opts["conf_file"] == str(conf / "minion")
    assert opts["config_dir"] == str(conf)
    assert opts["id"]  # the host name when not configured


def test_master_role_has_its_own_options(conf):
    write(conf / "master", "auto_accept: true\n")
    opts = load_config("master", str(conf))
    assert opts["auto_accept"] is True
    assert opts["cachedir"] == "/var/cache/saline/master"
    assert "auto_accept" in MASTER_OPTIONS and "auto_accept" not in MINION_OPTIONS


def test_main_file_then_minion_d_in_name_order(conf):
    write(conf / "minion", "id: main\nlog_level: info\nstate_top: a.sls\n")
    write(conf / "minion.d" / "20-b.conf", "log_level: debug\nstate_top: b.sls\n")
    write(conf / "minion.d" / "10-a.conf", "log_level: error\n")
    write(conf / "minion.d" / "ignored.txt", "id: nope\n")
    opts = load_config("minion", str(conf))
    assert (opts["id"], opts["log_level"], opts["state_top"]) == ("main", "debug", "b.sls")


def test_include_globs_relative_to_the_config_dir(conf):
    write(conf / "minion", "include: extra/*.yml\nid: main\n")
    write(conf / "extra" / "one.yml", "id: included\n")
    assert load_config("minion", str(conf))["id"] == "included"


def test_command_line_overrides_win(conf):
    write(conf / "minion", "id: fromfile\n")
    assert load_config("minion", str(conf), {"id": "cli"})["id"] == "cli"


def test_config_dir_from_environment(conf, monkeypatch, tmp_path):
    write(conf / "minion", "id: fromenv\n")
    monkeypatch.setenv("SALINE_CONFIG_DIR", str(conf))
    assert load_config("minion")["id"] == "fromenv"
    other = tmp_path / "other"
    write(other / "minion", "id: fromflag\n")
    assert load_config("minion", str(other))["id"] == "fromflag"  # -c wins over the environment


def test_missing_config_dir_is_a_warning(tmp_path, caplog, monkeypatch):
    monkeypatch.delenv("SALINE_CONFIG_DIR", raising=False)
    with caplog.at_level(logging.WARNING):
        opts = load_config("minion", str(tmp_path / "nope"))
    assert opts["file_client"] == "remote"
    assert "does not exist" in caplog.text


def test_root_dir_prefixes_every_path_option(conf):
    write(conf / "minion", "root_dir: /opt/r\ncachedir: /var/cache/custom\ngrains_file: /etc/g\n")
    opts = load_config("minion", str(conf))
    assert opts["cachedir"] == "/opt/r/var/cache/custom"
    assert opts["pki_dir"] == "/opt/r/etc/saline/pki/minion"
    assert opts["sock_dir"] == "/opt/r/var/run/saline/minion"
    assert opts["log_file"] == "/opt/r/var/log/saline/minion"
    assert opts["pidfile"] == "/opt/r/var/run/saline-minion.pid"
    assert opts["grains_file"] == "/opt/r/etc/g"
    # like Salt, file and pillar roots are not moved
    assert opts["file_roots"] == {"base": ["/srv/salt"]}
    for key, option in MINION_OPTIONS.items():
        if option.path and opts[key]:
            assert opts[key].startswith("/opt/r/"), key


def test_under_root():
    assert under_root("/r", "/a/b") == "/r/a/b"
    assert under_root("/r/", "/r/a") == "/r/a"
    assert under_root("/", "/a") == "/a"
    assert under_root("/r", "") == ""
    assert under_root("/r", "/rx/a") == "/r/rx/a"


def test_unknown_key_warns_with_file_and_key(conf, caplog):
    path = write(conf / "minion.d" / "x.conf", "no_such_option: 1\n")
    with caplog.at_level(logging.WARNING):
        opts = load_config("minion", str(conf))
    assert f"{path}: unknown option 'no_such_option'" in caplog.text
    assert opts["no_such_option"] == 1


@pytest.mark.parametrize("key", ["gather_job_timeout", "recon_default", "startup_states"])
def test_salt_only_options_warn_never_fail(conf, caplog, key):
    path = write(conf / "minion", f"{key}: 10\n")
    with caplog.at_level(logging.WARNING):
        load_config("minion", str(conf))
    assert key in SALT_ONLY_OPTIONS
    assert f"{path}: option '{key}' is a Salt option Saline does not implement" in caplog.text


@pytest.mark.parametrize(("text", "message"), [
    ("master_port: abc\n", "option 'master_port' must be an integer, got string 'abc'"),
    ("master_port: true\n", "option 'master_port' must be an integer, got boolean True"),
    ("file_roots: [/srv]\n", "option 'file_roots' must be a mapping, got list ['/srv']"),
    ("failhard: 'yes'\n", "option 'failhard' must be a boolean (true or false), got string 'yes'"),
    ("id: [a]\n", "option 'id' must be a string or null, got list ['a']"),
    ("grains: 3\n", "option 'grains' must be a mapping, got integer 3"),
    ("log_level: null\n", "option 'log_level' must be a string, got null"),
])
def test_wrong_type_names_file_key_and_type(conf, text, message):
    path = write(conf / "minion", text)
    with pytest.raises(ConfigError) as info:
        load_config("minion", str(conf))
    assert str(info.value) == f"{path}: {message}"


def test_a_string_where_a_list_is_expected_becomes_a_list(conf):
    write(conf / "minion", "fileserver_backend: roots\n")
    assert load_config("minion", str(conf))["fileserver_backend"] == ["roots"]


def test_int_accepted_for_a_number_option():
    assert check_value("timeout", 3, MINION_OPTIONS["timeout"], "f") == 3
    assert check_value("timeout", 2.5, MINION_OPTIONS["timeout"], "f") == 2.5


@pytest.mark.parametrize(("text", "where"), [
    ("id: x\nfoo: [1\n", "invalid YAML at line 3, column 1: did not find expected ',' or ']'"),
    ("id: x\nid: y\n", "invalid YAML at line 2, column 1: duplicate key 'id'"),
    ("a: b: c\n", "invalid YAML at line 1, column 5: mapping values are not allowed"),
    ("\tid: x\n", "invalid YAML at line 1, column 1"),
])
def test_invalid_yaml_names_file_and_line(conf, text, where):
    path = write(conf / "minion", text)
    with pytest.raises(ConfigError) as info:
        load_config("minion", str(conf))
    assert str(info.value).startswith(f"{path}: {where}")


def test_not_a_mapping(conf):
    path = write(conf / "minion", "- a\n- b\n")
    with pytest.raises(ConfigError, match=f"{path}: the configuration must be a mapping"):
        load_config("minion", str(conf))


def test_empty_file_is_fine(conf):
    write(conf / "minion", "# nothing\n")
    assert load_config("minion", str(conf))["file_client"] == "remote"


def test_salt_yaml_rules_apply(conf):
    write(conf / "minion", "grains:\n  mode: 0644\n  when: 2024-01-01\n")
    assert load_config("minion", str(conf))["grains"] == {"mode": 644, "when": "2024-01-01"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(conf):
    path = write(conf / "minion", "id: x\n")
    path.chmod(0)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config("minion", str(conf))


# ---- through saline-call: warnings and errors on stderr, exit codes ------------------------------

def test_cli_unknown_key_warns_on_stderr_only(saline_call):
    path = saline_call.write_config("no_such_option: 1\n", "minion.d/extra.conf")
    rc, out, err = saline_call("test.ping")
    assert (rc, out) == (0, "local:\n    True\n")
    assert f"[WARNING ] {path}: unknown option 'no_such_option'; ignored" in err


def test_cli_salt_only_option_is_not_an_error(saline_call):
    rc, out, err = saline_call("--out=json", "test.ping", config={"gather_job_timeout": 10})
    assert (rc, out) == (0, '{\n    "local": true\n}\n')
    assert "'gather_job_timeout' is a Salt option Saline does not implement" in err


def test_cli_wrong_type_exits_non_zero(saline_call):
    rc, out, err = saline_call("test.ping", config={"master_port": "abc"})
    assert rc == 1
    assert out == ""
    assert err == (f"Error: {saline_call.config_dir / 'minion'}: option 'master_port' must be an integer, "
                   "got string 'abc'\n")


def test_cli_invalid_yaml_exits_non_zero(saline_call):
    path = saline_call.write_config("id: x\nfile_roots: {base: [/srv\n", "minion.d/bad.conf")
    rc, out, err = saline_call("test.ping")
    assert rc == 1
    assert out == ""
    assert err.startswith(f"Error: {path}: invalid YAML at line 3")


def test_cli_quiet_log_level_silences_warnings(saline_call):
    saline_call.write_config("no_such_option: 1\n", "minion.d/extra.conf")
    rc, _, err = saline_call("-l", "quiet", "test.ping")
    assert (rc, err) == (0, "")


def test_cli_config_dir_from_environment(saline_call):
    """Without -c, saline-call reads $SALINE_CONFIG_DIR."""
    import subprocess

    saline_call.write_config({**saline_call.options, "id": "from-env"})
    env = {**os.environ, "SALINE_CONFIG_DIR": str(saline_call.config_dir)}
    proc = subprocess.run([*saline_call.command, "--local", "--out=json", "grains.get", "id"],
                          capture_output=True, text=True, env=env, check=False)
    assert (proc.returncode, proc.stdout) == (0, '{\n    "local": "from-env"\n}\n'), proc.stderr
