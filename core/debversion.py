"""Debian version ordering (deb-version(7)), identical to ``dpkg --compare-versions``.

A version is ``[epoch:]upstream[-revision]``. Parts compare left to right in alternating runs of
non-digits (``~`` sorts before everything, even the end of the string; letters before other
characters) and digits (numerically).
"""

from __future__ import annotations


def split_version(version: str) -> tuple[int, str, str]:
    """``(epoch, upstream, revision)``; raises ValueError on an invalid version string."""
    text = str(version).strip()
    epoch = 0
    if ":" in text:
        head, _, rest = text.partition(":")
        if not head.isdigit():
            raise ValueError(f"invalid epoch in version {version!r}")
        epoch, text = int(head), rest
    upstream, sep, revision = text.rpartition("-")
    if not sep:
        upstream, revision = text, ""
    if not upstream:
        raise ValueError(f"empty upstream version in {version!r}")
    return epoch, upstream, revision


def _order(char: str) -> int:
    if char == "~":
        return -1
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


def _compare_part(a: str, b: str) -> int:
    i = j = 0
    while i < len(a) or j < len(b):
        # non-digit run
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ca = _order(a[i]) if i < len(a) and not a[i].isdigit() else 0
            cb = _order(b[j]) if j < len(b) and not b[j].isdigit() else 0
            if ca != cb:
                return -1 if ca < cb else 1
            i += 1
            j += 1
        # digit run
        start_i = i
        while i < len(a) and a[i].isdigit():
            i += 1
        start_j = j
        while j < len(b) and b[j].isdigit():
            j += 1
        na = int(a[start_i:i] or 0)
        nb = int(b[start_j:j] or 0)
        if na != nb:
            return -1 if na < nb else 1
    return 0


def compare(v1: str, v2: str, ignore_epoch: bool = False) -> int:
    """-1, 0 or 1 as ``v1`` sorts before, equal to, or after ``v2``."""
    e1, u1, r1 = split_version(v1)
    e2, u2, r2 = split_version(v2)
    if not ignore_epoch and e1 != e2:
        return -1 if e1 < e2 else 1
    return _compare_part(u1, u2) or _compare_part(r1, r2)
