"""State module ``ini``: options and sections of ini-style files (through the ``ini`` module).

Planning parses the file and replays the edits on the parsed copy, so the predicted changes are the
ones the run reports. Comments follow Salt: per-key lines under test=True, ``Changes take effect`` or
``No anomaly detected`` when run.
"""

from __future__ import annotations

from typing import Any

from saline import inifile
from saline.errors import CommandExecutionError, SaltInvocationError
from saline.states.api import Plan, StateModule, ret

st = StateModule("ini", doc="Manage options and sections of ini files.")

UNCHANGED_RUN = "No anomaly detected"
DONE = "Changes take effect"


class _Simulated:
    """The ini edits applied to an in-memory copy (planning)."""

    def __init__(self, top: inifile.Section) -> None:
        self.top = top

    def set_option(self, sections: dict[str, Any]) -> dict[str, Any]:
        return self.top.update_from(sections)

    def remove_option(self, section: Any, option: str) -> Any:
        found = self.top.get(section) if section else None
        value = (found if isinstance(found, dict) else self.top).pop(option, None)
        return value.plain() if isinstance(value, inifile.Section) else value

    def remove_section(self, section: str) -> Any:
        found = self.top.pop(section, None)
        return found.plain() if isinstance(found, inifile.Section) else found


class _Real:
    """The same edits through the ``ini`` execution module (applying)."""

    def __init__(self, ctx: Any, name: str, separator: str, encoding: Any, no_spaces: bool = False) -> None:
        self.ctx, self.name, self.sep, self.encoding, self.no_spaces = ctx, name, separator, encoding, no_spaces

    def set_option(self, sections: dict[str, Any]) -> dict[str, Any]:
        return self.ctx.salt["ini.set_option"](self.name, sections, separator=self.sep, encoding=self.encoding,
                                               no_spaces=self.no_spaces)

    def remove_option(self, section: Any, option: str) -> Any:
        return self.ctx.salt["ini.remove_option"](self.name, section, option, separator=self.sep,
                                                  encoding=self.encoding)

    def remove_section(self, section: str) -> Any:
        return self.ctx.salt["ini.remove_section"](self.name, section, separator=self.sep, encoding=self.encoding)


def _load(name: str, separator: str, encoding: Any, no_spaces: bool = False) -> inifile.Section:
    return inifile.load(name, separator, encoding, no_spaces)


def _is_section(value: Any) -> bool:
    return isinstance(value, dict)


