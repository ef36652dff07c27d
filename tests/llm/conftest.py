from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.llm.fake_server import FakeModelServer, running
from tests.llm.support import make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


@pytest.fixture
def fake() -> Iterator[FakeModelServer]:
    with running() as server:
        yield server
