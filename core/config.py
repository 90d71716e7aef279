"""Typed configuration options and loading of YAML config files (see docs/configuration.md).

Option names and meanings follow Salt's so existing config files keep working:
``<config_dir>/<role>`` then ``<config_dir>/<role>.d/*.conf`` (sorted) and any ``include:`` globs,
later files overriding earlier ones, then command-line overrides. ``config_dir`` is ``-c DIR``,
else ``$SALINE_CONFIG_DIR``, else ``/etc/saline``. Every path option is placed under ``root_dir``.

Unknown keys and Salt options Saline does not implement are warnings on stderr naming the file and
key (never errors: a Salt config file must keep working); an option of the wrong type and invalid
YAML are errors naming the file, key / line and what was expected.
"""

from __future__ import annotations

import glob
import logging
import os
from dataclasses import dataclass
from typing import Any

from saline.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_CONFIG_DIR = "/etc/saline"
CONFIG_DIR_ENV = "SALINE_CONFIG_DIR"


@dataclass(frozen=True)
class Option:
    types: tuple[type, ...]
    default: Any
    path: bool = False  # placed under root_dir
    doc: str = ""


def _opt(types: type | tuple[type, ...], default: Any, path: bool = False, doc: str = "") -> Option:
    return Option(types if isinstance(types, tuple) else (types,), default, path, doc)


_NONE = type(None)

COMMON_OPTIONS: dict[str, Option] = {
    "root_dir": _opt(str, "/", doc="prefix for every path option"),
    "user": _opt(str, "root"),
    "log_level": _opt(str, "warning"),
    "log_level_logfile": _opt((str, _NONE), None),
    "log_file": _opt(str, "", path=True),
    "log_fmt_console": _opt(str, "[%(levelname)-8s] %(message)s"),
    "cachedir": _opt(str, "", path=True),
    "pki_dir": _opt(str, "", path=True),
    "sock_dir": _opt(str, "", path=True),
    "pidfile": _opt(str, "", path=True),
    "include": _opt((str, list), []),
    "default_include": _opt(str, ""),
    "file_roots": _opt(dict, {"base": ["/srv/salt"]}),
    "pillar_roots": _opt(dict, {"base": ["/srv/pillar"]}),
    "state_top": _opt(str, "top.sls"),
    "state_top_saltenv": _opt((str, _NONE), None),
    "autoload_dynamic_modules": _opt(bool, True),
    "clean_dynamic_modules": _opt(bool, True),
    "top_file_merging_strategy": _opt(str, "merge"),
    "env_order": _opt(list, []),
    "default_top": _opt(str, "base"),
    "renderer": _opt(str, "jinja|yaml"),
    "failhard": _opt(bool, False),
    "state_auto_order": _opt(bool, True),
    "state_output": _opt(str, "full"),
    "state_verbose": _opt(bool, True),
    "state_output_diff": _opt(bool, False),
    "state_output_profile": _opt(bool, True),
    "state_output_pct": _opt(bool, False),
    "state_queue": _opt((bool, int), False),
    "disabled_requisites": _opt((list, str), []),
    "nodegroups": _opt(dict, {}),
    "pillar_source_merging_strategy": _opt(str, "smart"),
    "pillar_merge_lists": _opt(bool, False),
    "pillar_safe_render_error": _opt(bool, True),
    "pillar_includes_override_sls": _opt(bool, False),
    "pillar_opts": _opt(bool, False),
    "pillarenv_from_saltenv": _opt(bool, False),
    "pillar": _opt(dict, {}),
    "saltenv": _opt((str, _NONE), None),
    "pillarenv": _opt((str, _NONE), None),
    "lock_saltenv": _opt(bool, False),
    "test": _opt(bool, False),
    "color": _opt(bool, True),
    "output": _opt((str, _NONE), None),
    "output_indent": _opt((int, str, _NONE), None),  # a number, or `pretty` (json)
    "interface": _opt(str, "0.0.0.0"),
    "ipv6": _opt((bool, _NONE), None),
    "publish_port": _opt(int, 4505),
    "ret_port": _opt(int, 4506),
    "fileserver_backend": _opt(list, ["roots"]),
    "gitfs_remotes": _opt(list, []),
    "gitfs_base": _opt(str, "master"),
    "gitfs_root": _opt(str, ""),
    "gitfs_mountpoint": _opt(str, ""),
    # gitfs and git pillar (core/gitfs.py, pillar/git_pillar.py, docs/gitfs.md)
    "gitfs_ref_types": _opt(list, ["branch", "tag", "sha"]),
    "gitfs_saltenv_whitelist": _opt(list, []),
    "gitfs_saltenv_blacklist": _opt(list, []),
    "gitfs_env_whitelist": _opt(list, []),
    "gitfs_env_blacklist": _opt(list, []),
    "gitfs_update_interval": _opt((int, float), 60),
    "gitfs_saltenv": _opt(list, []),
    "gitfs_disable_saltenv_mapping": _opt(bool, False),
    "gitfs_fallback": _opt(str, ""),
    "gitfs_ssl_verify": _opt(bool, True),
    "gitfs_privkey": _opt(str, ""),
    "gitfs_pubkey": _opt(str, ""),
    "ext_pillar": _opt(list, []),
    "git_pillar_base": _opt(str, "master"),
    "git_pillar_branch": _opt(str, "master"),
    "git_pillar_env": _opt(str, ""),
    "git_pillar_root": _opt(str, ""),
    "git_pillar_includes": _opt(bool, True),
    "git_pillar_update_interval": _opt((int, float), 60),
    "git_pillar_ssl_verify": _opt(bool, True),
    "git_pillar_privkey": _opt(str, ""),
    "git_pillar_pubkey": _opt(str, ""),
    "jinja_trim_blocks": _opt(bool, False),
    "jinja_lstrip_blocks": _opt(bool, False),
    "jinja_env": _opt(dict, {}),
    "jinja_sls_env": _opt(dict, {}),
    "allow_undefined": _opt(bool, False),
    "timeout": _opt((int, float), 5),
    "hash_type": _opt(str, "sha256"),
}

