"""The generated tree for projects-saas is committed under tests/golden and compared byte for byte.

Refresh it with ``BE_UPDATE_GOLDEN=1 pytest tests/generator/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from backend_engineer.engines.deterministic.engine import render_service
from backend_engineer.spec.bundle import load_bundle
from tests.conftest import EXAMPLES, ROOT
from tests.generator.support import write_tree

GOLDEN = ROOT / "tests" / "golden" / "projects-saas"


def _rendered() -> dict[str, bytes]:
    bundle = load_bundle(EXAMPLES / "projects-saas").bundle
    assert bundle is not None
    return render_service(bundle)


def test_rendering_is_deterministic() -> None:
    assert _rendered() == _rendered()


def test_generated_tree_matches_the_golden_copy() -> None:
    files = _rendered()
    if os.environ.get("BE_UPDATE_GOLDEN") == "1":
        shutil.rmtree(GOLDEN, ignore_errors=True)
        write_tree(files, GOLDEN)
    on_disk = {str(p.relative_to(GOLDEN)): p.read_bytes() for p in GOLDEN.rglob("*") if p.is_file()}
    assert sorted(on_disk) == sorted(files), "files added or removed: refresh with BE_UPDATE_GOLDEN=1"
    changed = [p for p in files if on_disk[p] != files[p]]
    assert not changed, f"generated files differ from tests/golden: {changed[:10]}"


def test_the_lock_copies_the_bundle() -> None:
    bundle = load_bundle(EXAMPLES / "projects-saas").bundle
    assert bundle is not None
    files = render_service(bundle)
    for name in ("openapi.yaml", "datamodel.yaml", "security.yaml"):
        assert files[f".backend-engineer/bundle/{name}"] == (EXAMPLES / "projects-saas" / name).read_bytes()
    assert Path(GOLDEN / ".backend-engineer" / "manifest.json").is_file()
