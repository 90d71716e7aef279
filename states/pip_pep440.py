"""PEP 440 versions and PEP 508 requirement lines, enough for ``pip.installed`` to decide what to install.

No third-party library: ``parse_requirement("requests[socks] >= 2.0, <3")`` gives the project name and
its ``(operator, version)`` specifiers; ``satisfies("2.31.0", specs)`` checks an installed version
against them with PEP 440 ordering (epochs, pre/post/dev releases, local versions, ``==1.*``, ``~=``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cmp_to_key
from typing import Any

_VERSION = re.compile(
    r"""^\s*v?
    (?:(?P<epoch>\d+)!)?
    (?P<release>\d+(?:\.\d+)*)
    (?:[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>\d+)?)?
    (?:-(?P<post_n1>\d+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>\d+)?)?
    (?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>\d+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    \s*$""",
    re.VERBOSE | re.IGNORECASE,
)
_PRE = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}
_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*")
_SPEC = re.compile(r"^\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s,;)]+)\s*$")
_WHEEL = re.compile(r"^(?P<name>[^-]+)-(?P<ver>[^-]+)(?:-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")
_INF = float("inf")


class InvalidVersion(ValueError):
    pass


class InvalidRequirement(ValueError):
    pass


def canonical_name(name: str) -> str:
    """PEP 503 normalised project name (``Foo_Bar.baz`` -> ``foo-bar-baz``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def version_key(text: str) -> tuple[Any, ...]:
    """A sort key ordering versions as PEP 440 does; raises InvalidVersion."""
    m = _VERSION.match(str(text))
    if not m:
        raise InvalidVersion(f"Invalid version: '{text}'")
    release = [int(p) for p in m.group("release").split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    post_n = m.group("post_n1") or m.group("post_n2")
    has_post = m.group("post_n1") is not None or m.group("post_l") is not None
    has_dev = m.group("dev_l") is not None
    if m.group("pre_l"):
        pre: tuple[float, int] = (_PRE[m.group("pre_l").lower()], int(m.group("pre_n") or 0))
    elif has_dev and not has_post:
        pre = (-_INF, 0)  # 1.0.dev1 sorts before 1.0a1
    else:
        pre = (_INF, 0)
    post = int(post_n or 0) if has_post else -_INF
    dev = int(m.group("dev_n") or 0) if has_dev else _INF
    local: tuple[Any, ...] = ()
    if m.group("local"):
        local = tuple((1, int(p), "") if p.isdigit() else (0, 0, p.lower())
                      for p in re.split(r"[-_.]", m.group("local")))
    return int(m.group("epoch") or 0), tuple(release), pre, post, dev, local


def compare(a: str, b: str) -> int:
    ka, kb = version_key(a), version_key(b)
    return (ka > kb) - (ka < kb)


def sort_versions(versions: list[str]) -> list[str]:
    """PEP 440 order, oldest first; strings that are not versions are left out."""
    valid = []
    for ver in versions:
        try:
            version_key(ver)
        except InvalidVersion:
            continue
        valid.append(ver)
    return sorted(valid, key=cmp_to_key(compare))


def _release(text: str) -> list[int]:
    m = _VERSION.match(text)
    return [int(p) for p in m.group("release").split(".")] if m else []


def _prefix_match(version: str, prefix: str) -> bool:
    """``version`` matches ``prefix.*`` (release segments compared with zero padding)."""
    want = _release(prefix)
    have = _release(version)
    have += [0] * (len(want) - len(have))
    ka, kb = version_key(version), version_key(prefix)
    return ka[0] == kb[0] and have[:len(want)] == want


def _public(version: str) -> str:
    return version.split("+", 1)[0]


def _is_pre(version: str) -> bool:
    key = version_key(version)
    return key[2] != (_INF, 0) or key[4] != _INF


def _is_post(version: str) -> bool:
    return version_key(version)[3] != -_INF


def _same_release(a: str, b: str) -> bool:
    ka, kb = version_key(a), version_key(b)
    return ka[:2] == kb[:2]


def matches(version: str, op: str, spec: str) -> bool:
    """Does installed ``version`` satisfy ``op spec``? Unparsable versions only match ``===``.

    Local labels of ``version`` are ignored unless ``spec`` has one; ``<V`` excludes pre-releases
    of V and ``>V`` its post-releases and local variants (PEP 440's exclusive ordering).
    """
    if op == "===":
        return version.strip().lower() == spec.strip().lower()
    try:
        version_key(version)
    except InvalidVersion:
        return False
    if op in ("==", "!=") and spec.endswith(".*"):
        found = _prefix_match(_public(version), spec[:-2])
        return found if op == "==" else not found
    if op in ("==", "!="):
        equal = compare(version if "+" in spec else _public(version), spec) == 0
        return equal if op == "==" else not equal
    public = _public(version)
    cmp = compare(public, spec)
    if op == "~=":
        release = _release(spec)
        if len(release) < 2:
            raise InvalidRequirement(f"'~={spec}' needs at least two release segments")
        epoch = version_key(spec)[0]
        prefix = (f"{epoch}!" if epoch else "") + ".".join(map(str, release[:-1]))
        return cmp >= 0 and _prefix_match(public, prefix)
    if op == "<":
        return cmp < 0 and not (not _is_pre(spec) and _is_pre(public) and _same_release(public, spec))
    if op == ">":
        if cmp <= 0 or (not _is_post(spec) and _is_post(public) and _same_release(public, spec)):
            return False
        return not ("+" in version and compare(public, spec) == 0)
    return {"<=": cmp <= 0, ">=": cmp >= 0}[op]


def satisfies(version: str, specs: list[tuple[str, str]]) -> bool:
    return all(matches(version, op, spec) for op, spec in specs)


@dataclass
class Requirement:
    """A parsed requirement line: ``name`` is '' when it names no project (VCS URL, path, sdist)."""

    name: str
    specs: list[tuple[str, str]]
    extras: tuple[str, ...] = ()


def parse_requirement(line: str) -> Requirement:
    """Parse ``name[extras] <specs> [; marker]``, ``name @ url``, a wheel path, or a URL/path."""
    text = str(line).strip()
    if not text:
        raise InvalidRequirement("Invalid requirement: ''")
    base = text.rsplit("/", 1)[-1]
    wheel = _WHEEL.match(base)
    if wheel and ("/" in text or text.endswith(".whl")):
        return Requirement(wheel.group("name").replace("_", "-"), [("==", wheel.group("ver"))])
    if "://" in text.split("@", 1)[0] or text.startswith((".", "/", "~")) or re.match(r"^\w+\+", text):
        egg = re.search(r"[#&]egg=([^&\s]+)", text)
        return Requirement(egg.group(1) if egg else "", [])  # pip names a link by its egg fragment
    m = _NAME.match(text)
    if not m:
        raise InvalidRequirement(f"Invalid requirement: '{text}'")
    name, rest = m.group(1), text[m.end():]
    extras: tuple[str, ...] = ()
    if rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            raise InvalidRequirement(f"Invalid requirement: '{text}': unclosed extras")
        extras = tuple(e.strip() for e in rest[1:end].split(",") if e.strip())
        rest = rest[end + 1:].lstrip()
    rest = rest.split(";", 1)[0].strip()  # environment markers do not change what is wanted here
    if rest.startswith("@"):
        return Requirement(name, [], extras)
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1]
    specs: list[tuple[str, str]] = []
    if rest:
        for part in rest.split(","):
            sm = _SPEC.match(part)
            if not sm:
                raise InvalidRequirement(f"Invalid requirement: '{text}'")
            op, ver = sm.groups()
            if op != "===" and not (op in ("==", "!=") and ver.endswith(".*")):
                try:
                    version_key(ver)
                except InvalidVersion:
                    raise InvalidRequirement(f"Invalid requirement: '{text}'") from None
            specs.append((op, ver))
    return Requirement(name, specs, extras)
