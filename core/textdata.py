"""Telling text from binary data, as Salt does, for diffs of file contents (file module and file states)."""

from __future__ import annotations

_TEXT_BYTES = bytes(range(32, 127)) + b"\n\r\t\f\b"


def is_text(data: bytes) -> bool:
    """Salt's heuristic on the first 512 bytes: no NUL, and UTF-8 or at most 30% non-text bytes."""
    block = data[:512]
    if b"\x00" in block:
        return False
    if not block:
        return True
    try:
        block.decode("utf-8")
        return True
    except UnicodeDecodeError:
        pass
    return len(block.translate(None, _TEXT_BYTES)) / len(block) <= 0.30


def binary_change(old: bytes, new: bytes) -> str | None:
    """Salt's description of a change involving binary data, or None when both sides are text."""
    old_bin, new_bin = not is_text(old), not is_text(new)
    if old_bin and new_bin:
        return "Replace binary file"
    if old_bin:
        return "Replace binary file with text file"
    if new_bin:
        return "Replace text file with binary file"
    return None
