"""Each BE3xx rule reports exactly the lines marked `# error: [CODE]` and nothing on its ok fixture."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.findings import Severity
from backend_engineer.review.engine import review_path
from backend_engineer.review.report import SCHEMA
from backend_engineer.review.rules import RULES
from tests.conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures"
CODES = [rule.CODE for rule in RULES]
MARK = re.compile(r"#\s*error:\s*\[([A-Z0-9, ]+)\]")


def marked(path: Path, code: str) -> list[int]:
    return [
        i
        for i, line in enumerate(path.read_text().splitlines(), start=1)
        if (m := MARK.search(line)) and code in m.group(1)
    ]


@pytest.mark.parametrize("code", CODES)
def test_rule_reports_exactly_the_marked_lines(code: str) -> None:
    path = FIXTURES / code / "errors.py"
    report = review_path(path, use_ruff=False)
    lines = sorted({f.line for f in report.findings if f.code == code})
    assert lines == marked(path, code)
    snapshot = FIXTURES / code / "snapshot.json"
    rows = [{"line": f.line, "severity": f.severity.label, "title": f.title} for f in report.findings if f.code == code]
    if os.environ.get("BE_UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(json.dumps(rows, indent=2) + "\n")
    assert rows == json.loads(snapshot.read_text())


@pytest.mark.parametrize("code", CODES)
def test_rule_is_silent_on_ok(code: str) -> None:
    report = review_path(FIXTURES / code / "ok.py", use_ruff=False)
    assert [f for f in report.findings if f.code == code] == []


def test_suppression_comment(tmp_path: Path) -> None:
    src = (FIXTURES / "BE303" / "errors.py").read_text()
    path = tmp_path / "x.py"
    path.write_text(src.replace("# error: [BE303]", "# backend-engineer: ignore[BE303]"))
    report = review_path(path, use_ruff=False)
    assert [f for f in report.findings if f.code == "BE303"] == [] and report.suppressed == 4


def test_ruff_results_merge_without_duplicates() -> None:
    report = review_path(FIXTURES / "BE303" / "errors.py")
    sqls = [f for f in report.findings if f.category == "sql-injection"]
    assert {f.code for f in sqls} == {"BE303"}, "ruff S608 on the same lines is merged away"
    merged = review_path(FIXTURES / "BE309" / "errors.py")
    assert any(f.source == "ruff" for f in merged.findings), "ruff findings are included"


def test_generated_service_has_no_major_or_blocker() -> None:
    report = review_path(ROOT / "tests" / "golden" / "projects-saas")
    bad = [(f.code, f.path, f.line, f.title) for f in report.findings if f.severity >= Severity.MAJOR]
    assert bad == [] and report.status == "ready"


def test_report_json_sarif_schema_and_baseline(tmp_path: Path) -> None:
    import jsonschema

    target = FIXTURES / "BE306" / "errors.py"
    report = review_path(target, use_ruff=False)
    data = report.to_dict()
    jsonschema.validate(data, SCHEMA)
    assert data["status"] == "blocked" and data["findings"][0]["severity"] == "blocker"
    sarif = report.to_sarif()
    assert sarif["version"] == "2.1.0" and len(sarif["runs"][0]["results"]) == len(report.findings)
    sarif_schema = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text())
    validator_class = jsonschema.validators.validator_for(sarif_schema)
    validator = validator_class(sarif_schema, format_checker=validator_class.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(sarif)] == []
    broken = json.loads(json.dumps(sarif))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert not validator.is_valid(broken), "the schema must catch an invalid level"
    runner = CliRunner()
    baseline = tmp_path / "baseline.json"
    first = runner.invoke(
        app,
        ["review", str(target), "--no-ruff", "--write-baseline", str(baseline), "--sarif", str(tmp_path / "out.sarif")],
    )
    assert first.exit_code == 1 and (tmp_path / "out.sarif").is_file()
    assert [e.message for e in validator.iter_errors(json.loads((tmp_path / "out.sarif").read_text()))] == []
    second = runner.invoke(app, ["review", str(target), "--no-ruff", "--baseline", str(baseline), "--json"])
    assert second.exit_code == 0 and json.loads(second.output)["findings"] == []
    missing = runner.invoke(app, ["review", str(tmp_path / "nope")])
    assert missing.exit_code == 2
    schema = runner.invoke(app, ["review", "--schema"])
    assert json.loads(schema.output)["title"] == "ReviewFindings"
