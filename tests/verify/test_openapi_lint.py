"""Each BE1xx rule flags its planted defects, stays silent on the clean fixture, and matches its snapshot.

Refresh snapshots with ``BE_UPDATE_SNAPSHOTS=1``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.verify.openapi_lint.engine import lint_file, lint_text
from backend_engineer.verify.openapi_lint.rules import RULES
from tests.conftest import EXAMPLES

FIXTURES = Path(__file__).parent / "fixtures" / "openapi"
CODES = [rule.CODE for rule in RULES]


def _snapshot(findings: list, name: Path) -> list[dict]:
    rows = [
        {"code": f.code, "severity": f.severity.label, "line": f.line, "title": f.title, "evidence": f.evidence}
        for f in findings
    ]
    if os.environ.get("BE_UPDATE_SNAPSHOTS") == "1":
        name.write_text(json.dumps(rows, indent=2) + "\n")
    return rows


@pytest.mark.parametrize("code", CODES)
def test_rule_flags_errors_and_matches_snapshot(code: str) -> None:
    findings = [f for f in lint_file(FIXTURES / code / "errors.yaml", public=["healthz"]) if f.code == code]
    assert findings, f"{code} found nothing in its errors fixture"
    snapshot = FIXTURES / code / "snapshot.json"
    rows = _snapshot(findings, snapshot)
    assert rows == json.loads(snapshot.read_text())


@pytest.mark.parametrize("code", CODES)
def test_rule_is_silent_on_ok(code: str) -> None:
    assert [f for f in lint_file(FIXTURES / code / "ok.yaml", public=["healthz"]) if f.code == code] == []


def test_clean_base_has_no_findings_at_all() -> None:
    assert lint_file(FIXTURES / "base_ok.yaml", public=["healthz"]) == []


def test_incomplete_notes_flags_idempotency_and_pagination() -> None:
    findings = lint_file(EXAMPLES / "incomplete-notes" / "openapi.yaml")
    flagged = {(f.code, f.title.split(":")[0]) for f in findings}
    assert ("BE102", "createNote") in flagged and ("BE102", "shareNote") in flagged
    assert ("BE104", "listNotes") in flagged


def test_projects_saas_has_no_major_findings() -> None:
    findings = lint_file(EXAMPLES / "projects-saas" / "openapi.yaml")
    assert [f for f in findings if f.severity >= 2] == []


def test_dangling_ref_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    bad = tmp_path / "openapi.yaml"
    bad.write_text((FIXTURES / "base_ok.yaml").read_text().replace("#/components/schemas/ItemPage", "#/nope/Gone"))
    findings = lint_file(bad)
    assert [f.code for f in findings] == ["BE100"] and findings[0].line > 0 and "Gone" in findings[0].title


def test_findings_are_sorted_by_severity_then_place() -> None:
    findings = lint_file(EXAMPLES / "incomplete-notes" / "openapi.yaml")
    assert findings == sorted(findings, key=lambda f: f.sort_key())


def test_cli_exit_codes_and_json(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["openapi-lint", str(EXAMPLES / "incomplete-notes" / "openapi.yaml"), "--json"])
    assert bad.exit_code == 1
    data = json.loads(bad.output)
    assert data["findings"] and data["findings"][0]["severity"] == "major"
    ok = runner.invoke(app, ["openapi-lint", str(EXAMPLES / "projects-saas" / "openapi.yaml")])
    assert ok.exit_code == 0, ok.output
    missing = runner.invoke(app, ["openapi-lint", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 2 and "Traceback" not in missing.output


def test_validates_3_0_and_3_1_with_the_matching_schema() -> None:
    base = (FIXTURES / "base_ok.yaml").read_text()
    as_30 = lint_text(base.replace("openapi: 3.1.0", "openapi: 3.0.3"), "a.yaml", ["healthz"])
    assert [f.code for f in as_30] == ["BE100"], "3.1-only `type: [..., null]` must fail the 3.0 schema"
    assert lint_text(base, "a.yaml", ["healthz"]) == []
    for version in ("3.0.3", "3.1.0"):
        bad = base.replace("openapi: 3.1.0", f"openapi: {version}").replace("in: query", "in: body", 1)
        flagged = [f for f in lint_text(bad, "a.yaml", ["healthz"]) if f.code == "BE100" and "body" in f.title]
        assert flagged and flagged[0].line == 19, (version, flagged)
