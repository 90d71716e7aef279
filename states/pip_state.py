"""State module ``pip``: Python packages installed, removed or all up to date, as Salt's ``pip`` states.

Planning asks the ``pip`` execution module what is installed (``pip.list``) and, with ``upgrade``,
which versions the index offers; it returns a :class:`Plan` naming the requirement specifiers to
install, and applying makes one ``pip.install`` call for them. As in Salt, the predicted changes are
empty (``result: None`` and a comment under test=True); the real run reports
``{'<name>==<version>': 'Installed'}`` for each package pip installed, with Salt's comments.
Requirement files and editable installs cannot be predicted: they always run, and ``changes`` says
whether pip did anything.
"""

from __future__ import annotations

import re
from typing import Any

from saline.errors import SalineError
from saline.states.api import Plan, StateModule, ret
from saline.states.pip_pep440 import (
    InvalidRequirement,
    canonical_name,
    compare,
    parse_requirement,
    satisfies,
    sort_versions,
)

st = StateModule("pip", doc="Manage Python packages with pip.")

# pip output lines that do not mean a requirements file changed anything
_NO_CHANGE = ("Requirement already satisfied", "Requirement already up-to-date", "Requirement not upgraded",
              "Collecting", "Cloning", "Cleaning up...", "Looking in indexes", "Looking in links")


def _lookup(installed: dict[str, str], name: str) -> str | None:
    """Installed version of ``name``, names compared as pip compares them (case, ``-``/``_``/``.``)."""
    wanted = canonical_name(name)
    for key, ver in installed.items():
        if canonical_name(key) == wanted:
            return ver
    return None


def _pip_version_ok(cur: str | None, option: str) -> str | None:
    """Salt's refusal of options the detected pip does not support, else None."""
    cur = cur or "0"
    if option in ("use_wheel", "no_use_wheel") and not (compare(cur, "1.4") >= 0 and compare(cur, "9.0.3") <= 0):
        return (f"The '{option}' option is only supported in pip between 1.4 and 9.0.3. "
                f"The version of pip detected was {cur}.")
    if option == "no_binary" and compare(cur, "7.0.0") < 0:
        return ("The 'no_binary' option is only supported in pip 7.0.0 and newer. "
                f"The version of pip detected was {cur}.")
    return None


def _details(pkgs: list[str]) -> tuple[list[tuple[str, str, list[tuple[str, str]]]], list[str]]:
    """``[(project, state pkg text, specs)]`` and the parse errors, in Salt's wording."""
    details, errors = [], []
    for pkg in pkgs:
        try:
            req = parse_requirement(pkg)
        except InvalidRequirement as exc:
            if "=" in pkg and "==" not in pkg:
                errors.append(f"Invalid version specification in package {pkg}. '=' is not supported, "
                              "use '==' instead.")
            else:
                errors.append(f"pip raised an exception while parsing '{pkg}': {exc}")
            continue
        # Salt's spelling of the project in changes: runs of other characters become one '-'
        details.append((re.sub(r"[^A-Za-z0-9.]+", "-", req.name), pkg, req.specs))
    return details, errors


def _wanted_version(ctx: Any, prefix: str, specs: list[tuple[str, str]], args: dict[str, Any]) -> str:
    """The newest version the index offers that fulfils ``specs`` ('' when none)."""
    pre = {"include_alpha": False, "include_beta": False, "include_rc": False}
    for _op, ver in specs:
        pre["include_alpha"] |= "a" in ver
        pre["include_beta"] |= "b" in ver
        pre["include_rc"] |= "rc" in ver
    offered = ctx.salt["pip.list_all_versions"](
        prefix, bin_env=args["bin_env"], user=args["user"], cwd=args["cwd"], index_url=args["index_url"],
        extra_index_url=args["extra_index_url"], find_links=args["find_links"], no_index=args["no_index"],
        **pre) or []
    for ver in reversed(sort_versions(list(offered))):
        if satisfies(ver, specs):
            return ver
    return ""


