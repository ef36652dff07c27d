from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.intake.gate import run_intake
from tests.conftest import EXAMPLES

runner = CliRunner()

EXPECTED_INCOMPLETE = {
    ("perf.yaml", "", "PerfTargets: the whole input is missing"),
    ("ops.yaml", "", "OpsGuides: the whole input is missing"),
    ("datamodel.yaml", "entities.Note", "`Note` has no retention rule"),
    ("datamodel.yaml", "entities.Note.fields.owner_email", "has no PII classification although its type is email"),
    ("security.yaml", "authorization.operations", "no permission is mapped for the operation `shareNote`"),
    ("security.yaml", "authorization", "names no default (deny must be explicit)"),
    ("openapi.yaml", "paths./v1/notes.post", "`createNote` is a mutating operation without an Idempotency-Key"),
    (
        "openapi.yaml",
        "paths./v1/notes/{note_id}/share.post",
        "`shareNote` is a mutating operation without an Idempotency-Key",
    ),
    ("openapi.yaml", "paths./v1/notes.get", "`listNotes` has no pagination parameters"),
    ("techspec.yaml", "port", "no port is configured"),
}


def test_incomplete_notes_reports_every_readme_item() -> None:
    report, _ = run_intake(EXAMPLES / "incomplete-notes")
    assert not report.ok
    found = {(i.file, i.path, i.message) for i in report.blockers}
    for file, path, fragment in EXPECTED_INCOMPLETE:
        assert any(f == file and p == path and fragment in m for f, p, m in found), (file, path, fragment)
    assert len(report.blockers) == len(EXPECTED_INCOMPLETE)
    assert all(i.options for i in report.items), "every item offers at least one safe option"


def test_items_carry_yaml_lines() -> None:
    report, _ = run_intake(EXAMPLES / "incomplete-notes")
    by_msg = {i.message: i for i in report.items}
    share = next(i for m, i in by_msg.items() if "`shareNote` is a mutating" in m)
    text = (EXAMPLES / "incomplete-notes" / "openapi.yaml").read_text().splitlines()
    assert text[share.line - 1].strip() == "post:"
    assert text[share.line - 2].strip().startswith("/v1/notes/{note_id}/share")


def test_complete_bundles_report_nothing() -> None:
    for name in ("projects-saas", "projects-saas-v2"):
        report, bundle = run_intake(EXAMPLES / name)
        assert report.ok and report.items == [], [i.message for i in report.items]
        assert bundle is not None


def test_cli_markdown_and_json_and_exit_code() -> None:
    md = runner.invoke(app, ["intake", str(EXAMPLES / "incomplete-notes")])
    assert md.exit_code == 3
    assert "[BLOCKER]" in md.output and "option:" in md.output and "## PerfTargets" in md.output
    js = runner.invoke(app, ["intake", str(EXAMPLES / "incomplete-notes"), "--json"])
    assert js.exit_code == 3
    data = json.loads(js.output)
    assert data["status"] == "incomplete" and data["blockers"] == len(EXPECTED_INCOMPLETE)
    ok = runner.invoke(app, ["intake", str(EXAMPLES / "projects-saas"), "--json"])
    assert ok.exit_code == 0 and json.loads(ok.output)["status"] == "complete"


def test_contradictions_are_reported(tmp_path: Path) -> None:
    bundle = tmp_path / "b"
    shutil.copytree(EXAMPLES / "projects-saas", bundle)
    sec = bundle / "security.yaml"
    text = sec.read_text().replace("tenancy:\n  claim: tenant_id", "tenancy:\n  claim: org_id")
    text = text.replace(
        "    deleteWebhook: webhook:delete\n",
        "    deleteWebhook: webhook:delete\n    archiveEverything: project:delete\n",
    )
    text = text.replace("  default: deny", "  default: allow")
    sec.write_text(text)
    perf = bundle / "perf.yaml"
    perf.write_text(perf.read_text().replace("max_limit: 200", "max_limit: 100"))
    report, _ = run_intake(bundle)
    messages = " | ".join(i.message for i in report.blockers)
    assert "differs from authentication.claims.tenant" in messages
    assert "`archiveEverything`, which openapi.yaml does not define" in messages
    assert "contradicts deny-by-default" in messages
    assert "allows limit up to 200 but perf.yaml pagination.max_limit is 100" in messages
    assert all(i.kind == "contradictory" for i in report.blockers)
