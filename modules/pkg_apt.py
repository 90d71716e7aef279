"""Module ``pkg``, apt/dpkg backend (Debian family).

Every change is one ``apt-get`` call for the whole list of packages. apt runs non-interactively,
keeps existing config files, waits for the dpkg lock (two jobs may run apt at once on one host) and
is asked for *candidates* (``apt-cache policy``) so pins in ``/etc/apt/preferences.d`` are honoured.
Return shapes are Salt's: ``install``/``remove``/``upgrade`` return ``{name: {old, new}}`` of what
really changed (``{}`` when nothing did).
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

from saline import debversion
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module
from saline.process import run_command, which


def _available(grains: Any) -> bool | str:
    if grains.get("os_family") != "Debian":
        return f"os_family is {grains.get('os_family')!r}, not Debian"
    if not which("apt-get") or not which("dpkg-query"):
        return "apt-get or dpkg-query not found"
    return True


mod = Module("pkg", backend="apt", available=_available, doc="Packages with apt and dpkg.")

LOCK_TIMEOUT = 300  # seconds apt waits for the dpkg frontend lock
_LOCK_RE = re.compile(
    r"Could not get lock|Unable to acquire the dpkg frontend lock|is another process using it"
)
_APT_OPTS = [
    "-q", "-y",
    "-o", f"DPkg::Lock::Timeout={LOCK_TIMEOUT}",
    "-o", "DPkg::Options::=--force-confold",
    "-o", "DPkg::Options::=--force-confdef",
]


def _env() -> dict[str, str]:
    return {
        "DEBIAN_FRONTEND": "noninteractive", "APT_LISTCHANGES_FRONTEND": "none", "NEEDRESTART_SUSPEND": "1",
    }


def _run(cmd: list[str], *, check: bool = True, stdin: str | None = None) -> dict[str, Any]:
    """Run an apt/dpkg command, retrying while another process holds apt's locks."""
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        res = run_command(cmd, env=_env(), python_shell=False, ignore_retcode=True, output_loglevel="trace",
                          stdin=stdin)
        if res["retcode"] != 0 and _LOCK_RE.search(res["stderr"]) and time.monotonic() < deadline:
            time.sleep(0.5)
            continue
        if check and res["retcode"] != 0:
            raise CommandExecutionError(
                f"'{' '.join(cmd[:2])}' failed with return code {res['retcode']}: "
                f"{(res['stderr'] or res['stdout']).strip()}"
            )
        return res


def _names(name: str | None, pkgs: Any) -> list[tuple[str, str | None]]:
    """``[(name, version or None)]`` from Salt's ``name``/``pkgs`` arguments."""
    if pkgs is not None:
        if isinstance(pkgs, str):
            pkgs = [p.strip() for p in pkgs.split(",") if p.strip()]
        if not isinstance(pkgs, list):
            raise SaltInvocationError("pkgs must be a list of names or of {name: version} mappings")
        found: list[tuple[str, str | None]] = []
        for item in pkgs:
            if isinstance(item, dict):
                found.extend((str(k), None if v is None else str(v)) for k, v in item.items())
            else:
                found.append((str(item), None))
        return found
    if name is None or str(name).strip() == "":
        return []
    return [(n.strip(), None) for n in str(name).split(",") if n.strip()]


def _installed() -> dict[str, str]:
    res = _run(["dpkg-query", "-W", "-f=${Package}\t${Version}\t${db:Status-Abbrev}\t${Architecture}\n"])
    native = _native_arch()
    pkgs: dict[str, str] = {}
    for line in res["stdout"].splitlines():
        parts = line.split("\t")
        if len(parts) < 4 or not parts[2].startswith(("ii", "hi")):
            continue
        name = parts[0] if parts[3] in ("all", native, "") else f"{parts[0]}:{parts[3]}"
        pkgs[name] = parts[1]
    return pkgs


_arch: list[str] = []


def _native_arch() -> str:
    if not _arch:
        _arch.append(_run(["dpkg", "--print-architecture"])["stdout"].strip())
    return _arch[0]


