"""design --refine proposes BE1xx fixes as a diff; only accepted changes are written, atomically."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from backend_engineer.design.service import DesignError, refine
from backend_engineer.findings import Severity
from backend_engineer.intake.gate import run_intake
from backend_engineer.verify.openapi_lint.engine import lint_file
from tests.conftest import EXAMPLES
from tests.design.support import media_types, resolve


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / "incomplete-notes", tmp_path / "notes"))


def _codes(path: Path, at_least: Severity = Severity.MINOR) -> set[str]:
    return {f.code for f in lint_file(path) if f.severity >= at_least}


def test_proposal_writes_nothing_and_cites_a_rule_per_change(notes: Path) -> None:
    before = (notes / "openapi.yaml").read_text()
    result = refine(notes)
    assert not result.written and (notes / "openapi.yaml").read_text() == before
    codes = {c.code for c in result.changes}
    assert {"BE102", "BE104", "BE105", "BE107", "BE108"} <= codes
    for change in result.changes:
        assert change.fixes.startswith(change.code) and change.id.startswith(change.code + "-")
        assert result.diffs[change.id].startswith("--- a/openapi.yaml")
    assert result.major_findings == []  # the whole proposal clears every major finding


def test_accept_all_clears_the_be1xx_blockers_and_the_contract_intake_items(notes: Path) -> None:
    assert _codes(notes / "openapi.yaml", Severity.MAJOR) == {"BE102", "BE104", "BE107"}
    result = refine(notes, accept=["all"])
    assert result.written
    assert _codes(notes / "openapi.yaml", Severity.MINOR) == set()
    report, _ = run_intake(notes)
    assert [i.message for i in report.blockers if i.input == "APIContract"] == []
    # the change to a paged response and the required header are breaking for existing clients
    assert any("Idempotency-Key" in b["message"] for b in result.breaking)


def test_accept_by_rule_code_and_by_change_id(notes: Path) -> None:
    refine(notes, accept=["BE107"])
    assert "BE107" not in _codes(notes / "openapi.yaml") and "BE104" in _codes(notes / "openapi.yaml")
    proposal = refine(notes)
    one = next(c for c in proposal.changes if c.code == "BE102")
    refine(notes, accept=[one.id])
    remaining = refine(notes)
    assert [c.operation for c in remaining.changes if c.code == "BE102"] == [
        c.operation for c in proposal.changes if c.code == "BE102" and c.id != one.id
    ]


def test_unknown_accept_is_an_error_and_the_file_is_untouched(notes: Path) -> None:
    before = (notes / "openapi.yaml").read_text()
    with pytest.raises(DesignError, match="no such change"):
        refine(notes, accept=["BE999"])
    cli = subprocess.run(
        [sys.executable, "-m", "backend_engineer.cli.main", "design", str(notes), "--refine", "--accept", "BE1O4"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert cli.returncode == 2 and "[FAIL]" in cli.stdout
    assert (notes / "openapi.yaml").read_text() == before


def test_cli_prints_each_change_with_its_rule_then_writes_on_accept(notes: Path) -> None:
    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "backend_engineer.cli.main", "design", str(notes), "--refine", *extra],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**__import__("os").environ, "NO_COLOR": "1"},
        )

    shown = run()
    assert shown.returncode == 0 and "[CHANGE BE104-1] listNotes" in shown.stdout
    assert "fixes BE104 list operation without cursor pagination" in shown.stdout
    assert "nothing written" in shown.stdout
    written = run("--accept", "BE102,BE104,BE107")
    assert written.returncode == 0 and "[PASS] wrote" in written.stdout
    assert _codes(notes / "openapi.yaml", Severity.MAJOR) == set()


def test_refine_keeps_untouched_text_and_proposes_nothing_on_a_clean_contract(tmp_path: Path) -> None:
    saas = Path(shutil.copytree(EXAMPLES / "projects-saas", tmp_path / "saas"))
    result = refine(saas)
    assert [c.id for c in result.changes if c.code not in ("BE106", "EXAMPLE")] == []
    notes = Path(shutil.copytree(EXAMPLES / "incomplete-notes", tmp_path / "notes"))
    result = refine(notes, accept=["BE107"])
    removed = [line for line in result.diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert removed == []  # closing bodies only adds lines; flow style and quoting elsewhere are kept


def test_accepted_examples_are_valid_for_their_schemas(notes: Path) -> None:
    result = refine(notes, accept=["all"])
    assert any(c.code == "EXAMPLE" and "house rule" in c.fixes for c in result.changes)
    doc = yaml.safe_load((notes / "openapi.yaml").read_text())
    found = media_types(doc)
    assert found
    for op_id, where, media in found:
        assert "example" in media, (op_id, where)
        schema = dict(resolve(doc, media["schema"]), components=doc["components"])
        errors = [e.message for e in Draft202012Validator(schema).iter_errors(media["example"])]
        assert errors == [], (op_id, where, errors)
    again = refine(notes)
    assert again.changes == []  # a refined contract has nothing left to propose


def test_a_drafted_contract_leaves_the_refiner_nothing_to_propose(tmp_path: Path) -> None:
    from backend_engineer.design.service import design
    from tests.design.support import LIBRARY, bundle_without_contract

    folder = bundle_without_contract(LIBRARY, tmp_path / "lib")
    design(folder)
    assert refine(folder).changes == []
