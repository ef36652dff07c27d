"""End to end on the ledger example: the scripted model implements transferFunds behind its port, verify passes.

Also the negative: a model that writes outside its scope and breaks the rules is refused and reverted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_engineer.engines.deterministic.engine import render_service
from backend_engineer.llm.agent import Budget
from backend_engineer.llm.engine import LlmEngine
from backend_engineer.llm.providers.scripted import ScriptedModel
from backend_engineer.llm.tasks import implement_operation
from backend_engineer.llm.transcript import read
from backend_engineer.spec.bundle import Bundle, load_bundle
from backend_engineer.verify.runner import VerifyOptions, iter_verify
from tests.llm.support import git, head, runner, status
from tests.llm.test_agent import drain

LEDGER = Path(__file__).resolve().parents[2] / "examples" / "ledger"
STUB = "app/custom/operations/transfer_funds.py"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    loaded = load_bundle(LEDGER)
    assert loaded.bundle is not None, loaded.errors
    return loaded.bundle


def service_repo(bundle: Bundle, root: Path) -> Path:
    for rel, content in render_service(bundle).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(content)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "generated")
    return root


def test_ledger_marks_transfer_as_needing_business_logic(bundle: Bundle) -> None:
    proposal = LlmEngine(model=ScriptedModel([])).propose(bundle, None)
    transfer = next(e for e in proposal.endpoints if e.operation_id == "transferFunds")
    assert transfer.status == "needs business logic"
    paths = {f.path: f for f in proposal.files}
    assert paths[STUB].purpose == "implemented by the llm agent: transferFunds"
    assert "tests/custom/test_transfer_funds.py" in paths


def test_scripted_model_implements_transfer_and_verify_passes(bundle: Bundle, tmp_path: Path) -> None:
    repo = service_repo(bundle, tmp_path / "ledger")
    before = head(repo)
    _events, report = drain(
        implement_operation(ScriptedModel("ledger_transfer"), bundle, repo, "transferFunds", runner=runner(repo))
    )
    assert report.status == "completed", (report.deviations, report.validations)
    assert report.files == [STUB, "tests/custom/__init__.py", "tests/custom/test_transfer_funds.py"]
    assert report.validations == ["goal ok; tests ok; lint ok; typecheck ok; migration-check ok"]
    assert not report.refusals
    assert git(repo, "rev-parse", "HEAD~1").strip() == before
    assert (
        git(repo, "log", "-1", "--format=%s %an").strip()
        == "feat(custom): implement transferFunds behind its port Casey (Backend Engineer)"
    )
    assert status(repo) == ""

    options = VerifyOptions(sqlite_only=True, skip=frozenset({"fuzz", "probe", "slo", "dep-scan"}))
    gen = iter_verify(repo, bundle, options)
    _verify_events, verify = drain(gen)
    checks = {c.name: c for c in verify.checks}
    assert checks["tests"].status == "passed", checks["tests"].summary
    assert checks["tests"].details["passed"] >= 36  # the generated suite plus the six transfer tests
    assert checks["openapi-lint"].status == "passed"
    assert checks["migrations"].status == "passed"
    assert checks["lint"].status == "passed", [f.title for f in checks["lint"].findings]
    assert not [f for f in checks["lint"].findings if f.path.startswith(("app/custom", "tests/custom"))]


def test_rogue_model_is_refused_then_reverted(bundle: Bundle, tmp_path: Path) -> None:
    repo = service_repo(bundle, tmp_path / "ledger")
    before = head(repo)
    stub = (repo / STUB).read_text()
    _events, report = drain(
        implement_operation(
            ScriptedModel("ledger_transfer_rogue"),
            bundle,
            repo,
            "transferFunds",
            Budget(max_corrections=1),
            runner=runner(repo),
        )
    )
    assert report.status == "reverted"
    assert len(report.refusals) == 2
    assert "migrations/versions/0002_overdraft.py: forbidden path" in report.refusals[0]
    assert "app/entrypoints/api/routes.py: outside the owned paths" in report.refusals[1]
    assert len(report.validations) == 2
    assert all(v.startswith("goal ok; tests FAILED\ntests: failed") for v in report.validations), report.validations
    assert "validation still failed after 1 self-correction(s)" in report.deviations[0]
    assert head(repo) == before and status(repo) == ""
    assert (repo / STUB).read_text() == stub
    assert not (repo / "migrations/versions/0002_overdraft.py").exists()
    assert "transferFunds" in (repo / "app/entrypoints/api/routes.py").read_text()


def test_engine_render_fills_the_port_for_the_workflow(bundle: Bundle, tmp_path: Path) -> None:
    engine = LlmEngine(model=ScriptedModel("ledger_transfer"), budget=Budget(max_steps=10), transcript_dir=tmp_path)
    assert engine.check_support(bundle) == []
    proposal = engine.propose(bundle, None)
    files = engine.render(bundle, proposal, None)
    assert set(files) == {f.path for f in proposal.files}
    assert b"class InsufficientFunds(Conflict)" in files[STUB]
    assert b"def test_insufficient_funds_changes_nothing" in files["tests/custom/test_transfer_funds.py"]
    assert engine.deviations == [] and engine.reports[0].status == "completed"
    assert any(e.status.value == "ok" and "committed" in e.message for e in engine.events)
    records = read(tmp_path / "transferFunds.jsonl")
    assert records[0]["operation"] == "transferFunds" and records[-1]["report"]["status"] == "completed"
    assert engine.usage()["model_turns"] == engine.reports[0].steps == len(records) - 2


def test_engine_without_a_model_refuses_with_the_fix(bundle: Bundle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BE_LLM_PROVIDER", raising=False)
    refusals = LlmEngine().check_support(bundle)
    assert [r.field for r in refusals] == ["BE_LLM_PROVIDER"]