def _check(ctx: Any, installed: dict[str, str], prefix: str, state_name: str, specs: list[tuple[str, str]],
           args: dict[str, Any]) -> str | None:
    """Salt's "already installed" comment for one requirement, or None when it must be installed."""
    have = _lookup(installed, prefix)
    if args["ignore_installed"] or have is None or args["force_reinstall"]:
        return None
    if not args["upgrade"]:
        return f"Python package {state_name} was already installed" if satisfies(have, specs) else None
    wanted = _wanted_version(ctx, prefix, specs, args)
    if not wanted:
        return (f"Python package {prefix} was already installed and\n"
                "the available upgrade doesn't fulfills the version requirements")
    if satisfies(have, [("==", wanted)]):
        return f"Python package {state_name} was already installed"
    return None


@st.state
def installed(
    ctx: Any, name: str, pkgs: Any = None, pip_bin: Any = None, requirements: Any = None, bin_env: Any = None,
    use_wheel: bool = False, no_use_wheel: bool = False, log: str | None = None, proxy: Any = None,
    timeout: Any = None, repo: Any = None, editable: Any = None, find_links: Any = None,
    index_url: str | None = None, extra_index_url: str | None = None, no_index: bool = False,
    mirrors: Any = None, build: str | None = None, target: str | None = None, download: str | None = None,
    download_cache: str | None = None, source: str | None = None, upgrade: bool = False,
    force_reinstall: bool = False, ignore_installed: bool = False, exists_action: str | None = None,
    no_deps: bool = False, no_install: bool = False, no_download: bool = False, install_options: Any = None,
    global_options: Any = None, user: str | None = None, cwd: str | None = None, pre_releases: bool = False,
    cert: str | None = None, allow_all_external: bool = False, allow_external: Any = None,
    allow_unverified: Any = None, process_dependency_links: bool = False, env_vars: Any = None,
    use_vt: bool = False, trusted_host: str | None = None, no_cache_dir: bool = False,
    cache_dir: str | None = None, no_binary: Any = None, extra_args: Any = None, saltenv: str = "base",
    **kwargs: Any,
) -> dict[str, Any] | Plan:
    """Ensure Python packages are installed (``name`` may carry specifiers: ``requests>=2.0``).

    ``pkgs`` lists several specifiers; ``requirements`` a requirements file (local or ``salt://``);
    ``bin_env`` the virtualenv (or pip/python binary); ``upgrade`` installs the newest version the index
    offers; other arguments are passed to ``pip.install``.
    """
    if pip_bin and not bin_env:
        bin_env = pip_bin
    if pkgs:
        if not isinstance(pkgs, list):
            return ret(name, False, {}, "pkgs argument must be formatted as a list")
    else:
        pkgs = [name]
    # {name: spec} items read as "name spec"
    pkgs = [p if isinstance(p, str) else " ".join(str(x) for x in next(iter(p.items()))) for p in pkgs]
    pkgs = [str(p) for p in pkgs]
    ret_name = ";".join(pkgs)
    try:
        cur_version = ctx.salt["pip.version"](bin_env)
    except SalineError as exc:
        return ret(ret_name, False, {}, f"Error installing '{name}': {exc}")
    for option, value in (("use_wheel", use_wheel), ("no_use_wheel", no_use_wheel), ("no_binary", no_binary)):
        refused = _pip_version_ok(cur_version, option) if value else None
        if refused:
            return ret(ret_name, False, {}, refused)
    details: list[tuple[str, str, list[tuple[str, str]]]] = []
    if not (requirements or editable):
        details, errors = _details(pkgs)
        if errors:
            return ret(ret_name, False, {}, "\n".join(errors))
    if user and "user.info" in ctx.salt and not ctx.salt["user.info"](user):
        return ret(ret_name, False, {}, f"User {user} does not exist")

    install_args = dict(
        requirements=requirements, bin_env=bin_env, use_wheel=use_wheel, no_use_wheel=no_use_wheel,
        no_binary=no_binary, log=log, proxy=proxy, timeout=timeout, editable=editable, find_links=find_links,
        index_url=index_url, extra_index_url=extra_index_url, no_index=no_index, mirrors=mirrors, build=build,
        target=target, download=download, download_cache=download_cache, source=source, upgrade=upgrade,
        force_reinstall=force_reinstall, ignore_installed=ignore_installed, exists_action=exists_action,
        no_deps=no_deps, no_install=no_install, no_download=no_download, install_options=install_options,
        global_options=global_options, user=user, cwd=cwd, pre_releases=pre_releases, cert=cert,
        allow_all_external=allow_all_external, allow_external=allow_external, allow_unverified=allow_unverified,
        process_dependency_links=process_dependency_links, saltenv=saltenv, env_vars=env_vars,
        trusted_host=trusted_host, no_cache_dir=no_cache_dir, cache_dir=cache_dir, extra_args=extra_args,
        disable_version_check=True,
    )
    if requirements or editable:
        comments = []
        if requirements:
            comments.append(f"Requirements file '{requirements}' will be processed.")
        if editable:
            comments.append('Package will be installed in editable mode (i.e. setuptools "develop mode") '
                            f"from {editable}.")
        return Plan(ret_name, {}, " ".join(comments),
                    lambda actx: _apply_files(actx, ret_name, requirements, editable, install_args))

    try:
        current = ctx.salt["pip.list"](bin_env=bin_env, user=user, cwd=cwd, env_vars=env_vars)
    except SalineError as exc:
        return ret(ret_name, False, {}, f"Error installing '{name}': {exc}")
    args = {"bin_env": bin_env, "user": user, "cwd": cwd, "index_url": index_url, "find_links": find_links,
            "extra_index_url": extra_index_url, "no_index": no_index, "upgrade": upgrade,
            "ignore_installed": ignore_installed, "force_reinstall": force_reinstall}
    targets: list[tuple[str, str]] = []
    already: list[str] = []
    for prefix, state_name, specs in details:
        comment = _check(ctx, current, prefix, state_name, specs, args) if prefix else None
        if comment is None:
            targets.append((prefix, state_name.replace(",", ";")))
        else:
            already.append(comment)
    if not targets:
        last = "All specified packages are already installed" + (" and up-to-date" if upgrade else "")
        return ret(ret_name, True, {}, "\n".join([*already, last]))
    if len(details) > 1:
        test_comment = "\n".join(["Python package(s) set to be installed:", *(d[1] for d in details)])
    else:
        test_comment = f"Python package {details[0][1]} is set to be installed"

    def apply(actx: Any) -> dict[str, Any]:
        return _apply_pkgs(actx, ret_name, targets, already, install_args)

    return Plan(ret_name, {}, test_comment, apply)


