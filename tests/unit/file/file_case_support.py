"""Set up and check the data-driven ``file`` cases in tests/cases/file/*.yaml.

Plain Python (no saline imports) so that ``oracle_check.py`` can run the same cases against real Salt.

A case is a mapping:
  function, args, kwargs           the call; ``@TMP@`` in any string is the case's temp directory
  files: {rel: text | {content | base64, mode, mtime, symlink}}   created first; ``srv/x`` goes to the
                                   ``base`` file root, a sibling of the temp directory
  dirs: [rel], chmod: {rel: mode}  extra directories and modes
  test, planning                   run with test=True / a planning context (Saline only)
  expect | expect_subset (+ expect_keys) | error (+ error_match)    the return or the error
  sort_after: N                    sort the returned list after the first N items before comparing
  expect_files: {rel: text | null} contents after the call (null: must not exist)
  expect_modes, expect_links, expect_mtimes, expect_dirs, expect_absent, expect_glob: {pattern: count}
  salt: "differs: why" | "..."     any value: oracle_check.py skips the case (documented difference)
"""

from __future__ import annotations

import base64
import glob
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

CASES_DIR = Path(__file__).resolve().parents[2] / "cases" / "file"
TOKEN = "@TMP@"


def load_cases() -> list[Path]:
    return sorted(CASES_DIR.glob("*.yaml"))


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def subst(value: Any, tmp: str, regex: bool = False) -> Any:
    if isinstance(value, str):
        return value.replace(TOKEN, re.escape(tmp) if regex else tmp)
    if isinstance(value, list):
        return [subst(v, tmp, regex) for v in value]
    if isinstance(value, dict):
        return {subst(k, tmp, regex): subst(v, tmp, regex) for k, v in value.items()}
    return value


def file_root(tmp: str) -> str:
    """The ``base`` file root: a sibling of the case directory (``srv/...`` files go there)."""
    return os.path.join(os.path.dirname(tmp), "srv")


def _real(tmp: str, rel: str) -> str:
    if rel.startswith("srv/"):
        return os.path.join(file_root(tmp), rel[len("srv/"):])
    return os.path.join(tmp, rel)


def setup(case: dict[str, Any], tmp: str) -> None:
    os.makedirs(file_root(tmp), exist_ok=True)
    for rel in case.get("dirs", []):
        os.makedirs(os.path.join(tmp, rel), exist_ok=True)
    for rel, spec in (case.get("files") or {}).items():
        path = _real(tmp, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        spec = spec if isinstance(spec, dict) else {"content": spec}
        spec = subst(spec, tmp)
        if "symlink" in spec:
            os.symlink(spec["symlink"], path)
            continue
        data = base64.b64decode(spec["base64"]) if "base64" in spec else spec.get("content", "").encode()
        with open(path, "wb") as handle:
            handle.write(data)
        if "mode" in spec:
            os.chmod(path, int(str(spec["mode"]), 8))
        if "mtime" in spec:
            os.utime(path, (spec["mtime"], spec["mtime"]))
    for rel, mode in (case.get("chmod") or {}).items():
        os.chmod(os.path.join(tmp, rel), int(str(mode), 8))


def args_of(case: dict[str, Any], tmp: str) -> tuple[list[Any], dict[str, Any]]:
    return subst(case.get("args", []), tmp), subst(case.get("kwargs", {}), tmp)


def check_return(case: dict[str, Any], tmp: str, ret: Any) -> None:
    if "expect" in case:
        expect = subst(case["expect"], tmp)
        if isinstance(ret, tuple):
            ret = list(ret)
        if "sort_after" in case:
            n = case["sort_after"]
            ret = ret[:n] + sorted(ret[n:])
        assert ret == expect, f"return {ret!r} != expected {expect!r}"
    if "expect_subset" in case:
        subset = subst(case["expect_subset"], tmp)
        got = {k: ret.get(k) for k in subset}
        assert got == subset, f"return {got!r} != expected {subset!r}"
    if "expect_keys" in case:
        assert sorted(ret) == sorted(case["expect_keys"]), sorted(ret)


def check_error(case: dict[str, Any], tmp: str, exc: BaseException) -> None:
    assert type(exc).__name__ == case["error"], f"raised {type(exc).__name__}: {exc}"
    if "error_match" in case:
        pattern = subst(case["error_match"], tmp, regex=True)
        assert re.search(pattern, str(exc)), f"error {str(exc)!r} does not match {pattern!r}"


def check_files(case: dict[str, Any], tmp: str) -> None:
    for rel, content in (case.get("expect_files") or {}).items():
        path = os.path.join(tmp, rel)
        if content is None:
            assert not os.path.lexists(path), f"{rel} should not exist"
        else:
            with open(path, "rb") as handle:
                data = handle.read()
            assert data == subst(content, tmp).encode(), f"{rel}: {data!r}"
    for rel, mode in (case.get("expect_modes") or {}).items():
        got = f"{stat.S_IMODE(os.stat(os.path.join(tmp, rel)).st_mode):04o}"
        assert got == str(mode), f"{rel}: mode {got} != {mode}"
    for rel, target in (case.get("expect_links") or {}).items():
        path = os.path.join(tmp, rel)
        assert os.path.islink(path), f"{rel} should be a symlink"
        assert os.readlink(path) == subst(target, tmp), os.readlink(path)
    for rel, mtime in (case.get("expect_mtimes") or {}).items():
        assert int(os.stat(os.path.join(tmp, rel)).st_mtime) == mtime
    for rel in case.get("expect_dirs", []):
        assert os.path.isdir(os.path.join(tmp, rel)), f"{rel} should be a directory"
    for rel in case.get("expect_absent", []):
        assert not os.path.lexists(os.path.join(tmp, rel)), f"{rel} should not exist"
    for pattern, count in (case.get("expect_glob") or {}).items():
        found = glob.glob(os.path.join(tmp, pattern))
        assert len(found) == count, f"{pattern}: {found}"