def _diff(old: dict[str, str], new: dict[str, str]) -> dict[str, dict[str, str]]:
    changes: dict[str, dict[str, str]] = {}
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            changes[name] = {"old": old.get(name, ""), "new": new.get(name, "")}
    return changes


def _selections() -> dict[str, str]:
    res = _run(["dpkg", "--get-selections"])
    found = {}
    for line in res["stdout"].splitlines():
        parts = line.split()
        if len(parts) == 2:
            found[parts[0].split(":")[0]] = parts[1]
    return found


def _candidates(names: list[str]) -> dict[str, str]:
    """The version apt would install for each name ('' when none), honouring pins."""
    if not names:
        return {}
    res = _run(["apt-cache", "policy", *names], check=False)
    found: dict[str, str] = dict.fromkeys(names, "")
    current = None
    for line in res["stdout"].splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            current = line[:-1]
        elif current and line.strip().startswith("Candidate:"):
            value = line.split(":", 1)[1].strip()
            found[current] = "" if value == "(none)" else value
    return found


def _one_or_dict(names: tuple[str, ...], values: dict[str, Any]) -> Any:
    return values[names[0]] if len(names) == 1 else {n: values[n] for n in names}


# ---- queries --------------------------------------------------------------------------------------


@mod.query
def list_pkgs(ctx: Context, versions_as_list: bool = False, removed: bool = False,
              purge_desired: bool = False, **kwargs: Any) -> dict[str, Any]:
    """Return ``{name: version}`` of installed packages (``versions_as_list=True``: lists).

    CLI Example: ``saline-call --local pkg.list_pkgs``
    """
    pkgs = _installed()
    if versions_as_list:
        return {k: [v] for k, v in pkgs.items()}
    return pkgs


@mod.query
def version(ctx: Context, *names: str, **kwargs: Any) -> Any:
    """Installed version of a package ('' when not installed); a dict for several names.

    CLI Example: ``saline-call --local pkg.version bash``
    """
    if not names:
        raise SaltInvocationError("pkg.version needs at least one package name")
    installed = _installed()
    return _one_or_dict(tuple(map(str, names)), {str(n): installed.get(str(n), "") for n in names})


@mod.query
def latest_version(ctx: Context, *names: str, refresh: bool = True, **kwargs: Any) -> Any:
    """Candidate version apt would install, or '' when the installed version is already the latest.

    CLI Example: ``saline-call --local pkg.latest_version nginx refresh=False``
    """
    if not names:
        raise SaltInvocationError("pkg.latest_version needs at least one package name")
    if refresh:
        refresh_db(ctx)
    names = tuple(map(str, names))
    installed = _installed()
    candidates = _candidates(list(names))
    latest = {}
    for name in names:
        candidate = candidates.get(name, "")
        current = installed.get(name)
        if candidate and current and debversion.compare(candidate, current) <= 0:
            candidate = ""
        latest[name] = candidate
    return _one_or_dict(names, latest)


@mod.query
def list_upgrades(ctx: Context, refresh: bool = True, dist_upgrade: bool = True,
                  **kwargs: Any) -> dict[str, str]:
    """Return ``{name: new version}`` of packages an upgrade would change (holds respected).

    CLI Example: ``saline-call --local pkg.list_upgrades refresh=False``
    """
    if refresh:
        refresh_db(ctx)
    res = _run(["apt-get", "-s", "-q", "dist-upgrade" if dist_upgrade else "upgrade"])
    upgrades = {}
    for line in res["stdout"].splitlines():
        match = re.match(r"^Inst (\S+) (?:\[(\S+)\] )?\((\S+)", line)
        if match:
            upgrades[match.group(1)] = match.group(3)
    return upgrades


@mod.query
def version_cmp(ctx: Context, pkg1: str, pkg2: str, ignore_epoch: bool = False, **kwargs: Any) -> int | None:
    """Compare two Debian versions: -1, 0 or 1 (None if either is not a valid version).

    CLI Example: ``saline-call --local pkg.version_cmp '0.2.4-0' '0.2.4.1-0'``
    """
    try:
        return debversion.compare(str(pkg1), str(pkg2), ignore_epoch=bool(ignore_epoch))
    except ValueError:
        return None


