"""Missing inputs become a ClarificationRequest naming file and field, before any code is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from backend_engineer.llm import clarify
from backend_engineer.spec.bundle import load_bundle

LEDGER = Path(__file__).resolve().parents[2] / "examples" / "ledger"


def test_complete_operation_needs_nothing() -> None:
    bundle = load_bundle(LEDGER).bundle
    assert bundle is not None
    assert not clarify.for_operation(bundle, "transferFunds")


def test_operation_without_rules_or_permission_is_asked_about(tmp_path: Path) -> None:
    copy = shutil.copytree(LEDGER, tmp_path / "ledger")
    api = yaml.safe_load((copy / "openapi.yaml").read_text())
    del api["paths"]["/v1/transfers"]["post"]["description"]
    (copy / "openapi.yaml").write_text(yaml.safe_dump(api, sort_keys=False))
    sec = yaml.safe_load((copy / "security.yaml").read_text())
    del sec["authorization"]["operations"]["transferFunds"]
    (copy / "security.yaml").write_text(yaml.safe_dump(sec, sort_keys=False))
    bundle = load_bundle(copy).bundle
    assert bundle is not None
    request = clarify.for_operation(bundle, "transferFunds")
    assert [(i.file, i.field) for i in request.items] == [
        ("openapi.yaml", "paths./v1/transfers.post.description"),
        ("security.yaml", "authorization.operations.transferFunds"),
    ]
    assert "which permission guards it?" in request.render()


def test_change_requests(tmp_path: Path) -> None:
    repo = tmp_path / "svc"
    shutil.copytree(LEDGER, repo / ".backend-engineer" / "bundle")
    assert not clarify.for_change("add last_login_at to accounts", repo)
    assert not clarify.for_change("add nickname (string) to Account", repo)
    typed = clarify.for_change("add nickname to accounts", repo)
    assert [i.field for i in typed.items] == ["entities.<accounts>.fields.nickname.type"]
    unknown = clarify.for_change("add last_login_at to users", repo)
    assert unknown.items[0].field == "entities" and "Account" in unknown.items[0].question
    backfill = clarify.for_change("add is_frozen to accounts, required", repo)
    assert backfill.items[0].field.endswith("is_frozen.backfill")
    assert clarify.for_change("fix it", repo).items[0].field == "request"