def _with_errors(fn: Any) -> Any:
    """Bad arguments and unreadable files become a failed state with the reason."""
    def wrapper(ctx: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(ctx, name, *args, **kwargs)
        except (SaltInvocationError, CommandExecutionError) as exc:
            return ret(name, False, {}, str(exc))

    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    wrapper.__signature__ = __import__("inspect").signature(fn)  # type: ignore[attr-defined]
    return wrapper


def _check_sections(sections: Any) -> dict[str, Any]:
    if sections is None:
        return {}
    if not isinstance(sections, dict):
        raise SaltInvocationError("sections must be a dictionary")
    return {str(k) if k is not None else "": v for k, v in sections.items()}


def _present_edits(ops: Any, sections: dict[str, Any], strict: bool, original: dict[str, Any]) -> dict[str, Any]:
    """Salt's order of edits for options_present; returns the changes as the run reports them."""
    changes: dict[str, Any] = {}
    top_options = {k: v for k, v in sections.items() if not _is_section(v)}
    top_original = {k: v for k, v in original.items() if not _is_section(v)}
    changes.update(ops.set_option(top_options))
    if strict:
        for option in [k for k in top_original if k not in top_options]:
            ops.remove_option(None, option)
            changes[option] = {"before": top_original[option], "after": None}
    for section, body in sections.items():
        if not _is_section(body):
            continue
        section_changes: dict[str, Any] = {}
        current = original.get(section) if _is_section(original.get(section)) else {}
        if strict:
            for option in [k for k in current if k not in body]:
                ops.remove_option(section, option)
                section_changes[option] = {"before": current[option], "after": None}
        updated = ops.set_option({section: body})
        section_changes.update(updated.get(section, {}))
        if section_changes:
            changes[section] = section_changes
    return {k: v for k, v in changes.items() if v}


def _present_test_comment(sections: dict[str, Any], strict: bool, original: dict[str, Any]) -> str:
    lines = []
    top_options = {k: v for k, v in sections.items() if not _is_section(v)}
    for option, value in top_options.items():
        same = option in original and not _is_section(original[option]) and str(original[option]) == str(value)
        lines.append(f"{'Unchanged' if same else 'Changed'} key {option}.")
    if strict:
        lines += [f"Removed key {k}." for k, v in original.items() if not _is_section(v) and k not in top_options]
    for section, body in sections.items():
        if not _is_section(body):
            continue
        where = f" in section {section}" if section else ""
        current = original.get(section) if _is_section(original.get(section)) else {}
        if strict:
            lines += [f"Deleted key {k}{where}." for k in current if k not in body]
        for option, value in body.items():
            same = str(option) in current and str(current[str(option)]) == str(value)
            lines.append(f"{'Unchanged' if same else 'Changed'} key {option}{where}.")
    return "".join(f"{line}\n" for line in lines)


@st.state
@_with_errors
def options_present(ctx: Any, name: str, sections: Any = None, separator: str = "=", strict: bool = False,
                    encoding: Any = None, no_spaces: bool = False, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure options are set in ini file ``name``: ``sections`` maps section names to ``{option: value}``
    dicts; plain values are top-level options. With ``strict`` other options of the named sections (and
    other top-level options) are removed. ``no_spaces`` writes ``key=value``."""
    wanted = _check_sections(sections)
    top = _load(name, separator, encoding, no_spaces)
    original = top.plain()
    predicted = _present_edits(_Simulated(top), wanted, bool(strict), original)
    test_comment = _present_test_comment(wanted, bool(strict), original)
    if not predicted:
        return ret(name, True, {}, test_comment if ctx.opts.get("test") else UNCHANGED_RUN)

    def apply(actx: Any) -> dict[str, Any]:
        done = _present_edits(_Real(actx, name, separator, encoding, no_spaces), wanted, bool(strict), original)
        return ret(name, True, done, DONE if done else UNCHANGED_RUN)

    return Plan(name, {}, test_comment, apply)


@st.state
@_with_errors
def options_absent(ctx: Any, name: str, sections: Any = None, separator: str = "=", encoding: Any = None,
                   **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure options are not in ini file ``name``: ``sections`` maps section names to lists of option
    names; a key whose value is not a list names a top-level option to remove."""
    wanted = _check_sections(sections)
    top = _load(name, separator, encoding)
    original = top.plain()
    todo: list[tuple[str | None, str]] = []
    lines = []
    for section, keys in wanted.items():
        if isinstance(keys, list) and section:
            current = original.get(section) if _is_section(original.get(section)) else {}
            for key in map(str, keys):
                if key in current:
                    todo.append((section, key))
                    lines.append(f"Deleted key {key} in section {section}.")
                else:
                    lines.append(f"Key {key} in section {section} does not exist.")
            continue
        options = [str(k) for k in keys] if isinstance(keys, list) else [section]
        for key in options:
            if key in original and not _is_section(original[key]):
                todo.append((None, key))
                lines.append(f"Deleted key {key}.")
            else:
                lines.append(f"Key {key} does not exist.")
    test_comment = "".join(f"{line}\n" for line in lines) or "No changes detected."
    if not todo:
        return ret(name, True, {}, test_comment if ctx.opts.get("test") else UNCHANGED_RUN)

    def apply(actx: Any) -> dict[str, Any]:
        ops = _Real(actx, name, separator, encoding)
        changes: dict[str, Any] = {}
        for section, key in todo:
            value = ops.remove_option(section, key)
            if section is None:
                changes[key] = value
            else:
                changes.setdefault(section, {})[key] = value
        return ret(name, True, changes, DONE)

    return Plan(name, {}, test_comment, apply)


def _section_names(sections: Any) -> list[str]:
    if sections is None:
        return []
    if isinstance(sections, (list, dict)):
        return [str(s) for s in sections]
    raise SaltInvocationError("sections must be a list of section names")


@st.state
@_with_errors
def sections_present(ctx: Any, name: str, sections: Any = None, separator: str = "=", encoding: Any = None,
                     **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure the sections named in ``sections`` (a list, or a dict whose keys are used) exist in ini file
    ``name``; missing ones are created empty (use options_present to set options)."""
    names = _section_names(sections)
    original = _load(name, separator, encoding).plain()
    missing = [s for s in names if not _is_section(original.get(s))]
    lines = [f"Created new section {s}." if s in missing else f"Section unchanged {s}." for s in names]
    test_comment = "".join(f"{line}\n" for line in lines) or "No changes detected."
    if not missing:
        return ret(name, True, {}, test_comment if ctx.opts.get("test") else UNCHANGED_RUN)

    def apply(actx: Any) -> dict[str, Any]:
        changes = _Real(actx, name, separator, encoding).set_option({s: {} for s in missing})
        return ret(name, True, changes, DONE)

    return Plan(name, {}, test_comment, apply)


@st.state
@_with_errors
def sections_absent(ctx: Any, name: str, sections: Any = None, separator: str = "=", encoding: Any = None,
                    **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure the sections named in ``sections`` (a list) are not in ini file ``name``, with their
    options."""
    names = _section_names(sections)
    original = _load(name, separator, encoding).plain()
    present = [s for s in names if _is_section(original.get(s))]
    lines = [f"Deleted section {s}." if s in present else f"Section {s} does not exist." for s in names]
    test_comment = "".join(f"{line}\n" for line in lines) or "No changes detected."
    if not present:
        return ret(name, True, {}, test_comment if ctx.opts.get("test") else UNCHANGED_RUN)

    def apply(actx: Any) -> dict[str, Any]:
        ops = _Real(actx, name, separator, encoding)
        changes = {s: ops.remove_section(s) for s in present}
        return ret(name, True, changes, DONE)

    return Plan(name, {}, test_comment, apply)