@mod.query
def info_installed(ctx: Context, *names: str, **kwargs: Any) -> dict[str, dict[str, str]]:
    """Return details of installed packages (all when no names): version, architecture, description...

    CLI Example: ``saline-call --local pkg.info_installed bash``
    """
    fields = {
        "name": "Package", "architecture": "Architecture", "packager": "Maintainer",
        "source": "source:Package", "version": "Version", "group": "Section",
        "description": "Description", "status": "db:Status-Abbrev",
    }
    fmt = "\x1e".join(f"${{{f}}}" for f in fields.values()) + "\x1d"
    res = _run(["dpkg-query", "-W", f"-f={fmt}", *map(str, names)], check=False)
    info: dict[str, dict[str, str]] = {}
    for record in res["stdout"].split("\x1d"):
        values = record.strip("\n").split("\x1e")
        if len(values) != len(fields):
            continue
        entry = dict(zip(fields, values, strict=True))
        if not entry.pop("status").startswith(("ii", "hi")):
            continue
        entry["description"] = entry["description"].split("\n")[0] + "\n"
        info[entry["name"]] = entry
    missing = [n for n in names if str(n) not in info]
    if missing and not info:
        raise CommandExecutionError(f"package(s) not installed: {', '.join(map(str, missing))}")
    return info


@mod.query
def owner(ctx: Context, *paths: str, **kwargs: Any) -> Any:
    """Name of the package that installed each path ('' when none); a dict for several paths.

    CLI Example: ``saline-call --local pkg.owner /usr/bin/apt-get``
    """
    if not paths:
        return ""
    found = {}
    for path in map(str, paths):
        res = _run(["dpkg-query", "-S", path], check=False)
        first = res["stdout"].splitlines()[0] if res["retcode"] == 0 and res["stdout"] else ""
        found[path] = first.split(":")[0].split(",")[0].strip() if first else ""
    return _one_or_dict(tuple(map(str, paths)), found)


@mod.query
def file_list(ctx: Context, *packages: str, **kwargs: Any) -> dict[str, list[str]]:
    """Files installed by the packages: ``{errors: [...], files: [...]}``.

    CLI Example: ``saline-call --local pkg.file_list bash``
    """
    names = list(map(str, packages)) or sorted(_installed())
    errors: list[str] = []
    files: set[str] = set()
    for name in names:
        res = _run(["dpkg", "-L", name], check=False)
        if res["retcode"] != 0:
            errors.append(res["stderr"].strip() or f"package {name} is not installed")
        files.update(line for line in res["stdout"].splitlines() if line)
    return {"errors": errors, "files": sorted(files)}


@mod.query
def get_selections(ctx: Context, pattern: str | None = None, state: str | None = None,
                   **kwargs: Any) -> dict[str, list[str]]:
    """dpkg selections grouped by state: ``{install: [...], hold: [...], deinstall: [...]}``;
    ``pattern`` (a glob) and ``state`` narrow them down.

    CLI Example: ``saline-call --local pkg.get_selections state=hold``
    """
    import fnmatch

    grouped: dict[str, list[str]] = {}
    for name, selection in sorted(_selections().items()):
        if pattern and not fnmatch.fnmatch(name, str(pattern)):
            continue
        if state and selection != state:
            continue
        grouped.setdefault(selection, []).append(name)
    return grouped


# ---- actions ----------------------------------------------------------------------------------------


@mod.action
def refresh_db(ctx: Context, cache_valid_time: int = 0, failhard: bool = False,
               **kwargs: Any) -> dict[str, Any]:
    """Run ``apt-get update``: ``{source: True (fetched) | None (unchanged) | False (ignored/error)}``.

    CLI Example: ``saline-call --local pkg.refresh_db``
    """
    if cache_valid_time:
        stamp = "/var/lib/apt/periodic/update-success-stamp"
        try:
            if time.time() - os.path.getmtime(stamp) < int(cache_valid_time):
                return {}
        except OSError:
            pass
    res = _run(["apt-get", "-q", "-o", f"DPkg::Lock::Timeout={LOCK_TIMEOUT}", "update"], check=False)
    sources: dict[str, Any] = {}
    errors = []
    for line in res["stdout"].splitlines():
        match = re.match(r"^(Get|Hit|Ign|Err):\d+\s+(.*?)(?:\s+\[[^\]]*\])?$", line)
        if not match:
            continue
        kind, source = match.groups()
        sources[source] = {"Get": True, "Hit": None}.get(kind, False)
        if kind == "Err":
            errors.append(source)
    if res["retcode"] != 0 or (failhard and errors):
        raise CommandExecutionError(f"apt-get update failed: {(res['stderr'] or res['stdout']).strip()}")
    return sources


