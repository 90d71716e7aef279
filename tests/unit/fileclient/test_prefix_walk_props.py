"""Listing with a prefix walks only the prefix's folder: it must list exactly what a full listing
filtered by the prefix lists (files and directories)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from saline.fileclient_local import RootsFileClient, normalize_relpath

SEGMENT = st.sampled_from(["a", "b", "_modules", "ab", "x.sls"])
PATHS = st.lists(st.lists(SEGMENT, min_size=1, max_size=3).map("/".join), min_size=1, max_size=8)
PREFIX = st.lists(st.sampled_from(["a", "b", "_modules", "ab", "x", "/", "_mod"]), max_size=4).map("".join)


@settings(max_examples=120, deadline=None)
@given(PATHS, PREFIX)
def test_prefix_listing_equals_filtered_full_listing(paths: list[str], prefix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel in paths:
            target = root / rel
            if any(p.is_file() for p in target.parents if p != root and p.is_relative_to(root)):
                continue  # a file already holds that name
            if target.is_dir():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("x")
        client = RootsFileClient({"file_roots": {"base": [str(root)]}})
        if prefix.startswith("/") or "//" in prefix or ".." in prefix:
            return
        every_file, every_dir = client.list_files("base"), client.list_dirs("base")
        wanted = normalize_relpath(prefix) if prefix else ""  # the client normalises the prefix first
        assert client.list_files("base", prefix) == [f for f in every_file if f.startswith(wanted)]
        assert client.list_dirs("base", prefix) == [d for d in every_dir if d.startswith(wanted)]
