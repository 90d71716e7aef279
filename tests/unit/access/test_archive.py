"""archive module functions, traversal protection with crafted archives, http sources, ownership."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import os
import pathlib
import pwd
import subprocess
import sys
import tarfile
import threading
import uuid
import zipfile

import pytest
from saline.errors import CommandExecutionError

sys.path.insert(0, str(pathlib.Path(__file__).parent))
sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "file_states"))
from archive_build import archive_bytes
from file_states_support import make_context, run_state

APP = {"app/": {}, "app/a.txt": "a", "app/sub/": {}, "app/sub/b.txt": "b", "app/l": {"symlink": "a.txt"}}


@pytest.fixture
def base(tmp_path: pathlib.Path) -> pathlib.Path:
    for d in ("srv", "pillar", "cache", "w"):
        (tmp_path / d).mkdir()
    return tmp_path


def _salt(base: pathlib.Path):  # type: ignore[no-untyped-def]
    return make_context(base, {}, False).salt


def _evil_tar(path: pathlib.Path, *entries: tuple[str, str, str]) -> None:
    """entries: (kind, name, target-or-content) with kind file|sym|hard."""
    with tarfile.open(path, "w") as tar:
        for kind, name, extra in entries:
            info = tarfile.TarInfo(name)
            if kind == "file":
                data = extra.encode()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                info.type = tarfile.SYMTYPE if kind == "sym" else tarfile.LNKTYPE
                info.linkname = extra
                tar.addfile(info)


@pytest.mark.parametrize("entries", [
    [("file", "../escaped.txt", "x")],
    [("file", "top/../../escaped.txt", "x")],
    [("file", "/tmp/saline-abs-escape.txt", "x")],
    [("sym", "top", ".."), ("file", "top/escaped.txt", "x")],
    [("sym", "out", "/etc")],
    [("hard", "pw", "../escaped.txt")],
], ids=["dotdot", "nested-dotdot", "absolute", "symlink-then-write", "absolute-symlink", "hardlink"])
def test_tar_members_escaping_are_refused(base: pathlib.Path, entries: list) -> None:
    archive = base / "srv" / "evil.tar"
    _evil_tar(archive, *entries)
    dest = base / "w" / "dest"
    out = run_state(base, "archive.extracted", {"name": str(dest), "source": str(archive),
                                                "enforce_toplevel": False}, {}, False)
    assert out["result"] is False and out["comment"].startswith("Refusing to extract"), out
    assert not (base / "w" / "escaped.txt").exists() and not (base / "escaped.txt").exists()
    assert not os.path.exists("/tmp/saline-abs-escape.txt")
    assert not dest.exists()  # nothing written, and the directory the run created is gone


def test_tar_through_existing_outside_symlink_is_refused(base: pathlib.Path) -> None:
    outside = base / "outside"
    outside.mkdir()
    dest = base / "w" / "dest"
    dest.mkdir()
    (dest / "app").symlink_to(outside)
    (base / "srv" / "a.tar").write_bytes(archive_bytes("tar", {"app/x": "x"}))
    out = run_state(base, "archive.extracted", {"name": str(dest), "source": str(base / "srv" / "a.tar")}, {}, False)
    assert out["result"] is False and "leads outside" in out["comment"] and not (outside / "x").exists()


def test_tar_device_member_is_refused(base: pathlib.Path) -> None:
    (base / "srv" / "d.tar").write_bytes(archive_bytes("tar", {"d/": {}, "d/null": {"device": True}}))
    out = run_state(base, "archive.extracted", {"name": str(base / "w" / "x"), "source": str(base / "srv" / "d.tar")},
                    {}, False)
    assert out["result"] is False and "device file" in out["comment"]


def test_zip_members_escaping_are_refused(base: pathlib.Path) -> None:
    path = base / "srv" / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ok.txt", "fine")
        archive.writestr("../escaped.txt", "x")
    dest = base / "w" / "dest"
    dest.mkdir()
    with pytest.raises(CommandExecutionError, match=r"Refusing to extract '\.\./escaped\.txt'"):
        _salt(base)["archive.unzip"](str(path), str(dest))
    assert not (dest / "ok.txt").exists() and not (base / "w" / "escaped.txt").exists()
    link_zip = base / "srv" / "link.zip"
    with zipfile.ZipFile(link_zip, "w") as archive:
        info = zipfile.ZipInfo("up")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "../..")
    with pytest.raises(CommandExecutionError, match="outside"):
        _salt(base)["archive.unzip"](str(link_zip), str(dest))


def test_list_zip_unzip_tar_functions(base: pathlib.Path) -> None:
    salt = _salt(base)
    tgz = base / "srv" / "app.tar.gz"
    tgz.write_bytes(archive_bytes("tar.gz", APP))
    assert salt["archive.list"](str(tgz)) == ["app/", "app/a.txt", "app/l", "app/sub/", "app/sub/b.txt"]
    assert salt["archive.list"]("salt://app.tar.gz", verbose=True) == {
        "dirs": ["app/", "app/sub/"], "files": ["app/a.txt", "app/sub/b.txt"], "links": ["app/l"],
        "top_level_dirs": ["app/"], "top_level_files": [], "top_level_links": []}
    assert salt["archive.list"](str(tgz), strip_components=1) == ["a.txt", "l", "sub/", "sub/b.txt"]
    (base / "srv" / "app").write_text("x")
    with pytest.raises(CommandExecutionError, match="Unable to guess archive format"):
        salt["archive.list"](str(base / "srv" / "app"))
    src = base / "w" / "tree"
    (src / "d").mkdir(parents=True)
    (src / "d" / "f.txt").write_text("f")
    (src / "top.txt").write_text("t")
    made = salt["archive.zip"](str(base / "w" / "out.zip"), "d,top.txt", cwd=str(src))
    assert made == ["d/", "d/f.txt", "top.txt"]
    dest = base / "w" / "unz"
    dest.mkdir()
    assert salt["archive.unzip"](str(base / "w" / "out.zip"), str(dest), excludes="top.txt") == ["d/", "d/f.txt"]
    assert (dest / "d" / "f.txt").read_text() == "f" and not (dest / "top.txt").exists()
    assert salt["archive.unzip"](str(base / "w" / "out.zip"), str(dest), trim_output=1) == \
        ["d/", "List trimmed after 1 files."]
    out = salt["archive.tar"]("-czvf", str(base / "w" / "t.tgz"), sources=["d", "top.txt"], cwd=str(src))
    assert sorted(out) == ["d/", "d/f.txt", "top.txt"]
    assert salt["archive.is_encrypted"](str(base / "w" / "out.zip")) is False


@pytest.fixture
def http_root(tmp_path: pathlib.Path):
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_source_with_hash_file_and_keep_source(base: pathlib.Path, http_root) -> None:
    root, url = http_root
    data = archive_bytes("tar.gz", APP)
    (root / "app-1.0.tar.gz").write_bytes(data)
    (root / "SHA256SUMS").write_text(f"{'0' * 64}  other.tar.gz\n{hashlib.sha256(data).hexdigest()}  app-1.0.tar.gz\n")
    args = {"name": str(base / "w" / "opt"), "source": f"{url}/app-1.0.tar.gz", "source_hash": f"{url}/SHA256SUMS",
            "keep_source": False}
    test = run_state(base, "archive.extracted", args, {}, True)
    assert test["result"] is None and "would be cached (if necessary)" in test["comment"]
    done = run_state(base, "archive.extracted", args, {}, False)
    assert done["result"] is True and "app/sub/b.txt" in done["changes"]["extracted_files"], done
    assert (base / "w" / "opt" / "app" / "a.txt").read_text() == "a"
    assert not list((base / "cache").rglob("app-1.0.tar.gz"))  # keep_source: False
    bad = dict(args, source_hash="sha256=" + "1" * 64, name=str(base / "w" / "opt2"))
    failed = run_state(base, "archive.extracted", bad, {}, False)
    assert failed["result"] is False and "does not match" in failed["comment"]
    assert not (base / "w" / "opt2").exists()


def test_user_and_group_ownership(base: pathlib.Path) -> None:
    user = f"salarc{uuid.uuid4().hex[:8]}"
    subprocess.run(["useradd", "-M", "-d", "/nonexistent", user], check=True, capture_output=True)
    try:
        (base / "srv" / "app.tar.gz").write_bytes(archive_bytes("tar.gz", APP))
        args = {"name": str(base / "w" / "opt"), "source": "salt://app.tar.gz", "user": user, "group": user}
        done = run_state(base, "archive.extracted", args, {}, False)
        uid = pwd.getpwnam(user).pw_uid
        assert done["result"] is True and done["changes"]["updated ownership"] is True
        assert {os.lstat(p).st_uid for p in (base / "w" / "opt" / "app").rglob("*")} == {uid}
        os.lchown(base / "w" / "opt" / "app" / "sub" / "b.txt", 0, 0)
        test = run_state(base, "archive.extracted", args, {}, True)
        assert test == {"result": None, "changes": {"updated ownership": True},
                        "comment": "All files in archive are already present. Ownership would be updated on one "
                                   "or more files/directories."}
        fixed = run_state(base, "archive.extracted", args, {}, False)
        assert fixed["changes"] == {"updated ownership": True}
        assert os.lstat(base / "w" / "opt" / "app" / "sub" / "b.txt").st_uid == uid
        assert run_state(base, "archive.extracted", args, {}, False)["changes"] == {}
        missing = run_state(base, "archive.extracted", dict(args, user="no-such-user-x"), {}, False)
        assert missing == {"result": False, "changes": {}, "comment": "User no-such-user-x does not exist"}
    finally:
        subprocess.run(["userdel", user], capture_output=True, check=False)


def test_source_hash_update_re_extracts_a_changed_archive(base: pathlib.Path) -> None:
    archive = base / "srv" / "app.tar.gz"
    dest = base / "w" / "dest"

    def args(version: str) -> dict:
        data = archive_bytes("tar.gz", {"app/": {}, "app/v.txt": version})
        archive.write_bytes(data)
        return {"name": str(dest), "source": str(archive), "source_hash": f"sha256={hashlib.sha256(data).hexdigest()}",
                "source_hash_update": True}

    first = run_state(base, "archive.extracted", args("1"), {}, False)
    assert first["result"] is True and first["changes"]["extracted_files"] == ["app", "app/v.txt"]
    assert run_state(base, "archive.extracted", args("1"), {}, False) == {
        "result": True, "changes": {}, "comment": "All files in archive are already present"}
    new = args("2")
    test = run_state(base, "archive.extracted", new, {}, True)
    assert test == {"result": None, "changes": {}, "comment": f"Archive {archive} would be extracted to {dest}/, "
                    "due to source_hash update"}  # Salt's wording (3007)
    done = run_state(base, "archive.extracted", new, {}, False)  # Salt's test run would have hidden this one
    assert done["comment"] == f"{archive} extracted to {dest}/, due to source_hash update. Output was trimmed to " \
        "False number of lines"
    assert (dest / "app" / "v.txt").read_text() == "2"
    assert run_state(base, "archive.extracted", new, {}, False)["changes"] == {}
    skipped = run_state(base, "archive.extracted", dict(new, skip_files_list_verify=True, source_hash_update=False),
                        {}, False)
    assert skipped["comment"].endswith("skip_files_list_verify argument was set to True. Extraction is not needed")


def test_signature_requested_is_never_skipped(base: pathlib.Path) -> None:
    (base / "srv" / "app.tar.gz").write_bytes(archive_bytes("tar.gz", APP))
    out = run_state(base, "archive.extracted", {"name": str(base / "w" / "d"), "source": "salt://app.tar.gz",
                                                "signature": "salt://app.tar.gz.asc"}, {}, False)
    assert out == {"result": False, "changes": {},
                   "comment": "Cannot verify signatures because the gpg module was not loaded"}
    assert not (base / "w" / "d").exists()