def _install(actx: Any, pkgs: str, install_args: dict[str, Any]) -> dict[str, Any]:
    try:
        return actx.salt["pip.install"](pkgs=pkgs, **install_args)
    except SalineError as exc:
        return {"comment": str(exc)}


def _error(call: dict[str, Any]) -> str:
    if "stdout" in call:
        return f"Error: {call['stdout']} {call.get('stderr', '')}"
    return f"Error: {call.get('comment', '')}"


def _apply_pkgs(actx: Any, ret_name: str, targets: list[tuple[str, str]], already: list[str],
                install_args: dict[str, Any]) -> dict[str, Any]:
    call = _install(actx, ",".join(state_name for _, state_name in targets), install_args)
    if not call or call.get("retcode", 1) != 0:
        failed = ", ".join(state_name for _, state_name in targets)
        return ret(ret_name, False, {}, "\n".join([*already, f"Failed to install packages: {failed}. "
                                                              f"{_error(call)}"]))
    up_to_date = {line.split(":", 1)[1].split()[0].lower() for line in call.get("stdout", "").splitlines()
                  if line.startswith("Requirement already up-to-date: ")}
    changes: dict[str, str] = {}
    missing: list[str] = []
    for prefix, state_name in targets:
        if not prefix:
            changes[f"{state_name}==???"] = "Installed"
            continue
        found = actx.salt["pip.list"](prefix, install_args["bin_env"], user=install_args["user"],
                                      cwd=install_args["cwd"], env_vars=install_args["env_vars"])
        ver = _lookup(found, prefix)
        if ver is None:
            missing.append(f"There was no error installing package '{state_name}' although it does not show "
                           "when calling 'pip.freeze'.")
        elif prefix.lower() not in up_to_date:
            changes[f"{prefix}=={ver}"] = "Installed"
    return ret(ret_name, True, changes,
               "\n".join([*already, "\n".join(missing) if missing else "All packages were successfully installed"]))


