"""Module ``pip``: install, remove and list Python packages with pip, as Salt's ``pip`` module.

pip always runs as a subprocess (``<python> -m pip`` or a pip executable), never imported: the
environment managed is the one of ``bin_env`` (a virtualenv directory, a python or a pip binary),
else the interpreter running Saline, like Salt's non-bundled minion. ``install``/``uninstall``
return ``cmd.run_all``'s ``{pid, retcode, stdout, stderr}``; ``list`` returns ``{name: version}``.
The pip version of an environment is remembered for the run (Salt's ``__context__``) and
forgotten after anything that may have changed it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
import tempfile
from typing import Any

from saline.errors import CommandExecutionError, CommandNotFoundError, SaltInvocationError
from saline.loader import Context, Module
from saline.process import run_command

mod = Module("pip", doc="Python packages with pip, in the running Python or in a virtualenv (bin_env).")
log = logging.getLogger("saline.modules.pip")

_URL_SCHEMES = ("http://", "https://", "ftp://", "file://")
_EGG = re.compile(r"(?:#|#.*?&)egg=([^&]*)")
# -r/--requirement lines inside a requirements file (files it chains to)
_CHAINED = re.compile(r"^\s*(?:-r|--requirement)[\s=]+(\S+)", re.MULTILINE)


# ---- helpers ---------------------------------------------------------------------------------------


def _pip_cmd(bin_env: Any) -> list[str]:
    """argv prefix running pip for ``bin_env``: a virtualenv dir, a python binary or a pip binary."""
    if not bin_env:
        return [os.path.normpath(sys.executable), "-m", "pip"]
    bin_env = str(bin_env)
    if os.path.isdir(bin_env):
        for candidate in (os.path.join(bin_env, "python"), os.path.join(bin_env, "bin", "python")):
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return [os.path.normpath(candidate), "-m", "pip"]
        raise CommandNotFoundError(f"Could not find a pip binary in virtualenv {bin_env}")
    if os.access(bin_env, os.X_OK):
        if os.path.isfile(bin_env):
            if "python" in os.path.basename(bin_env):
                return [os.path.normpath(bin_env), "-m", "pip"]
            return [os.path.normpath(bin_env)]
        raise CommandExecutionError(f"Could not find a pip binary within {bin_env}")
    raise CommandNotFoundError(f"Access denied to {bin_env}, could not find a pip binary")


def _env_vars(env_vars: Any) -> dict[str, str]:
    if not env_vars:
        return {}
    if not isinstance(env_vars, dict):
        raise CommandExecutionError(f"env_vars {env_vars} is not a dictionary")
    return {str(k): str(v) for k, v in env_vars.items()}


def _run(cmd: list[str], bin_env: Any, *, cwd: Any = None, user: Any = None, env_vars: Any = None,
         **options: Any) -> dict[str, Any]:
    env: dict[str, str] = {}
    if bin_env and os.path.isdir(str(bin_env)):
        env["VIRTUAL_ENV"] = str(bin_env)  # as activating the virtualenv would
    env.update(_env_vars(env_vars))
    return run_command(cmd, cwd=cwd or None, runas=user or None, env=env or None, python_shell=False,
                       logger=log, **options)


def _vtuple(text: Any) -> tuple[int, ...]:
    """Leading numeric release of a pip version (``23.2.1`` -> (23, 2, 1)) for feature checks."""
    parts = []
    for piece in str(text or "0").split("."):
        digits = re.match(r"\d+", piece)
        if not digits:
            break
        parts.append(int(digits.group()))
    return tuple(parts) or (0,)


def _context_key(bin_env: Any) -> str:
    return "pip.version" if bin_env is None else f"pip.version.{bin_env}"


def _forget_version(ctx: Context, bin_env: Any) -> None:
    ctx.scratch.pop(_context_key(bin_env), None)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def _check_url(url: str) -> None:
    if not str(url).startswith(_URL_SCHEMES):
        raise CommandExecutionError(f"'{url}' is not a valid URL")


def _proxy_args(ctx: Context, proxy: Any) -> list[str]:
    if proxy:
        return ["--proxy", str(proxy)]
    opts = ctx.opts
    if proxy is not False and opts.get("proxy_host") and opts.get("proxy_port"):
        auth = ""
        if opts.get("proxy_username") and opts.get("proxy_password"):
            auth = f"{opts['proxy_username']}:{opts['proxy_password']}@"
        return ["--proxy", f"http://{auth}{opts['proxy_host']}:{opts['proxy_port']}"]
    return []


def _timeout_args(timeout: Any) -> list[str]:
    if not timeout:
        return []
    if isinstance(timeout, float) or not re.fullmatch(r"\s*\d+\s*", str(timeout)):
        raise SaltInvocationError(f"'{timeout}' is not a valid timeout, must be an integer")
    return ["--timeout", str(int(timeout))]


def _requirement_files(ctx: Context, requirements: Any, saltenv: str) -> list[str]:
    """Local paths of ``requirements`` (``salt://`` files are fetched through the fileserver)."""
    if isinstance(requirements, str):
        items = [r.strip() for r in requirements.split(",") if r.strip()]
    elif isinstance(requirements, list):
        items = [str(r) for r in requirements]
    else:
        raise SaltInvocationError("requirements must be a string or list")
    paths = []
    for item in items:
        if item.startswith("salt://"):
            cached = ctx.salt["cp.cache_file"](item, saltenv)
            if not cached:
                raise _MissingRequirements(item)
            item = str(cached)
        paths.append(item)
    return paths


class _MissingRequirements(Exception):
    pass


def _chain(path: str) -> list[str]:
    """``path`` and the requirement files it includes with ``-r`` (relative to it), recursively."""
    found, todo = [], [path]
    while todo:
        current = todo.pop(0)
        if current in found:
            continue
        found.append(current)
        try:
            with open(current, encoding="utf-8") as fh:
                text = re.sub(r"(?m)^\s*#.*$", "", fh.read())
        except OSError as exc:
            raise CommandExecutionError(f"Cannot read requirements file {current}: {exc}") from None
        todo.extend(os.path.join(os.path.dirname(current), child) for child in _CHAINED.findall(text))
    return found


def _readable_copies(paths: list[str], user: str) -> tuple[str, list[str]]:
    """Copy requirement files (and the files they chain to) into a temp dir owned by ``user``, so pip
    running as that user can read them wherever they live; returns (temp dir, paths to pass)."""
    from saline.process import lookup_user

    pw = lookup_user(user)
    tmp = tempfile.mkdtemp(prefix="saline-pip-")
    os.chown(tmp, pw.pw_uid, pw.pw_gid)
    passed = []
    for path in paths:
        base = os.path.dirname(os.path.abspath(path))
        for source in _chain(os.path.abspath(path)):
            dest = os.path.join(tmp, os.path.relpath(source, base))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copyfile(source, dest)
            os.chown(dest, pw.pw_uid, pw.pw_gid)
        passed.append(os.path.join(tmp, os.path.basename(path)))
    return tmp, passed


# ---- queries ---------------------------------------------------------------------------------------


@mod.query
def version(ctx: Context, bin_env: Any = None, cwd: str | None = None, user: str | None = None) -> Any:
    """Version of pip in ``bin_env`` (or of the running Python), e.g. ``'23.2.1'``.

    CLI Example: ``saline-call --local pip.version bin_env=/srv/venv``
    """
    key = _context_key(bin_env)
    if key in ctx.scratch:
        return ctx.scratch[key]
    cmd = _pip_cmd(bin_env)
    if cmd[1:] == ["-m", "pip"]:  # asking the module is much faster than starting pip's CLI
        cmd = [cmd[0], "-c", "import pip; print('pip ' + pip.__version__)"]
    else:
        cmd.append("--version")
    res = _run(cmd, bin_env, cwd=cwd, user=user, output_loglevel="trace")
    if res["retcode"]:
        raise CommandNotFoundError("Could not find a `pip` binary")
    found = re.match(r"^pip (\S+)", res["stdout"])
    ctx.scratch[key] = found.group(1) if found else None
    return ctx.scratch[key]


@mod.query
def freeze(ctx: Context, bin_env: Any = None, user: str | None = None, cwd: str | None = None,
           env_vars: Any = None, **kwargs: Any) -> list[str]:
    """Lines of ``pip freeze --all`` (requirement specifiers of everything installed).

    CLI Example: ``saline-call --local pip.freeze bin_env=/srv/venv``
    """
    cmd = [*_pip_cmd(bin_env), "freeze"]
    if _vtuple(version(ctx, bin_env, cwd, user)) >= (8, 0, 3):
        cmd.append("--all")  # include pip, setuptools and wheel themselves
    res = _run(cmd, bin_env, cwd=cwd, user=user, env_vars=env_vars, output_loglevel="trace")
    if res["retcode"]:
        raise CommandExecutionError(res["stderr"])
    return res["stdout"].splitlines()


@mod.query(name="list")
def list_(ctx: Context, prefix: str | None = None, bin_env: Any = None, user: str | None = None,
          cwd: str | None = None, env_vars: Any = None, **kwargs: Any) -> dict[str, str]:
    """Installed packages as ``{name: version}``; ``prefix`` keeps names starting with it (any case).

    CLI Example: ``saline-call --local pip.list bin_env=/srv/venv``
    ``saline-call --local pip.list requests``
    """
    if _vtuple(version(ctx, bin_env, cwd, user=user)) < (9,):
        return _list_from_freeze(ctx, prefix, bin_env, user, cwd, env_vars)
    res = _run([*_pip_cmd(bin_env), "list", "--format=json"], bin_env, cwd=cwd, user=user,
               env_vars=env_vars, output_loglevel="trace")
    if res["retcode"]:
        raise CommandExecutionError(res["stderr"])
    try:
        rows = json.loads(res["stdout"])
    except ValueError:
        raise CommandExecutionError("Invalid JSON") from None
    wanted = str(prefix).lower() if prefix else None
    return {row["name"]: row["version"] for row in rows
            if wanted is None or row["name"].lower().startswith(wanted)}


def _list_from_freeze(ctx: Context, prefix: Any, bin_env: Any, user: Any, cwd: Any,
                      env_vars: Any) -> dict[str, str]:
    """``pip.list`` for pips without ``list --format=json`` (before 9.0), from ``pip freeze``."""
    wanted = str(prefix).lower() if prefix else None
    found: dict[str, str] = {}
    if wanted is None or "pip".startswith(wanted):
        found["pip"] = version(ctx, bin_env, cwd, user=user)
    for line in freeze(ctx, bin_env=bin_env, user=user, cwd=cwd, env_vars=env_vars):
        if line.startswith(("-f", "#", "-e hg+not trust")):
            continue
        line = line[3:] if line.startswith("-e ") else line
        if "#egg=" in line:
            ver, name = line.split("#egg=", 1)
        elif "==" in line:
            name, _, ver = line.partition("===") if "===" in line else line.partition("==")
        else:
            log.error("Can't parse line '%s'", line)
            continue
        if wanted is None or name.lower().startswith(wanted):
            found[name] = ver
    return found


@mod.query
def is_installed(ctx: Context, pkgname: str, bin_env: Any = None, user: str | None = None,
                 cwd: str | None = None) -> bool:
    """True when a package of that name (any case) is installed.

    CLI Example: ``saline-call --local pip.is_installed requests bin_env=/srv/venv``
    """
    return any(name.lower() == str(pkgname).lower()
               for name in list_(ctx, prefix=pkgname, bin_env=bin_env, user=user, cwd=cwd))


@mod.query
def list_upgrades(ctx: Context, bin_env: Any = None, user: str | None = None,
                  cwd: str | None = None) -> dict[str, str]:
    """Outdated packages as ``{name: 'latest [filetype]'}`` (``pip list --outdated``).

    The index is pip's configuration (``pip.conf``, ``PIP_INDEX_URL``, ``PIP_FIND_LINKS`` ...).

    CLI Example: ``saline-call --local pip.list_upgrades bin_env=/srv/venv``
    """
    cur = _vtuple(version(ctx, bin_env, cwd, user=user))
    res = _run([*_pip_cmd(bin_env), "list", "--outdated", *(["--format=json"] if cur >= (9,) else [])],
               bin_env, cwd=cwd, user=user, output_loglevel="trace")
    if res["retcode"]:
        raise CommandExecutionError(res["stderr"])
    if cur < (9,):  # "name (1.0) - Latest: 2.0 [wheel]" (pip 8) or "name (Current: 1.0 Latest: 2.0)"
        line_re = re.compile(r"(\S*)\s+\(.*\)\s+-\s+Latest:\s+(.*)" if cur >= (8,)
                             else r"(\S*)\s+\(.*Latest:\s+(.*)\)")
        found = {}
        for line in res["stdout"].splitlines():
            match = line_re.search(line)
            if match:
                found[match.group(1)] = match.group(2)
            else:
                log.error("Can't parse line %r", line)
        return found
    try:
        rows = json.loads(res["stdout"])
    except ValueError:
        raise CommandExecutionError("Invalid JSON") from None
    return {row["name"]: f"{row['latest_version']} [{row['latest_filetype']}]" for row in rows}


@mod.query
def upgrade_available(ctx: Context, pkg: str, bin_env: Any = None, user: str | None = None,
                      cwd: str | None = None) -> bool:
    """True when ``pip list --outdated`` names the package.

    CLI Example: ``saline-call --local pip.upgrade_available requests``
    """
    return str(pkg) in list_upgrades(ctx, bin_env=bin_env, user=user, cwd=cwd)


@mod.query
def list_all_versions(ctx: Context, pkg: str, bin_env: Any = None, include_alpha: bool = False,
                      include_beta: bool = False, include_rc: bool = False, user: str | None = None,
                      cwd: str | None = None, index_url: str | None = None,
                      extra_index_url: str | None = None, find_links: Any = None,
                      no_index: bool = False) -> list[str] | None:
    """Versions of ``pkg`` the index offers, oldest first (pre-releases only when asked), or None.

    ``find_links``/``no_index`` (a Saline addition) look in local wheel directories as ``install`` does.

    CLI Example: ``saline-call --local pip.list_all_versions requests``
    """
    cur = _vtuple(version(ctx, bin_env, cwd, user=user))
    if cur >= (21, 2):
        cmd = [*_pip_cmd(bin_env), "index", "versions", str(pkg)]
        found_re = re.compile(r"\s*Available versions: (.*)")
    else:  # older pips only list the versions in the error about an impossible one
        cmd = [*_pip_cmd(bin_env), "install", *(["--use-deprecated=legacy-resolver"] if cur >= (20, 3) else []),
               f"{pkg}==versions"]
        found_re = re.compile(r"\s*Could not find a version.* \(from versions: (.*)\)")
    if include_alpha or include_beta or include_rc:
        cmd.append("--pre")  # pip hides pre-releases unless asked; filtered again below
    for link in _as_list(find_links) if find_links else []:
        cmd.extend(["--find-links", link])
    if index_url:
        _check_url(index_url)
        cmd.extend(["--index-url", index_url])
    if extra_index_url:
        _check_url(extra_index_url)
        cmd.extend(["--extra-index-url", extra_index_url])
    if no_index:
        cmd.append("--no-index")
    res = _run(cmd, bin_env, cwd=cwd, user=user, output_loglevel="quiet", redirect_stderr=True)
    excluded = [tag for tag, keep in (("a", include_alpha), ("b", include_beta), ("rc", include_rc))
                if not keep]
    for line in res["stdout"].splitlines():
        found = found_re.search(line)
        if found:
            versions = [v for v in found.group(1).split(", ")
                        if v and v != "none" and not any(tag in v for tag in excluded)]
            if cur >= (21, 2):
                versions.reverse()  # pip index lists newest first
            return versions or None
    return None


# ---- actions ---------------------------------------------------------------------------------------


def _wheel_flag(cur: tuple[int, ...], flag: str) -> list[str]:
    if (1, 4) <= cur <= (9, 0, 3):
        return [flag]
    log.error("The %s option is only supported in pip between 1.4 and 9.0.3; it is ignored.", flag)
    return []


def _check_log(path: str) -> None:
    if os.path.isdir(path):
        raise CommandExecutionError(f"'{path}' is a directory. Use --log path_to_file")
    if not os.path.exists(path):
        parent = os.path.dirname(path) or "."
        if not os.path.exists(parent):
            raise CommandExecutionError(
                f"Trying to create '{path}' but parent directory '{parent}' does not exist.")
        if not os.access(parent, os.W_OK):
            raise CommandExecutionError(
                f"Trying to create '{path}' but parent directory '{parent}' is not writeable.")
    elif not os.access(path, os.W_OK):
        raise CommandExecutionError(f"'{path}' is not writeable")


def _index_args(find_links: Any, index_url: Any, extra_index_url: Any, no_index: Any) -> list[str]:
    args: list[str] = []
    for link in _as_list(find_links) if find_links else []:
        if not (link.startswith(_URL_SCHEMES) or os.path.exists(link)):
            raise CommandExecutionError(f"'{link}' is not a valid URL or path")
        args.extend(["--find-links", link])
    if no_index and (index_url or extra_index_url):
        raise CommandExecutionError(
            "'no_index' and ('index_url' or 'extra_index_url') are mutually exclusive.")
    if index_url:
        _check_url(index_url)
        args.extend(["--index-url", str(index_url)])
    if extra_index_url:
        _check_url(extra_index_url)
        args.extend(["--extra-index-url", str(extra_index_url)])
    if no_index:
        args.append("--no-index")
    return args


def _extra_args(extra_args: Any) -> list[str]:
    args: list[str] = []
    for item in extra_args or []:
        if isinstance(item, dict):
            for key, val in item.items():
                if isinstance(val, (dict, list)):
                    raise SaltInvocationError(f"Too many levels in: {key}")
                args.extend([str(key), str(val)])
        else:
            args.append(str(item))
    return args


@mod.action
def install(
    ctx: Context, pkgs: Any = None, requirements: Any = None, bin_env: Any = None, use_wheel: bool = False,
    no_use_wheel: bool = False, log: str | None = None, proxy: Any = None, timeout: Any = None,
    editable: Any = None, find_links: Any = None, index_url: str | None = None,
    extra_index_url: str | None = None, no_index: bool = False, mirrors: Any = None, build: str | None = None,
    target: str | None = None, download: str | None = None, download_cache: str | None = None,
    source: str | None = None, upgrade: bool = False, force_reinstall: bool = False,
    ignore_installed: bool = False, exists_action: str | None = None, no_deps: bool = False,
    no_install: bool = False, no_download: bool = False, global_options: Any = None,
    install_options: Any = None, user: str | None = None, cwd: str | None = None,
    pre_releases: bool = False, cert: str | None = None, allow_all_external: bool = False,
    allow_external: Any = None, allow_unverified: Any = None, process_dependency_links: bool = False,
    saltenv: str = "base", env_vars: Any = None, use_vt: bool = False, trusted_host: str | None = None,
    no_cache_dir: bool = False, extra_args: Any = None, cache_dir: str | None = None, no_binary: Any = None,
    disable_version_check: bool = False, **kwargs: Any,
) -> dict[str, Any]:
    """Install packages with pip; returns ``{pid, retcode, stdout, stderr}`` of the pip run.

    ``pkgs``: requirement specifiers, a list or comma-separated (``requests>=2.0,flask``; a ``;`` inside
    one stands for a ``,``, e.g. ``foo>=1;<2``). ``requirements``: requirement files (local or
    ``salt://``). ``bin_env``: virtualenv directory, python or pip binary (default: the Python running
    Saline). ``editable``: VCS URLs (with ``#egg=``) or local paths. Index options: ``find_links``,
    ``index_url``, ``extra_index_url``, ``no_index``, ``trusted_host``, ``cert``, ``proxy``. Other pip
    options: ``upgrade``, ``force_reinstall``, ``ignore_installed``, ``no_deps``, ``pre_releases``,
    ``target``, ``user`` (run pip as this user), ``cwd``, ``env_vars`` (dict), ``log`` (pip's log
    file), ``timeout`` (integer seconds), ``exists_action`` (s, i, w, b), ``no_binary``,
    ``no_cache_dir``/``cache_dir``, ``global_options``/``install_options``, ``extra_args`` (list of
    ``--flag`` or ``{--option: value}``). Returns ``{retcode: 0, stdout: 'No packages to install.'}``
    when there is nothing to install.

    CLI Example: ``saline-call --local pip.install requests bin_env=/srv/venv``
    ``saline-call --local pip.install pkgs='["flask==3.0.0", "gunicorn"]' no_index=True find_links=/srv/wheels``
    """
    cmd = [*_pip_cmd(bin_env), "install"]
    tmpdir = None
    try:
        if requirements is not None:
            try:
                files = _requirement_files(ctx, requirements, saltenv)
            except _MissingRequirements as missing:
                return {"result": False, "comment": f"pip requirements file '{missing}' not found"}
            if user:
                tmpdir, files = _readable_copies(files, str(user))
            for path in files:
                cmd.extend(["--requirement", path])
        cur = _vtuple(version(ctx, bin_env, cwd, user=user))
        if use_wheel:
            cmd.extend(_wheel_flag(cur, "--use-wheel"))
        if no_use_wheel:
            cmd.extend(_wheel_flag(cur, "--no-use-wheel"))
        if no_binary:
            cmd.extend(["--no-binary", ",".join(_as_list(no_binary))])
        if log:
            _check_log(str(log))
            cmd.extend(["--log", str(log)])
        cmd.extend(_proxy_args(ctx, proxy))
        cmd.extend(_timeout_args(timeout))
        cmd.extend(_index_args(find_links, index_url, extra_index_url, no_index))
        if mirrors:
            raise CommandExecutionError(
                "pip >= 7.0.0 does not support mirror argument: use index_url and/or extra_index_url instead")
        if disable_version_check:
            cmd.append("--disable-pip-version-check")
        if build:
            cmd.extend(["--build", str(build)])
        if target is None and bin_env is None and os.environ.get("VENV_PIP_TARGET"):
            target = os.environ["VENV_PIP_TARGET"]
        if target:
            cmd.extend(["--target", str(target)])
        if download:
            cmd.extend(["--download", str(download)])
        if download_cache or cache_dir:
            cmd.extend(["--cache-dir", str(download_cache or cache_dir)])
        if source:
            cmd.extend(["--source", str(source)])
        flags = [(upgrade, "--upgrade"), (force_reinstall, "--force-reinstall"),
                 (ignore_installed, "--ignore-installed")]
        cmd.extend(flag for on, flag in flags if on)
        if exists_action:
            if str(exists_action).lower() not in ("s", "i", "w", "b"):
                raise CommandExecutionError(
                    "The exists_action pip option only supports the values s, i, w, and b. "
                    f"'{exists_action}' is not valid.")
            cmd.extend(["--exists-action", str(exists_action)])
        flags = [(no_deps, "--no-deps"), (no_install, "--no-install"), (no_download, "--no-download"),
                 (no_cache_dir, "--no-cache-dir"), (pre_releases, "--pre")]
        cmd.extend(flag for on, flag in flags if on)
        if cert:
            cmd.extend(["--cert", str(cert)])
        for opt in _as_list(global_options) if global_options else []:
            cmd.extend(["--global-option", opt])
        for opt in _as_list(install_options) if install_options else []:
            cmd.extend(["--install-option", opt])
        if pkgs:
            names = _as_list(pkgs) if not isinstance(pkgs, (int, float)) else [str(pkgs)]
            cmd.extend(p.replace(";", ",") for p in names)
        elif not (requirements or editable):
            return {"retcode": 0, "stdout": "No packages to install."}
        for entry in _as_list(editable) if editable else []:
            if not (entry == "." or entry.startswith(("file://", "/"))):
                egg = _EGG.search(entry)
                if not egg or not egg.group(1):
                    raise CommandExecutionError("You must specify an egg for this editable")
            cmd.extend(["--editable", entry])
        if allow_all_external:
            cmd.append("--allow-all-external")
        for name in _as_list(allow_external) if allow_external else []:
            cmd.extend(["--allow-external", name])
        for name in _as_list(allow_unverified) if allow_unverified else []:
            cmd.extend(["--allow-unverified", name])
        if process_dependency_links:
            cmd.append("--process-dependency-links")
        if trusted_host:
            cmd.extend(["--trusted-host", str(trusted_host)])
        cmd.extend(_extra_args(extra_args))
        res = _run(cmd, bin_env, cwd=cwd, user=user, env_vars=env_vars)
        ctx.retcode = res["retcode"]
        return res
    finally:
        _forget_version(ctx, bin_env)
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


@mod.action
def uninstall(ctx: Context, pkgs: Any = None, requirements: Any = None, bin_env: Any = None,
              log: str | None = None, proxy: Any = None, timeout: Any = None, user: str | None = None,
              cwd: str | None = None, saltenv: str = "base", use_vt: bool = False) -> dict[str, Any]:
    """Uninstall packages (``pip uninstall -y``); returns ``{pid, retcode, stdout, stderr}``.

    ``pkgs``: names, a list or comma-separated; ``requirements``: requirement files whose packages
    are removed (names pinned there with ``==`` are not repeated from ``pkgs``).

    CLI Example: ``saline-call --local pip.uninstall requests bin_env=/srv/venv``
    """
    cmd = [*_pip_cmd(bin_env), "uninstall", "-y"]
    tmpdir = None
    try:
        files: list[str] = []
        if requirements is not None:
            try:
                files = _requirement_files(ctx, requirements, saltenv)
            except _MissingRequirements as missing:
                return {"result": False, "comment": f"pip requirements file '{missing}' not found"}
            passed = files
            if user:
                tmpdir, passed = _readable_copies(files, str(user))
            for path in passed:
                cmd.extend(["--requirement", path])
        if log:
            cmd.extend(["--log", str(log)])
        cmd.extend(_proxy_args(ctx, proxy))
        cmd.extend(_timeout_args(timeout))
        if pkgs:
            names = _as_list(pkgs)
            for path in files:
                with open(path, encoding="utf-8") as fh:
                    pinned = {line.split("==")[0].strip() for line in fh if line.count("==") == 1}
                names = [n for n in names if n not in pinned]
            cmd.extend(names)
        res = _run(cmd, bin_env, cwd=cwd, user=user)
        ctx.retcode = res["retcode"]
        return res
    finally:
        _forget_version(ctx, bin_env)
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


@mod.action
def upgrade(ctx: Context, bin_env: Any = None, user: str | None = None, cwd: str | None = None,
            use_vt: bool = False) -> dict[str, Any]:
    """Upgrade every outdated package (one ``pip install -U`` each).

    Returns ``{changes: {name: {old, new}}, result, comment}``; ``comment`` collects pip's stderr.

    CLI Example: ``saline-call --local pip.upgrade bin_env=/srv/venv``
    """
    ret: dict[str, Any] = {"changes": {}, "result": True, "comment": ""}
    old = list_(ctx, bin_env=bin_env, user=user, cwd=cwd)
    base = [*_pip_cmd(bin_env), "install", "-U"]
    for pkg in list_upgrades(ctx, bin_env=bin_env, user=user, cwd=cwd):
        res = _run([*base, pkg], bin_env, cwd=cwd, user=user)
        if res["retcode"] != 0:
            ret["result"] = False
        ret["comment"] += res["stderr"]
    _forget_version(ctx, bin_env)
    new = list_(ctx, bin_env=bin_env, user=user, cwd=cwd)
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            ret["changes"][name] = {"old": old.get(name, ""), "new": new.get(name, "")}
    if not ret["result"]:
        ctx.retcode = 1
    return ret
