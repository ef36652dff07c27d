"""Session-wide generated services: each buildable example is rendered once and written once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_engineer.engines.deterministic.engine import render_service
from backend_engineer.intake.gate import run_intake
from tests.conftest import EXAMPLES
from tests.generator.support import write_tree

INTAKE_BLOCKED = ("incomplete-notes",)
"""Examples that exist to show the intake gate refusing a bundle; nothing is generated from them."""
BUILDABLE = tuple(sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and p.name not in INTAKE_BLOCKED))


class Generated:
    """Renders an example on first use and keeps its files and its written service for the session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, dict[str, bytes]] = {}
        self._dirs: dict[str, Path] = {}

    def files(self, name: str) -> dict[str, bytes]:
        if name not in self._files:
            report, bundle = run_intake(EXAMPLES / name)
            assert report.ok and bundle is not None, [i.message for i in report.blockers]
            self._files[name] = render_service(bundle)
        return self._files[name]

    def service(self, name: str) -> Path:
        if name not in self._dirs:
            self._dirs[name] = write_tree(self.files(name), self.root / name)
        return self._dirs[name]


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return Generated(tmp_path_factory.mktemp("generated"))
