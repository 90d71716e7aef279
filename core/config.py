"""Typed configuration options and loading of YAML config files.

Option names and meanings follow Salt's so existing config files keep working. Unknown
keys give a warning naming the file and key; an option of the wrong type is an error naming
file, key and expected type. Salt options Saline does not implement are accepted with a warning.
"""

from __future__ import annotations

import glob
import logging
import os
import socket
from dataclasses import dataclass
from typing import Any

from saline.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_CONFIG_DIR = "/etc/saline"


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
    "log_file": _opt(str, "", path=True),
    "log_fmt_console": _opt(str, "[%(levelname)-8s] %(message)s"),
    "cachedir": _opt(str, "", path=True),
    "pki_dir": _opt(str, "", path=True),
    "sock_dir": _opt(str, "", path=True),
    "pidfile": _opt(str, "", path=True),
    "file_roots": _opt(dict, {"base": ["/srv/salt"]}),
    "pillar_roots": _opt(dict, {"base": ["/srv/pillar"]}),
    "state_top": _opt(str, "top.sls"),
    "top_file_merging_strategy": _opt(str, "merge"),
    "env_order": _opt(list, []),
    "default_top": _opt(str, "base"),
    "renderer": _opt(str, "jinja|yaml"),
    "failhard": _opt(bool, False),
    "state_auto_order": _opt(bool, True),
    "state_output": _opt(str, "full"),
    "state_verbose": _opt(bool, True),
    "pillar_source_merging_strategy": _opt(str, "smart"),
    "pillar_merge_lists": _opt(bool, False),
    "pillar": _opt(dict, {}),
    "saltenv": _opt((str, _NONE), None),
    "pillarenv": _opt((str, _NONE), None),
    "test": _opt(bool, False),
    "color": _opt(bool, True),
    "output": _opt((str, _NONE), None),
    "output_indent": _opt((int, _NONE), None),
    "interface": _opt(str, "0.0.0.0"),
    "publish_port": _opt(int, 4505),
    "ret_port": _opt(int, 4506),
    "fileserver_backend": _opt(list, ["roots"]),
    "gitfs_remotes": _opt(list, []),
    "gitfs_base": _opt(str, "master"),
    "jinja_trim_blocks": _opt(bool, False),
    "jinja_lstrip_blocks": _opt(bool, False),
    "timeout": _opt(int, 5),
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
}

# Salt options that Saline accepts but does not implement yet: a warning, never an error.
SALT_ONLY_OPTIONS = frozenset(
    {
        "gather_job_timeout", "acceptance_wait_time", "acceptance_wait_time_max", "log_level_logfile",
        "random_reauth_delay", "recon_default", "recon_max", "recon_randomize", "auth_timeout",
        "auth_tries", "hash_type", "ipv6", "mine_functions", "mine_interval", "schedule",
        "startup_states", "top_file", "enable_gpu_grains", "grains_refresh_every", "module_dirs",
        "extension_modules", "return", "returner_dirs", "state_events", "tcp_keepalive",
        "keysize", "transport", "worker_threads", "minion_id_caching", "open_mode", "loop_interval",
        "master_type", "rejected_retry", "ping_interval", "autoload_dynamic_modules",
        "clean_dynamic_modules", "disable_modules", "disable_returners", "providers",
        "jinja_env", "jinja_sls_env", "state_aggregate", "lock_saltenv", "file_ignore_regex",
        "file_ignore_glob", "fileserver_limit_traversal", "use_superseded",
    }
)

_TYPE_NAMES = {str: "string", int: "integer", bool: "boolean", dict: "mapping", list: "list", _NONE: "null"}


def _type_label(types: tuple[type, ...]) -> str:
    return " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)


def check_value(key: str, value: Any, option: Option, source: str) -> Any:
    """Return ``value`` if it has the option's type, else raise a ConfigError naming everything."""
    if isinstance(value, bool) and bool not in option.types:
        ok = False
    elif isinstance(value, int) and not isinstance(value, bool) and float in option.types:
        ok = True
    else:
        ok = isinstance(value, option.types)
    if not ok:
        # Salt accepts a single string where a list is expected for a few options
        if list in option.types and isinstance(value, str):
            return [value]
        raise ConfigError(
            f"{source}: option '{key}' must be a {_type_label(option.types)}, "
            f"got {type(value).__name__} {value!r}"
        )
    return value


def read_yaml_config(path: str) -> dict[str, Any]:
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except FileNotFoundError:
        return {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of option names to values")
    return data


def _default_paths(role: str) -> dict[str, str]:
    return {
        "cachedir": f"/var/cache/saline/{role}",
        "pki_dir": f"/etc/saline/pki/{role}",
        "sock_dir": f"/var/run/saline/{role}",
        "log_file": f"/var/log/saline/{role}",
        "pidfile": f"/var/run/saline-{role}.pid",
        "grains_file": "",
    }


def _under_root(root_dir: str, path: str) -> str:
    if not path or root_dir in ("", "/") or path.startswith(root_dir.rstrip("/") + "/"):
        return path
    return os.path.join(root_dir, path.lstrip("/"))


def load_config(
    role: str,
    config_dir: str | None = None,
    overrides: dict[str, Any] | None = None,
    schema: dict[str, Option] | None = None,
) -> dict[str, Any]:
    """Load ``<config_dir>/<role>`` and ``<role>.d/*.conf`` over the defaults, then ``overrides``."""
    schema = schema if schema is not None else MINION_OPTIONS
    config_dir = config_dir or os.environ.get("SALINE_CONFIG_DIR") or DEFAULT_CONFIG_DIR
    main_file = os.path.join(config_dir, role)
    files = [main_file, *sorted(glob.glob(os.path.join(config_dir, f"{role}.d", "*.conf")))]
    opts: dict[str, Any] = {k: _copy(o.default) for k, o in schema.items()}
    opts.update({k: v for k, v in _default_paths(role).items() if k in schema})
    explicit: set[str] = set()
    for path in files:
        for key, value in read_yaml_config(path).items():
            _merge_option(opts, explicit, str(key), value, schema, path)
    for key, value in (overrides or {}).items():
        _merge_option(opts, explicit, key, value, schema, "command line")
    opts["conf_file"] = main_file
    opts["config_dir"] = config_dir
    root = opts.get("root_dir") or "/"
    for key, option in schema.items():
        if option.path and isinstance(opts.get(key), str):
            opts[key] = _under_root(root, opts[key])
    if role == "minion" and not opts.get("id"):
        opts["id"] = default_minion_id()
    return opts


def _merge_option(
    opts: dict[str, Any], explicit: set[str], key: str, value: Any, schema: dict[str, Option], source: str
) -> None:
    option = schema.get(key)
    if option is None:
        if key in SALT_ONLY_OPTIONS:
            log.warning("%s: option '%s' is a Salt option Saline does not implement; ignored", source, key)
        else:
            log.warning("%s: unknown option '%s'; ignored", source, key)
        opts[key] = value
        return
    opts[key] = check_value(key, value, option, source)
    explicit.add(key)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def default_minion_id() -> str:
    """The minion id when none is configured: the host name (no DNS lookup, so it never hangs)."""
    return socket.gethostname() or "localhost"
