"""Module ``ini``: read and edit ini-style files (options, ``[sections]``, comments kept).

Files are parsed and rewritten in Salt's layout (see :mod:`saline.inifile`); every write replaces the
file atomically. A missing file reads as empty and is created by the first write.
"""

from __future__ import annotations

from typing import Any

from saline import inifile
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module

mod = Module("ini", doc="Edit ini-style configuration files.")


load = inifile.load


def _save(file_name: Any, top: inifile.Section, encoding: Any) -> None:
    from saline.atomic import atomic_write

    try:
        atomic_write(str(file_name), inifile.render(top), encoding=encoding or "utf-8")
    except (OSError, LookupError) as exc:
        raise CommandExecutionError(f"Unable to write file '{file_name}'. Exception: {exc}") from None


@mod.action
def set_option(ctx: Context, file_name: str, sections: Any = None, separator: str = "=", encoding: Any = None,
               no_spaces: bool = False) -> dict[str, Any]:
    """Set options: ``sections`` maps section names to ``{option: value}`` dicts (a plain value sets a
    top-level option). Returns ``{section: {option: {before, after}}}`` for what changed. The file is
    rewritten in the ini layout (``no_spaces`` writes ``key=value``).

    CLI Example: ``saline-call --local ini.set_option /etc/app.ini '{"main": {"port": 8080}}'``
    """
    if sections is not None and not isinstance(sections, dict):
        raise SaltInvocationError("sections must be a dictionary")
    top = load(file_name, separator, encoding, no_spaces)
    try:
        changes = top.update_from(sections or {})
    except ValueError as exc:
        raise CommandExecutionError(str(exc)) from None
    _save(file_name, top, encoding)
    return changes


@mod.query
def get_option(ctx: Context, file_name: str, section: Any, option: str, separator: str = "=",
               encoding: Any = None) -> Any:
    """Return the value of ``option`` in ``section`` (a top-level option when section is empty), or None.

    CLI Example: ``saline-call --local ini.get_option /etc/app.ini main port``
    """
    top = load(file_name, separator, encoding)
    if section:
        found = top.get(str(section))
        return found.get(str(option)) if isinstance(found, dict) else None
    value = top.get(str(option))
    return value if not isinstance(value, dict) else value.plain()


@mod.action
def remove_option(ctx: Context, file_name: str, section: Any, option: str, separator: str = "=",
                  encoding: Any = None) -> Any:
    """Remove ``option`` from ``section`` (a top-level option when there is no such section); return
    its old value, or None when it was not set.

    CLI Example: ``saline-call --local ini.remove_option /etc/app.ini main port``
    """
    top = load(file_name, separator, encoding)
    found = top.get(str(section)) if section else None
    value = (found if isinstance(found, dict) else top).pop(str(option), None)
    _save(file_name, top, encoding)
    return value.plain() if isinstance(value, inifile.Section) else value


@mod.query
def get_section(ctx: Context, file_name: str, section: str, separator: str = "=",
                encoding: Any = None) -> dict[str, Any]:
    """Return the options of ``section`` as a dict (``{}`` when it does not exist).

    CLI Example: ``saline-call --local ini.get_section /etc/app.ini main``
    """
    found = load(file_name, separator, encoding).get(str(section))
    return found.plain() if isinstance(found, inifile.Section) else {}


@mod.action
def remove_section(ctx: Context, file_name: str, section: str, separator: str = "=",
                   encoding: Any = None) -> dict[str, Any] | None:
    """Remove ``section`` and its options; return them (None when there was no such section).

    CLI Example: ``saline-call --local ini.remove_section /etc/app.ini old``
    """
    top = load(file_name, separator, encoding)
    if str(section) not in top:
        return None
    found = top.pop(str(section))
    _save(file_name, top, encoding)
    return found.plain() if isinstance(found, inifile.Section) else {}


@mod.query
def get_ini(ctx: Context, file_name: str, separator: str = "=", encoding: Any = None) -> dict[str, Any]:
    """Return the whole file as a dict: top-level options and ``{section: {option: value}}``.

    CLI Example: ``saline-call --local ini.get_ini /etc/app.ini``
    """
    return load(file_name, separator, encoding).plain()