def _apply_files(actx: Any, ret_name: str, requirements: Any, editable: Any,
                 install_args: dict[str, Any]) -> dict[str, Any]:
    call = _install(actx, "", install_args)
    if not call or call.get("retcode", 1) != 0:
        comments = []
        if requirements:
            comments.append(f'Unable to process requirements file "{requirements}"')
        if editable:
            comments.append(f"Unable to install from VCS checkout {editable}.")
        comments.append(_error(call))
        return ret(ret_name, False, {}, " ".join(comments))
    changes: dict[str, Any] = {}
    comments = []
    if requirements:
        if any(not line.strip().startswith(_NO_CHANGE) for line in call.get("stdout", "").split("\n")):
            changes["requirements"] = True
            comments.append(f"Successfully processed requirements file {requirements}.")
        else:
            comments.append("Requirements were already installed.")
    if editable:
        comments.append(f"Package successfully installed from VCS checkout {editable}.")
        changes["editable"] = True
    return ret(ret_name, True, changes, " ".join(comments))


@st.state
def removed(ctx: Any, name: str, requirements: Any = None, bin_env: Any = None, log: str | None = None,
            proxy: Any = None, timeout: Any = None, user: str | None = None, cwd: str | None = None,
            use_vt: bool = False, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure a Python package is not installed."""
    try:
        current = ctx.salt["pip.list"](bin_env=bin_env, user=user, cwd=cwd)
    except SalineError as exc:
        return ret(name, False, {}, f"Error uninstalling '{name}': {exc}")
    if _lookup(current, str(name)) is None:
        return ret(name, True, {}, "Package is not installed.")

    def apply(actx: Any) -> dict[str, Any]:
        try:
            call = actx.salt["pip.uninstall"](pkgs=name, requirements=requirements, bin_env=bin_env, log=log,
                                              proxy=proxy, timeout=timeout, user=user, cwd=cwd)
        except SalineError as exc:
            return ret(name, False, {}, f"Could not remove package. {exc}")
        if call.get("retcode", 1) != 0:
            return ret(name, False, {}, f"Could not remove package. {_error(call)}")
        return ret(name, True, {name: "Removed"}, "Package was successfully removed.")

    return Plan(name, {}, f"Package {name} is set to be removed", apply)


@st.state
def uptodate(ctx: Any, name: str, bin_env: Any = None, user: str | None = None, cwd: str | None = None,
             use_vt: bool = False, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure every package pip knows of is at the newest version the index offers."""
    try:
        outdated = ctx.salt["pip.list_upgrades"](bin_env=bin_env, user=user, cwd=cwd)
    except SalineError as exc:
        return ret(name, False, {}, str(exc))
    if not outdated:
        return ret(name, True, {}, "System is already up-to-date.")

    def apply(actx: Any) -> dict[str, Any]:
        updated = actx.salt["pip.upgrade"](bin_env=bin_env, user=user, cwd=cwd, use_vt=use_vt)
        if updated.get("result") is False:
            return {"name": name, **updated}
        if updated:
            return ret(name, True, updated, "Upgrade successful.")
        return ret(name, False, {}, "Upgrade failed.")

    return Plan(name, {}, "System update will be performed", apply)