MINION_OPTIONS: dict[str, Option] = {
    **COMMON_OPTIONS,
    "id": _opt((str, _NONE), None),
    "master": _opt((str, list), "salt"),
    "master_port": _opt(int, 4506),
    "master_finger": _opt(str, ""),
    "file_client": _opt(str, "remote"),
    "grains": _opt(dict, {}),
    "grains_file": _opt(str, "", path=True),
    "grains_cache": _opt(bool, False),
    "conf_file": _opt(str, ""),
    "append_domain": _opt(str, ""),
    "multiprocessing": _opt(bool, False),
    "retcode_passthrough": _opt(bool, False),
    "shell": _opt((str, _NONE), None),
    "auth_timeout": _opt(int, 5),
    "return_retry_timer": _opt((int, float), 5),
    "return_retry_tries": _opt(int, 3),
    "auth_tries": _opt(int, 7),
    # seconds between the minion's liveness requests to the master (re-auth after a master restart)
    "master_alive_interval": _opt((int, float), 30),
    "acceptance_wait_time": _opt((int, float), 10),
    # the mine: functions whose results the minion sends to the master (merged with the pillar's),
    # run after auth and every mine_interval minutes (modules/mine.py, master/mine.py)
    "mine_functions": _opt(dict, {}),
    "mine_interval": _opt((int, float), 60),
    "mine_enabled": _opt(bool, True),
}

MASTER_OPTIONS: dict[str, Option] = {
    **COMMON_OPTIONS,
    "id": _opt((str, _NONE), None),
    "auto_accept": _opt(bool, False),
    "autosign_file": _opt(str, "", path=True),
    "autoreject_file": _opt(str, "", path=True),
    "keep_jobs": _opt(int, 24),
    "worker_threads": _opt(int, 5),
    "conf_file": _opt(str, ""),
    "minion_data_cache": _opt(bool, True),
    # seconds a saltutil.find_job probe waits for answers once a job's timeout passed (saline, jobs.active)
    "gather_job_timeout": _opt((int, float), 10),
}

# Salt options that Saline accepts but does not implement yet: a warning, never an error.
SALT_ONLY_OPTIONS = frozenset(
    {
        "gather_job_timeout", "acceptance_wait_time_max", "random_reauth_delay",
        "recon_default", "recon_max", "recon_randomize", "schedule",
        "startup_states", "top_file", "enable_gpu_grains", "grains_refresh_every", "module_dirs",
        "extension_modules", "return", "returner_dirs", "state_events", "tcp_keepalive",
        "tcp_keepalive_idle", "keysize", "transport", "minion_id_caching", "open_mode", "loop_interval",
        "master_type", "rejected_retry", "ping_interval",
        "disable_modules", "disable_returners", "providers", "state_aggregate",
        "file_ignore_regex", "file_ignore_glob", "fileserver_limit_traversal", "use_superseded",
        "log_fmt_logfile", "log_datefmt", "log_datefmt_logfile", "log_granular_levels", "cache_jobs",
        "minion_pillar_cache", "pillar_cache", "master_tries", "retry_dns",
        "sudo_user", "backup_mode", "cache_sreqs", "event_return", "job_cache",
        "ext_job_cache", "master_job_cache", "max_open_files", "sign_pub_messages", "verify_env",
        "permissive_pki_access", "enable_fqdns_grains", "file_recv", "presence_events", "reactor",
        "state_output_exclude", "state_verbose_exclude", "utils_dirs", "winrepo_dir", "zmq_filtering",
    }
)

_TYPE_NAMES = {
    str: "a string", int: "an integer", float: "a number", bool: "a boolean (true or false)",
    dict: "a mapping", list: "a list", _NONE: "null",
}


def _type_label(types: tuple[type, ...]) -> str:
    return " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)