def _sources_paths(ctx: Context, sources: Any) -> list[str]:
    if not isinstance(sources, list):
        raise SaltInvocationError("sources must be a list of {name: path-or-url} mappings")
    paths = []
    for item in sources:
        if not isinstance(item, dict) or len(item) != 1:
            raise SaltInvocationError("each source must be a one-key mapping {name: path-or-url}")
        location = str(next(iter(item.values())))
        if location.startswith("salt://"):
            cached = ctx.fileclient.cache_file(location)
            if not cached:
                raise CommandExecutionError(f"source {location} was not found on the file server")
            location = cached
        if not os.path.isfile(location):
            raise CommandExecutionError(f"source {location} does not exist")
        paths.append(os.path.abspath(location))
    return paths


@mod.action
def install(ctx: Context, name: str | None = None, refresh: bool = False, fromrepo: str | None = None,
            skip_verify: bool = False, pkgs: Any = None, sources: Any = None, reinstall: bool = False,
            version: Any = None, hold: bool = False, **kwargs: Any) -> dict[str, Any]:
    """Install packages in one apt-get call; return ``{name: {old, new}}`` of what changed.

    ``name`` (or comma list) with optional ``version``; ``pkgs`` a list of names or ``{name: version}``;
    ``sources`` a list of ``{name: path}`` local .deb files (or salt:// URLs); ``fromrepo`` sets the
    target release; ``hold=True`` holds the packages afterwards; ``refresh`` runs apt-get update first.

    CLI Example: ``saline-call --local pkg.install nginx version=1.22.1-9``
    """
    targets: list[str]
    if sources is not None:
        targets = _sources_paths(ctx, sources)
        held_names = [next(iter(s)) for s in sources]
    else:
        wanted = _names(name, pkgs)
        if not wanted:
            raise SaltInvocationError("pkg.install needs name, pkgs or sources")
        if version is not None and len(wanted) == 1 and pkgs is None:
            wanted = [(wanted[0][0], str(version))]
        targets = [f"{n}={v.lstrip('=')}" if v not in (None, "", "latest") else n for n, v in wanted]
        held_names = [n for n, _ in wanted]
    if refresh:
        refresh_db(ctx)
    old = _installed()
    cmd = ["apt-get", *_APT_OPTS, "--allow-downgrades", "--allow-change-held-packages"]
    if skip_verify:
        cmd.append("--allow-unauthenticated")
    if fromrepo:
        cmd += ["-t", str(fromrepo)]
    if reinstall:
        cmd.append("--reinstall")
    cmd += ["install", *targets]
    res = _run(cmd, check=False)
    new = _installed()
    changes = _diff(old, new)
    if res["retcode"] != 0:
        errors = [ln for ln in (res["stderr"] or res["stdout"]).splitlines() if ln.startswith(("E:", "W:"))]
        raise CommandExecutionError(
            "Problem encountered installing package(s): "
            + ("; ".join(errors) or res["stderr"].strip() or f"apt-get exited {res['retcode']}")
            + (f" (changes made: {sorted(changes)})" if changes else "")
        )
    if hold:
        _set_selection(held_names, "hold")
    return changes


def _config_only() -> dict[str, str]:
    """Packages removed but whose config files remain (dpkg status ``rc``)."""
    res = _run(["dpkg-query", "-W", "-f=${Package}\t${Version}\t${db:Status-Abbrev}\n"])
    found = {}
    for line in res["stdout"].splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[2].startswith("rc"):
            found[parts[0]] = parts[1]
    return found


