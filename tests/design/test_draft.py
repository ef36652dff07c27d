"""design drafts a contract from datamodel/techspec/security/company.config that lint and the engine accept."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from backend_engineer.design.service import DesignError, design
from backend_engineer.engines.deterministic.ir import build_ir
from backend_engineer.intake.gate import run_intake
from backend_engineer.spec.bundle import load_bundle
from tests.conftest import EXAMPLES
from tests.design.support import LIBRARY, bundle_without_contract, media_types, resolve, saas_without_contract


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend_engineer.cli.main", *args],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "NO_COLOR": "1"},
        timeout=120,
        check=False,
    )


@pytest.fixture(params=["projects-saas", "library"])
def drafted(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    source = EXAMPLES / "projects-saas" if request.param == "projects-saas" else LIBRARY
    folder = bundle_without_contract(source, tmp_path / request.param)
    result = design(folder)
    assert result.written and (folder / "openapi.yaml").is_file()
    return folder


def test_draft_is_lint_clean_and_passes_intake(drafted: Path) -> None:
    result = cli("openapi-lint", str(drafted / "openapi.yaml"), "--json")
    findings = json.loads(result.stdout)["findings"]
    assert result.returncode == 0 and findings == [], findings
    report, bundle = run_intake(drafted)
    assert bundle is not None and report.blockers == [], [i.message for i in report.blockers]


def test_every_operation_is_mapped_explicitly_by_the_engine(drafted: Path) -> None:
    bundle = load_bundle(drafted).bundle
    assert bundle is not None and bundle.api is not None and bundle.security is not None
    ir = build_ir(bundle)
    assert ir.unmapped == []
    assert all(not o.inferred for o in ir.operations)
    assert {o.op.operation_id for o in ir.operations} == set(bundle.security.authorization.operations)  # type: ignore[union-attr]
    for o in ir.operations:
        assert o.op.raw["x-permission"] == bundle.security.authorization.operations[o.op.operation_id]  # type: ignore[union-attr]


def test_every_request_and_response_has_a_valid_example(drafted: Path) -> None:
    doc = yaml.safe_load((drafted / "openapi.yaml").read_text())
    found = media_types(doc)
    assert len(found) > 40
    for op_id, where, media in found:
        assert "example" in media, (op_id, where)
        schema = dict(resolve(doc, media["schema"]), components=doc["components"])
        errors = list(Draft202012Validator(schema).iter_errors(media["example"]))
        assert errors == [], (op_id, where, [e.message for e in errors])


def test_relations_nest_collections_and_filters_follow_indexes(tmp_path: Path) -> None:
    folder = saas_without_contract(tmp_path / "saas")
    doc = yaml.safe_load(design(folder).text)
    paths = doc["paths"]
    assert "post" in paths["/v1/projects/{project_id}/tasks"] and "get" in paths["/v1/tasks/{task_id}/comments"]
    assert set(paths["/v1/tasks/{task_id}"]) == {"parameters", "get", "patch", "delete"}
    list_projects = paths["/v1/projects"]["get"]
    names = [p.get("name") or p["$ref"].rsplit("/", 1)[1] for p in list_projects["parameters"]]
    assert names == ["Cursor", "Limit", "status"]
    tasks = paths["/v1/projects/{project_id}/tasks"]["get"]["parameters"]
    assert "assignee_email" not in [p.get("name") for p in tasks]  # PII never goes into a URL
    for item in paths.values():
        for method, op in item.items():
            if method in ("post", "patch", "delete"):
                assert {"$ref": "#/components/parameters/IdempotencyKey"} in op["parameters"]
    assert doc["components"]["parameters"]["Limit"]["schema"]["maximum"] == 200


def test_conventions_drive_prefix_limits_and_idempotency(tmp_path: Path) -> None:
    folder = bundle_without_contract(LIBRARY, tmp_path / "lib")
    config = folder / "company.config.yaml"
    config.write_text(config.read_text().replace("versioning: url", "versioning: header"))
    doc = yaml.safe_load(design(folder).text)
    assert "/branches" in doc["paths"] and not any(p.startswith("/v1") for p in doc["paths"])
    assert doc["components"]["parameters"]["Limit"]["schema"]["maximum"] == 100  # perf.yaml max_limit


def test_draft_is_deterministic_and_never_overwrites(tmp_path: Path) -> None:
    folder = saas_without_contract(tmp_path / "saas")
    first = design(folder).text
    assert design(folder, write=False).text == first
    with pytest.raises(DesignError, match="already exists"):
        design(folder)
    refused = cli("design", str(folder))
    assert refused.returncode == 2 and "[FAIL]" in refused.stdout and "--refine" in refused.stdout
    assert (folder / "openapi.yaml").read_text() == first
    assert not [p for p in folder.iterdir() if p.name.startswith(".openapi")]


def test_cli_json_and_missing_data_model(tmp_path: Path) -> None:
    folder = bundle_without_contract(LIBRARY, tmp_path / "lib")
    result = cli("design", str(folder), "--out", str(tmp_path / "api.yaml"), "--json")
    data: dict[str, Any] = json.loads(result.stdout)
    assert result.returncode == 0 and data["written"] and data["major_findings"] == 0
    (folder / "datamodel.yaml").unlink()
    missing = cli("design", str(folder), "--out", str(tmp_path / "other.yaml"))
    assert missing.returncode == 2 and "datamodel.yaml" in missing.stdout
    assert "Traceback" not in missing.stdout + missing.stderr


@pytest.mark.parametrize("example", ["projects-saas", "projects-saas-v2", "ledger", "incomplete-notes"])
def test_redesign_of_every_example_is_lint_clean(example: str, tmp_path: Path) -> None:
    result = design(EXAMPLES / example, tmp_path / "openapi.yaml", write=False)
    assert result.major_findings == [], [f.title for f in result.major_findings]
    if example == "ledger":
        assert result.kept == ["transferFunds"]
    if example == "projects-saas-v2":
        assert result.kept == ["attachLabel", "detachLabel"]


def test_breaking_changes_against_the_previous_contract_are_flagged(tmp_path: Path) -> None:
    result = design(EXAMPLES / "projects-saas", tmp_path / "openapi.yaml", write=False)
    # the drafted webhook paths follow the table name, so the old /v1/webhooks operations are gone
    removed = [b for b in result.breaking if "webhooks" in b["message"] or "Webhook" in b["message"]]
    assert removed and all(b["level"] == "blocker" for b in result.breaking)
    assert all("--accept-breaking" in " ".join(b["options"]) for b in result.breaking)


def test_top_level_nesting_puts_the_parent_in_the_body_and_says_the_engine_cannot_build_it(tmp_path: Path) -> None:
    folder = saas_without_contract(tmp_path / "saas")
    config = folder / "company.config.yaml"
    config.write_text(config.read_text().replace("  pagination: cursor", "  nesting: top-level\n  pagination: cursor"))
    result = design(folder)
    doc = yaml.safe_load(result.text)
    assert {"/v1/tasks", "/v1/comments"} <= set(doc["paths"]) and "/v1/projects/{project_id}/tasks" not in doc["paths"]
    create = doc["components"]["schemas"]["TaskCreate"]
    assert "project_id" in create["required"] and "project_id" not in doc["components"]["schemas"]["TaskUpdate"]
    assert result.major_findings == [] and result.lint == []
    assert any("cannot build this shape" in n for n in result.notes)
    bad = folder / "company.config.yaml"
    bad.write_text(bad.read_text().replace("nesting: top-level", "nesting: sideways"))
    with pytest.raises(DesignError, match="nesting"):
        design(folder, tmp_path / "x.yaml")


def test_gaps_in_the_role_matrix_are_drafted_conventionally_and_reported(tmp_path: Path) -> None:
    folder = bundle_without_contract(LIBRARY, tmp_path / "lib")
    security = folder / "security.yaml"
    kept = [line for line in security.read_text().splitlines() if not re.match(r"\s+\w+Members?: member:", line)]
    security.write_text("\n".join(kept) + "\n")
    result = design(folder, write=False)
    doc = yaml.safe_load(result.text)
    ids = {op["operationId"] for item in doc["paths"].values() for m, op in item.items() if m != "parameters"}
    assert {"listMembers", "createMember", "getMember", "updateMember", "deleteMember"} <= ids
    assert any(
        n.startswith("Member: security.yaml maps no operation") and "getMember: member:read" in n for n in result.notes
    )
    ledger = bundle_without_contract(EXAMPLES / "ledger", tmp_path / "ledger")
    drafted = design(ledger, write=False)
    assert drafted.kept == [] and any(n.startswith("transferFunds: named in security.yaml") for n in drafted.notes)
    assert "transferFunds" not in drafted.text
