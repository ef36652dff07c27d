"""The generated tree of every buildable example is committed under tests/golden/<example> and compared byte
for byte; tests/generator/test_generated_service.py runs the same files (the golden output is also run).

Refresh with ``BE_UPDATE_GOLDEN=1 pytest tests/generator/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys

import pytest

from backend_engineer.engines.deterministic.engine import render_service
from backend_engineer.intake.gate import run_intake
from tests.conftest import EXAMPLES, ROOT
from tests.generator.conftest import BUILDABLE, INTAKE_BLOCKED, Generated
from tests.generator.support import run, write_tree

GOLDEN = ROOT / "tests" / "golden"


RENDER_DIGESTS = """
import hashlib, json, sys
from backend_engineer.engines.deterministic.engine import render_service
from backend_engineer.spec.bundle import load_bundle
files = render_service(load_bundle(sys.argv[1]).bundle)
print(json.dumps({p: hashlib.sha256(c).hexdigest() for p, c in files.items()}))
"""


@pytest.mark.parametrize("example", BUILDABLE)
def test_rendering_is_deterministic(generated: Generated, example: str) -> None:
    """The same files in this process and in processes with other string-hash seeds (set order differs)."""
    _report, bundle = run_intake(EXAMPLES / example)
    assert bundle is not None
    files = generated.files(example)
    assert render_service(bundle) == files
    expected = {p: hashlib.sha256(c).hexdigest() for p, c in files.items()}
    for seed in ("1", "2"):
        other = run([sys.executable, "-c", RENDER_DIGESTS, str(EXAMPLES / example)], ROOT, {"PYTHONHASHSEED": seed})
        assert other.returncode == 0, other.stderr[-2000:]
        digests = json.loads(other.stdout)
        assert digests == expected, sorted(p for p in expected if digests.get(p) != expected[p])


@pytest.mark.parametrize("example", BUILDABLE)
def test_generated_tree_matches_the_golden_copy(generated: Generated, example: str) -> None:
    files = generated.files(example)
    golden = GOLDEN / example
    if os.environ.get("BE_UPDATE_GOLDEN") == "1":
        shutil.rmtree(golden, ignore_errors=True)
        write_tree(files, golden)
    on_disk = {p.relative_to(golden).as_posix(): p.read_bytes() for p in golden.rglob("*") if p.is_file()}
    assert sorted(on_disk) == sorted(files), "files added or removed: refresh with BE_UPDATE_GOLDEN=1"
    changed = [p for p in files if on_disk[p] != files[p]]
    assert not changed, f"generated files differ from tests/golden/{example}: {changed[:10]}"


@pytest.mark.parametrize("example", BUILDABLE)
def test_the_lock_copies_the_bundle(generated: Generated, example: str) -> None:
    files = generated.files(example)
    for source in sorted((EXAMPLES / example).glob("*.yaml")):
        assert files[f".backend-engineer/bundle/{source.name}"] == source.read_bytes()
    assert (GOLDEN / example / ".backend-engineer" / "manifest.json").is_file()


def test_every_example_is_either_buildable_or_blocked_by_intake() -> None:
    for name in INTAKE_BLOCKED:
        report, _ = run_intake(EXAMPLES / name)
        assert not report.ok and report.blockers, f"{name} is meant to be blocked by the intake gate"
    assert sorted(p.name for p in GOLDEN.iterdir() if p.is_dir()) == sorted(BUILDABLE), "one golden tree per example"