def check_value(key: str, value: Any, option: Option, source: str) -> Any:
    """Return ``value`` if it has the option's type, else raise a ConfigError naming everything."""
    if isinstance(value, bool):
        ok = bool in option.types  # YAML `yes` is not an integer here
    elif isinstance(value, int) and float in option.types:
        ok = True
    else:
        ok = isinstance(value, option.types)
    if ok:
        return value
    if list in option.types and isinstance(value, str):
        return [value]  # Salt accepts one string where a list is expected
    shown = "null" if value is None else f"{_yaml_type(value)} {value!r}"
    raise ConfigError(f"{source}: option '{key}' must be {_type_label(option.types)}, got {shown}")


def _yaml_type(value: Any) -> str:
    for kind in (bool, int, float, str, dict, list):
        if isinstance(value, kind):
            return _TYPE_NAMES[kind].split(" ")[1]
    return type(value).__name__


def read_yaml_config(path: str) -> dict[str, Any]:
    """The mapping in config file ``path`` ({} when missing or empty); ConfigError when invalid."""
    import yaml
    from saline.yamlload import safe_load

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_error(path, exc)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of option names to values, "
                          f"not {_yaml_type(data)}")
    return data


def _yaml_error(path: str, exc: Any) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = str(getattr(exc, "problem", None) or exc)
    if problem.startswith("found conflicting ID "):
        problem = "duplicate key " + problem.removeprefix("found conflicting ID ")
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context and context_mark is not None and context_mark is not mark:
        context = f"{context} started at line {context_mark.line + 1}"
    detail = f"{problem} ({context})" if context else problem
    return f"{path}: invalid YAML{where}: {detail}"


def _default_paths(role: str) -> dict[str, str]:
    return {
        "cachedir": f"/var/cache/saline/{role}",
        "pki_dir": f"/etc/saline/pki/{role}",
        "sock_dir": f"/var/run/saline/{role}",
        "log_file": f"/var/log/saline/{role}",
        "pidfile": f"/var/run/saline-{role}.pid",
    }


def under_root(root_dir: str, path: str) -> str:
    """``path`` placed under ``root_dir`` (unchanged when already there, empty, or root is ``/``)."""
    if not path or root_dir in ("", "/"):
        return path
    root = root_dir.rstrip("/")
    if path == root or path.startswith(root + "/"):
        return path
    return os.path.join(root, path.lstrip("/"))


def config_files(role: str, config_dir: str, include: Any = None) -> list[str]:
    """The files read for ``role``, in order: main file, ``<role>.d/*.conf``, then ``include`` globs."""
    files = [os.path.join(config_dir, role)]
    files += sorted(glob.glob(os.path.join(config_dir, f"{role}.d", "*.conf")))
    patterns = [include] if isinstance(include, str) else list(include or [])
    for pattern in patterns:
        pattern = os.path.join(config_dir, os.path.expanduser(str(pattern)))
        files += [f for f in sorted(glob.glob(pattern)) if f not in files]
    return files


def load_config(
    role: str,
    config_dir: str | None = None,
    overrides: dict[str, Any] | None = None,
    schema: dict[str, Option] | None = None,
) -> dict[str, Any]:
    """Load ``<config_dir>/<role>`` and ``<role>.d/*.conf`` over the defaults, then ``overrides``."""
    if schema is None:
        schema = MASTER_OPTIONS if role == "master" else MINION_OPTIONS
    explicit_dir = config_dir or os.environ.get(CONFIG_DIR_ENV)
    config_dir = explicit_dir or DEFAULT_CONFIG_DIR
    if explicit_dir and not os.path.isdir(config_dir):
        log.warning("configuration directory %s does not exist; using the defaults", config_dir)
    main_file = os.path.join(config_dir, role)
    opts: dict[str, Any] = {k: _copy(o.default) for k, o in schema.items()}
    opts.update({k: v for k, v in _default_paths(role).items() if k in schema})
    main = read_yaml_config(main_file)
    include = main.get("include")
    if include is not None:
        include = check_value("include", include, schema.get("include", _opt((str, list), [])), main_file)
    for path in config_files(role, config_dir, include):
        data = main if path == main_file else read_yaml_config(path)
        for key, value in data.items():
            _merge_option(opts, str(key), value, schema, path)
    for key, value in (overrides or {}).items():
        _merge_option(opts, key, value, schema, "command line")
    opts["conf_file"] = main_file
    opts["config_dir"] = config_dir
    root = opts.get("root_dir") or "/"
    for key, option in schema.items():
        if option.path and isinstance(opts.get(key), str):
            opts[key] = under_root(root, opts[key])
    if role == "minion" and not opts.get("id"):
        opts["id"] = default_minion_id()
    return opts


def _merge_option(opts: dict[str, Any], key: str, value: Any, schema: dict[str, Option], source: str) -> None:
    option = schema.get(key)
    if option is None:
        if key in SALT_ONLY_OPTIONS:
            log.warning("%s: option '%s' is a Salt option Saline does not implement; ignored", source, key)
        else:
            log.warning("%s: unknown option '%s'; ignored", source, key)
        opts[key] = value  # kept: third-party modules may read their own options
        return
    opts[key] = check_value(key, value, option, source)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def default_minion_id() -> str:
    """The minion id when none is configured: the host name (no DNS lookup, so it never hangs)."""
    return os.uname().nodename or "localhost"  # what gethostname() returns, without importing socket
