"""An ini-file model that reads and rewrites files the way Salt's ``ini`` module does.

A :class:`Section` is an ordered mapping of option name -> value string, with comment lines and
unparseable lines kept in place under ``#commentN`` / ``#unknownN`` keys and subsections (only at the
top level) as :class:`Section` values. Files are rendered in Salt's layout: options as
``name = value`` (``name=value`` with ``no_spaces``, ``name value`` for a blank separator), then each
section preceded by a blank line and its ``[header]``. Indented lines continue the previous option's
value. Both the ``ini`` execution module and the ``ini`` states (for planning) use it.
"""

from __future__ import annotations

import re
from typing import Any

HEADER = re.compile(r"^\s*\[(.+?)\]\s*$", flags=re.M)
COMMENT = re.compile(r"^\s*(#|;)\s*(.*)")
INDENTED = re.compile(r"(\s+)(.*)")


def _option_regex(separator: str) -> re.Pattern[str]:
    return re.compile(rf"(\s*)(.+?)\s*({re.escape(separator)})\s*(.*)\s*")


def _indent(text: str) -> int:
    return len(text.replace("\t", "    "))


class Section(dict):  # type: ignore[type-arg]
    """Options of one section (or of the file's top level) in file order."""

    def __init__(self, name: str, separator: str = "=", no_spaces: bool = False) -> None:
        super().__init__()
        self.name = name
        self.sep = separator
        self.no_spaces = no_spaces

    # reading
    def parse_body(self, text: str) -> None:
        """Fill from the lines of one section body (or the text before the first header)."""
        regex = _option_regex(self.sep)
        comments = unknown = 0
        current_indent = 0
        for line in text.strip("\n").split("\n") if text.strip("\n") else []:
            if COMMENT.match(line):
                comments += 1
                dict.__setitem__(self, f"#comment{comments}", line)
                continue
            indented = INDENTED.match(line)
            if indented and _indent(indented.group(1)) > current_indent:
                if self:
                    last = list(self)[-1]
                    dict.__setitem__(self, last, f"{self[last]}\n{line}")
                continue
            match = regex.match(line)
            if match:
                lead, key, _, value = match.groups()
                current_indent = _indent(lead)
                dict.__setitem__(self, key, value)
                continue
            unknown += 1
            dict.__setitem__(self, f"#unknown{unknown}", line)

    # changing
    def _take_commented_slot(self, key: str) -> None:
        """Put new option ``key`` where a commented-out ``#key = ...`` line was (that comment goes)."""
        regex = _option_regex(self.sep)
        slot = None
        for name, value in self.items():
            if name.startswith("#comment") and isinstance(value, str):
                match = regex.match(value.lstrip("#"))
                if match and match.group(2) == key:
                    slot = name
                    break
        if slot is None:
            dict.__setitem__(self, key, "")
            return
        items = list(self.items())
        self.clear()
        for name, value in items:
            if name == slot:
                dict.__setitem__(self, key, "")
            else:
                dict.__setitem__(self, name, value)

    def update_from(self, wanted: dict[str, Any]) -> dict[str, Any]:
        """Set options (and, for dict values, sections); return Salt's ``{key: {before, after}}`` changes."""
        changes: dict[str, Any] = {}
        for key, value in wanted.items():
            key = str(key)
            if isinstance(value, dict):
                section = Section(key, self.sep, self.no_spaces)
                section.update_from(value)
                value, plain = section, section.plain(keep_comments=True)
            else:
                value = plain = str(value)  # as Salt: True -> "True", None -> "None"
            if key not in self:
                changes[key] = {"before": None, "after": plain}
                if not isinstance(value, Section):
                    self._take_commented_slot(key)
                dict.__setitem__(self, key, value)
                continue
            current = self[key]
            if isinstance(current, Section):
                if not isinstance(value, Section):
                    raise ValueError(f"'{key}' is a section: its value must be a dictionary of options")
                sub = current.update_from(value)
                if sub:
                    changes[key] = sub
            elif current != value:
                changes[key] = {"before": current, "after": plain}
                dict.__setitem__(self, key, value)
        return changes

    def plain(self, keep_comments: bool = False) -> dict[str, Any]:
        """The options as plain dicts (comment and unknown lines left out unless asked)."""
        return {k: v.plain(keep_comments) if isinstance(v, Section) else v for k, v in self.items()
                if keep_comments or not k.startswith("#")}

    # writing
    def render_lines(self, header: bool = True) -> list[str]:
        lines = [f"\n[{self.name}]\n"] if header else []
        subsections = []
        for key, value in self.items():
            if COMMENT.match(key):
                lines.append(f"{value}\n")
            elif isinstance(value, Section):
                subsections.append(value)
            else:
                lines.append(f"{key}{self._separator()}{value}\n")
        for section in subsections:
            lines.extend(section.render_lines())
        return lines

    def _separator(self) -> str:
        if self.sep.strip() == "":
            return " "
        return self.sep.strip() if self.no_spaces else f" {self.sep.strip()} "


def parse(text: str, separator: str = "=", no_spaces: bool = False) -> Section:
    """A whole file: top-level options, then one :class:`Section` per header (repeated headers merge)."""
    top = Section("", separator, no_spaces)
    text = "\n".join(text.splitlines())
    parts = HEADER.split(text)
    top.parse_body(parts[0])
    for name, body in zip(parts[1::2], parts[2::2], strict=False):
        raw = Section(name, separator, no_spaces)
        raw.parse_body(body)
        top.update_from({name: dict(raw)})
    return top


def load(file_name: Any, separator: str = "=", encoding: Any = None, no_spaces: bool = False) -> Section:
    """Parse file ``file_name`` (empty when it does not exist); bad arguments and unreadable files raise
    Salt's errors."""
    from saline.errors import CommandExecutionError, SaltInvocationError

    if not file_name:
        raise SaltInvocationError("file_name is required")
    if not isinstance(separator, str) or not separator:
        raise SaltInvocationError("separator must be a non-empty string")
    try:
        with open(str(file_name), encoding=encoding or "utf-8", errors="surrogateescape") as fh:
            text = fh.read()
    except FileNotFoundError:
        text = ""
    except (OSError, LookupError) as exc:
        raise CommandExecutionError(f"Unable to open file '{file_name}'. Exception: {exc}") from None
    return parse(text, separator, no_spaces)


def render(top: Section) -> str:
    lines = top.render_lines(header=False)
    if lines:
        lines[0] = lines[0].lstrip("\n")
    return "".join(lines)
