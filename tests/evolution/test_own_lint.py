"""Every generated file, migrations included, passes the service's own ruff, ruff format, mypy and our review.

Every buildable example is built once (v1); projects-saas is then evolved to projects-saas-v2 (v2), whose
migrations are written by the evolution engine rather than the initial renderer.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from backend_engineer.review.engine import review_path
from backend_engineer.workflow.build import BuildOptions, BuildResult, iter_build
from tests.conftest import EXAMPLES
from tests.generator.support import BIN, run

MARKER = re.compile(r"#\s*backend-engineer:\s*ignore\[([A-Z0-9, ]+)\]")
# review rules that have a ruff twin: a suppression of one must carry the other, or review and lint disagree
TWINS = {"BE303": "S608", "BE306": "S105"}


def _build(bundle: Path, out: Path, runs: Path) -> BuildResult:
    gen = iter_build(bundle, out, approve_answer="yes", options=BuildOptions(verify=False, review=False, runs=runs))
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        result: BuildResult = stop.value
    assert result.exit_code == 0, result.message
    return result


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("lint")
    out: dict[str, Path] = {}
    buildable = sorted(p for p in EXAMPLES.iterdir() if (p / "perf.yaml").is_file() and not p.name.endswith("-v2"))
    for bundle in buildable:
        _build(bundle, root / bundle.name, root / "runs")
        out[f"{bundle.name} v1"] = root / bundle.name
    shutil.copytree(root / "projects-saas", root / "projects-saas-v2", symlinks=True)
    _build(EXAMPLES / "projects-saas-v2", root / "projects-saas-v2", root / "runs")
    out["projects-saas v2"] = root / "projects-saas-v2"
    return out


def test_the_examples_cover_v1_and_v2(services: dict[str, Path]) -> None:
    assert {"projects-saas v1", "projects-saas v2", "ledger v1"} <= set(services)
    versions = sorted(p.name for p in (services["projects-saas v2"] / "migrations" / "versions").glob("*.py"))
    assert versions[0].startswith("0001_") and len(versions) >= 2, versions


@pytest.mark.parametrize("name", ["projects-saas v1", "projects-saas v2", "ledger v1"])
def test_generated_service_passes_its_own_lint(services: dict[str, Path], name: str) -> None:
    service = services[name]
    ruff = run([str(BIN / "ruff"), "check", "--no-cache", "."], service)
    assert ruff.returncode == 0, f"{name}: {ruff.stdout}"
    fmt = run([str(BIN / "ruff"), "format", "--check", "--no-cache", "."], service)
    assert fmt.returncode == 0, f"{name}: {fmt.stdout}"
    migrations = sorted(str(p.relative_to(service)) for p in (service / "migrations").rglob("*.py"))
    mypy = run([sys.executable, "-m", "mypy", "--no-incremental", "app", "tests", *migrations], service)
    assert mypy.returncode == 0, f"{name}: {mypy.stdout}"
    report = review_path(service)
    assert report.findings == [] and report.status == "ready", f"{name}: {[f.to_dict() for f in report.findings]}"


@pytest.mark.parametrize("name", ["projects-saas v1", "projects-saas v2", "ledger v1"])
def test_review_suppressions_agree_with_lint(services: dict[str, Path], name: str) -> None:
    disagreements = []
    for path in sorted(services[name].rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = MARKER.search(line)
            codes = [c.strip() for c in match.group(1).split(",")] if match else []
            for code in codes:
                twin = TWINS.get(code)
                if twin and f"noqa: {twin}" not in line:
                    disagreements.append(f"{path.relative_to(services[name])}:{number}: {code} without noqa: {twin}")
    assert disagreements == []
