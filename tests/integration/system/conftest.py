"""Fixtures for tests against real system components (apt/dpkg, init.d services, dockerd)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from saline.loader import Context, reset_cache

from tests.support.aptrepo import AptRepo


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.fail(f"required tools missing on this machine: {', '.join(missing)} (see .ci/run)")


@pytest.fixture
def apt_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AptRepo]:
    """A private offline apt repository with saline-test-hello 1.0 and 2.0 and a dependent package;
    apt is pointed at it alone through APT_CONFIG. Built packages are purged afterwards."""
    _need("dpkg-deb", "dpkg-scanpackages", "apt-get")
    repo = AptRepo(tmp_path / "apt")
    repo.add("saline-test-hello", "1.0")
    repo.add("saline-test-hello", "2.0")
    repo.add("saline-test-dep", "1.0", depends="saline-test-hello")
    repo.index()
    for key, value in repo.env.items():
        monkeypatch.setenv(key, value)
    repo.cleanup()
    try:
        yield repo
    finally:
        repo.cleanup()


@pytest.fixture
def debian_ctx(tmp_path: Path) -> Iterator[Context]:
    """A context with real grains of this (Debian) host, as saline-call builds it."""
    reset_cache()
    opts = {"id": "test", "file_client": "local", "cachedir": str(tmp_path / "cache"),
            "file_roots": {"base": [str(tmp_path / "srv")]}, "pillar": {}, "test": False}
    os.makedirs(opts["cachedir"], exist_ok=True)
    yield Context(opts, grains_loader=lambda: {"os_family": "Debian", "os": "Debian", "id": "test"})
    reset_cache()
