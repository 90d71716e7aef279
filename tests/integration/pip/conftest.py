"""One virtualenv and one wheel directory for all pip tests (building a virtualenv takes seconds);
every test that uses it starts with the test packages removed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.pip.scenario import World


@pytest.fixture(scope="session")
def pip_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield World(tmp_path_factory.mktemp("pipworld"))
