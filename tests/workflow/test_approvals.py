from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.runs.ledger import PHRASES, approval_for, classify, phrase_for, read_ledger
from backend_engineer.workflow import api
from tests.conftest import EXAMPLES
from tests.workflow.support import FileEngine

runner = CliRunner()


@pytest.mark.parametrize("answer", ["yes", "YES", "Proceed.", "execute", "yes, proceed", " yes please "])
def test_explicit_answers_approve(answer: str) -> None:
    assert classify(answer) == "approved"


@pytest.mark.parametrize("answer", ["", "y", "ok", "sure", "no", "yesterday", "maybe yes", "go"])
def test_anything_else_declines(answer: str) -> None:
    assert classify(answer) == "declined"


@pytest.mark.parametrize("answer", ["STOP", "halt", "Abort!", "yes... no, stop"])
def test_stop_halt_abort_cancel(answer: str) -> None:
    assert classify(answer) == "cancelled"


def test_the_question_is_one_of_the_exact_phrases() -> None:
    assert PHRASES == (
        "May I proceed with implementing this backend solution?",
        "Do you authorize me to execute this database/API plan?",
        "Please confirm if you want me to proceed with these backend changes.",
        "Should I begin implementation of the proposed backend architecture?",
    )
    assert {phrase_for(f"{i:08x}") for i in range(8)} == set(PHRASES)


def test_ledger_is_tied_to_the_plan_hash(tmp_path: Path) -> None:
    result = api.make_plan(EXAMPLES / "projects-saas", tmp_path / "out", engine=FileEngine(), runs=tmp_path / "runs")
    with pytest.raises(api.ApprovalRefused):
        api.approve(result.run_dir, "sure", via="test")
    record = api.approve(result.run_dir, "yes", via="test")
    assert record.plan_hash == result.plan_hash and record.phrase in PHRASES
    ledger = read_ledger(result.run_dir)
    assert [r.decision for r in ledger] == ["declined", "approved"]
    assert approval_for(result.run_dir, result.plan_hash) is not None
    assert approval_for(result.run_dir, "0" * 64) is None


def test_cli_approve_flow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_ENGINEER_RUNS", str(tmp_path / "runs"))
    monkeypatch.chdir(tmp_path)
    planned = api.make_plan(EXAMPLES / "projects-saas", tmp_path / "out", engine=FileEngine(), runs=tmp_path / "runs")
    no_answer = runner.invoke(app, ["approve", str(planned.run_dir)])
    assert no_answer.exit_code == 4 and planned.phrase in no_answer.output
    stop = runner.invoke(app, ["approve", "latest", "--answer", "STOP", "--json"])
    assert stop.exit_code == 5 and '"cancelled"' in stop.output
    again = runner.invoke(app, ["approve", planned.state.run_id, "--answer", "proceed"])
    assert again.exit_code == 5, again.output
    assert "cannot be approved again" in again.output and "[PASS]" not in again.output
    assert [r.decision for r in read_ledger(planned.run_dir)] == ["cancelled"]
    fresh = api.make_plan(EXAMPLES / "projects-saas", tmp_path / "out", engine=FileEngine(), runs=tmp_path / "runs")
    ok = runner.invoke(app, ["approve", str(fresh.run_dir), "--answer", "proceed"])
    assert ok.exit_code == 0, ok.output
    assert "[PASS] approved" in ok.output
    assert [r.decision for r in read_ledger(fresh.run_dir)] == ["approved"]


@pytest.mark.parametrize("word", ["STOP", "halt", "Abort"])
def test_stop_after_approval_cancels_and_the_run_stays_cancelled(tmp_path: Path, word: str) -> None:
    planned = api.make_plan(EXAMPLES / "projects-saas", tmp_path / "out", engine=FileEngine(), runs=tmp_path / "runs")
    assert runner.invoke(app, ["approve", str(planned.run_dir), "--answer", "yes"]).exit_code == 0
    stop = runner.invoke(app, ["approve", str(planned.run_dir), "--answer", word])
    assert stop.exit_code == 5, stop.output
    assert "[PASS] approved" not in stop.output and "cancelled" in stop.output
    assert [r.decision for r in read_ledger(planned.run_dir)] == ["approved", "cancelled"]
    assert approval_for(planned.run_dir, planned.plan_hash) is None
    for answer in ("yes", "proceed", "execute"):
        again = runner.invoke(app, ["approve", str(planned.run_dir), "--answer", answer, "--json"])
        assert again.exit_code == 5 and "cannot be approved again" in again.output
    with pytest.raises(api.RunCancelled):
        api.require_approval(planned.run_dir)
