"""A real master + minion (the cluster tests' :class:`Cluster`) and git repositories for gitfs tests."""

from __future__ import annotations

import shutil
import tempfile

import pytest

from tests.integration.cluster.conftest import Cluster


@pytest.fixture
def cluster():
    base = tempfile.mkdtemp(prefix="slg")  # short: ipc socket paths are limited to ~100 characters
    c = Cluster(base)
    try:
        yield c
    finally:
        c.teardown()
        shutil.rmtree(base, ignore_errors=True)