def _uninstall(action: str, name: str | None, pkgs: Any) -> dict[str, Any]:
    wanted = [n for n, _ in _names(name, pkgs)]
    if not wanted:
        raise SaltInvocationError(f"pkg.{action} needs name or pkgs")
    old = _installed()
    old_rc = _config_only() if action == "purge" else {}
    present = [n for n in wanted if n in old or n in old_rc]
    if not present:
        return {}
    _run(["apt-get", *_APT_OPTS, "--allow-change-held-packages", action, *present])
    changes = _diff(old, _installed())
    if action == "purge":
        # Salt's shape for purge: installed packages removed, and config-only packages purged
        return {"removed": _diff(old_rc, _config_only()), "installed": changes}
    return changes


@mod.action
def remove(ctx: Context, name: str | None = None, pkgs: Any = None, **kwargs: Any) -> dict[str, Any]:
    """Remove packages (config files stay); return ``{name: {old, new: ''}}``.

    CLI Example: ``saline-call --local pkg.remove nginx``
    """
    return _uninstall("remove", name, pkgs)


@mod.action
def purge(ctx: Context, name: str | None = None, pkgs: Any = None, **kwargs: Any) -> dict[str, Any]:
    """Remove packages and their config files: ``{removed: {...}, installed: {name: {old, new}}}``
    (``removed`` lists packages of which only config files were left), as Salt returns it.

    CLI Example: ``saline-call --local pkg.purge nginx``
    """
    return _uninstall("purge", name, pkgs)


@mod.action
def upgrade(ctx: Context, refresh: bool = True, dist_upgrade: bool = False, **kwargs: Any) -> dict[str, Any]:
    """Upgrade every package that has a newer candidate (holds respected); return the changes.

    CLI Example: ``saline-call --local pkg.upgrade dist_upgrade=True``
    """
    if refresh:
        refresh_db(ctx)
    old = _installed()
    _run(["apt-get", *_APT_OPTS, "dist-upgrade" if dist_upgrade else "upgrade"])
    return _diff(old, _installed())


def _set_selection(names: list[str], state: str) -> dict[str, Any]:
    current = _selections()
    ret = {}
    changed = []
    for name in names:
        old = current.get(name)
        if old == state:
            verb = "held" if state == "hold" else "not to be held"
            comment = f"Package {name} is already set to be {verb}." if state == "hold" else \
                f"Package {name} is already set {verb}."
            ret[name] = {"name": name, "changes": {}, "result": True, "comment": comment}
            continue
        if state == "install" and old != "hold":
            ret[name] = {"name": name, "changes": {}, "result": True,
                         "comment": f"Package {name} is already set not to be held."}
            continue
        changed.append(name)
        comment = f"Package {name} is now being held." if state == "hold" else \
            f"Package {name} is no longer being held."
        ret[name] = {"name": name, "changes": {"old": old, "new": state}, "result": True, "comment": comment}
    if changed:
        _run(["dpkg", "--set-selections"], stdin="".join(f"{n} {state}\n" for n in changed))
    return ret


@mod.action
def hold(ctx: Context, name: str | None = None, pkgs: Any = None, sources: Any = None,
         **kwargs: Any) -> dict[str, Any]:
    """Hold packages at their version (apt-mark hold); per-package ``{name, changes, result, comment}``.

    CLI Example: ``saline-call --local pkg.hold nginx``
    """
    names = [next(iter(s)) for s in sources] if sources else [n for n, _ in _names(name, pkgs)]
    if not names:
        raise SaltInvocationError("pkg.hold needs name, pkgs or sources")
    return _set_selection(names, "hold")


@mod.action
def unhold(ctx: Context, name: str | None = None, pkgs: Any = None, sources: Any = None,
           **kwargs: Any) -> dict[str, Any]:
    """Release held packages (apt-mark unhold); per-package ``{name, changes, result, comment}``.

    CLI Example: ``saline-call --local pkg.unhold nginx``
    """
    names = [next(iter(s)) for s in sources] if sources else [n for n, _ in _names(name, pkgs)]
    if not names:
        raise SaltInvocationError("pkg.unhold needs name, pkgs or sources")
    return _set_selection(names, "install")


# The source-list functions register on `mod` too.
from saline.modules import pkg_apt_repos  # noqa: E402, F401
