from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from backend_engineer import exit_codes
from backend_engineer.events import Event, Status
from backend_engineer.runs.folder import load_state
from backend_engineer.runs.ledger import PHRASES, read_ledger
from backend_engineer.workflow.build import BuildOptions, BuildResult, iter_build
from tests.conftest import EXAMPLES
from tests.workflow.support import FileEngine

SAAS = EXAMPLES / "projects-saas"


def run(gen):  # type: ignore[no-untyped-def]
    events: list[Event] = []
    try:
        while True:
            events.append(next(gen))
    except StopIteration as stop:
        result: BuildResult = stop.value
    return events, result


def opts(tmp_path: Path, engine: FileEngine | None = None) -> BuildOptions:
    return BuildOptions(engine=engine or FileEngine(), verify=False, review=False, runs=tmp_path / "runs")


def git_log(repo: Path) -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(repo), "log", "--format=%an|%s", "--reverse"], capture_output=True, text=True, check=True
    ).stdout
    return out.strip().splitlines()


def leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if ".staging-" in p.name]


def test_build_commits_each_change_atomically(tmp_path: Path) -> None:
    out = tmp_path / "svc"
    events, result = run(iter_build(SAAS, out, approve_answer="yes", options=opts(tmp_path)))
    assert result.exit_code == exit_codes.OK, result.message
    log = git_log(out)
    assert log == [
        "Casey (Backend Engineer)|feat(db): create the schema",
        "Casey (Backend Engineer)|feat(api): add the application modules (part 1/2)",
        "Casey (Backend Engineer)|feat(api): add the application modules (part 2/2)",
        "Casey (Backend Engineer)|docs(docs): document the service",
    ]
    assert events[1].stage == "agent" and "Casey (Backend Engineer)" in events[1].message
    asks = [e for e in events if e.status == Status.ASK]
    assert len(asks) == 1 and asks[0].message in PHRASES
    assert result.run_dir is not None
    handoff = json.loads((result.run_dir / "handoff.json").read_text())
    assert [c["sha"] for c in handoff["commits"]] == [c.sha for c in result.commits]
    assert handoff["migration_notes"][0]["rollback_steps"][0].startswith("alembic downgrade base")
    assert handoff["migration_notes"][0]["verify"] == ["SELECT count(*) FROM widgets"]
    assert handoff["approvals"][0]["decision"] == "approved" and handoff["approvals"][0]["via"] == "--yes flag"
    assert len(handoff["files_changed"]) == 22
    logged = [json.loads(line) for line in (result.run_dir / "events.jsonl").read_text().splitlines()]
    assert [e["message"] for e in logged] == [e.message for e in events]
    md = (result.run_dir / "handoff.md").read_text()
    for section in ("## Summary", "## Test results", "## API deviations", "## Migration notes", "## Commits"):
        assert section in md
    assert not leftovers(tmp_path)


def test_stop_cancels_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "svc"
    events, result = run(iter_build(SAAS, out, approve_answer="STOP", options=opts(tmp_path)))
    assert result.exit_code == exit_codes.CANCELLED
    assert not out.exists() and not leftovers(tmp_path)
    assert events[-1].status == Status.CANCELLED
    assert result.run_dir is not None
    assert load_state(result.run_dir).status == "cancelled"
    assert read_ledger(result.run_dir)[0].decision == "cancelled"


def test_no_answer_means_not_approved(tmp_path: Path) -> None:
    _, result = run(iter_build(SAAS, tmp_path / "svc", options=opts(tmp_path)))
    assert result.exit_code == exit_codes.NOT_APPROVED
    assert not (tmp_path / "svc").exists()


def test_interrupt_during_implement_leaves_output_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "svc"
    with pytest.raises(KeyboardInterrupt):
        run(iter_build(SAAS, out, approve_answer="yes", options=opts(tmp_path, FileEngine(fail_after=5))))
    assert not out.exists() and not leftovers(tmp_path)


def test_closing_the_generator_mid_commit_discards_staging(tmp_path: Path) -> None:
    out = tmp_path / "svc"
    gen = iter_build(SAAS, out, approve_answer="yes", options=opts(tmp_path))
    for event in gen:
        if event.stage == "implement" and event.status == Status.OK:
            break
    gen.close()
    assert not out.exists() and not leftovers(tmp_path)


def test_existing_repo_is_fast_forwarded_and_dirty_repo_refused(tmp_path: Path) -> None:
    out = tmp_path / "svc"
    out.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True)
    (out / "KEEP.md").write_text("mine\n")
    subprocess.run(["git", "-C", str(out), "add", "."], check=True)
    subprocess.run(
        ["git", "-C", str(out), "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-qm", "init"], check=True
    )
    _, result = run(iter_build(SAAS, out, approve_answer="execute", options=opts(tmp_path)))
    assert result.exit_code == 0, result.message
    assert len(git_log(out)) == 5 and (out / "KEEP.md").read_text() == "mine\n"
    (out / "KEEP.md").write_text("dirty\n")
    _, second = run(iter_build(SAAS, out, approve_answer="yes", options=opts(tmp_path)))
    assert second.exit_code == exit_codes.CONFLICT and "uncommitted changes" in second.message
    assert (out / "KEEP.md").read_text() == "dirty\n" and len(git_log(out)) == 5


def test_changed_plan_needs_a_new_approval_and_resume_works(tmp_path: Path) -> None:
    out = tmp_path / "svc"
    _, first = run(iter_build(SAAS, out, options=opts(tmp_path)))
    assert first.exit_code == exit_codes.NOT_APPROVED and first.run_dir is not None
    events, resumed = run(
        iter_build(
            SAAS, out, run_dir=first.run_dir, approve_answer="yes", options=opts(tmp_path, FileEngine(code_files=3))
        )
    )
    assert any("plan changed" in e.message for e in events)
    assert resumed.exit_code == 0 and resumed.run_dir == first.run_dir
    events, again = run(iter_build(SAAS, out, run_dir=first.run_dir, options=opts(tmp_path, FileEngine(3))))
    assert again.exit_code == 0
    assert any(e.stage == "implement" and e.status == Status.SKIP for e in events)
    assert any(e.stage == "approve" and "approved earlier" in e.message for e in events)


def test_intake_blocked_and_refusal_exit_codes(tmp_path: Path) -> None:
    _, blocked = run(
        iter_build(EXAMPLES / "incomplete-notes", tmp_path / "a", approve_answer="yes", options=opts(tmp_path))
    )
    assert blocked.exit_code == exit_codes.INTAKE_INCOMPLETE
    _, refused = run(
        iter_build(SAAS, tmp_path / "b", approve_answer="yes", options=opts(tmp_path, FileEngine(refuse=True)))
    )
    assert refused.exit_code == exit_codes.UNSUPPORTED and "django" in refused.message
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_interactive_answers_go_through_the_ask_callback(tmp_path: Path) -> None:
    asked: list[str] = []

    def halt(phrase: str) -> str:
        asked.append(phrase)
        return "HALT"

    _, cancelled = run(iter_build(SAAS, tmp_path / "a", ask=halt, options=opts(tmp_path)))
    assert cancelled.exit_code == exit_codes.CANCELLED and asked and asked[0] in PHRASES
    assert not (tmp_path / "a").exists()
    _, approved = run(iter_build(SAAS, tmp_path / "b", ask=lambda phrase: "proceed", options=opts(tmp_path)))
    assert approved.exit_code == 0 and approved.run_dir is not None
    assert read_ledger(approved.run_dir)[0].via == "interactive prompt"


def test_an_unchanged_rebuild_reuses_the_verification_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backend_engineer.runs.folder import atomic_write
    from backend_engineer.workflow import build as build_module

    verified: list[Path] = []

    def fake_verify(bundle, out_dir, run_dir, opts):  # type: ignore[no-untyped-def]
        verified.append(run_dir)
        atomic_write(run_dir / "verification.json", json.dumps({"ok": True, "run": run_dir.name}))
        yield Event("verify", Status.OK, "verified")
        return True, []

    monkeypatch.setattr(build_module, "_verify", fake_verify)
    out = tmp_path / "svc"

    def build(**extra: bool) -> tuple[list[Event], BuildResult]:
        options = BuildOptions(engine="deterministic", review=False, runs=tmp_path / "runs", **extra)
        return run(iter_build(SAAS, out, approve_answer="yes", options=options))

    _, first = build()
    assert first.exit_code == 0 and len(verified) == 1 and first.commits
    events, second = build()
    assert second.exit_code == 0 and not second.commits and len(verified) == 1
    skipped = [e for e in events if e.stage == "verify" and e.status == Status.SKIP]
    assert len(skipped) == 1 and "--reverify" in skipped[0].message
    assert second.run_dir is not None and first.run_dir is not None
    assert json.loads((second.run_dir / "verification.json").read_text())["run"] == first.run_dir.name
    assert load_state(second.run_dir).status == "verified"
    _, third = build(reverify=True)
    assert third.exit_code == 0 and len(verified) == 2 and verified[-1] == third.run_dir
    custom = next((out / "app" / "custom").rglob("*.py"))
    custom.write_text(custom.read_text() + "\n# user code\n")
    subprocess.run(
        ["git", "-C", str(out), "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "user change"],
        check=True,
    )
    _, fourth = build()
    assert fourth.exit_code == 0 and len(verified) == 3, "a changed output is verified again"


class MeteredEngine(FileEngine):
    """An engine that reports model usage, as the LLM engine does."""

    def usage(self) -> dict[str, object]:
        return {"model_turns": 7, "input_tokens": 12000, "output_tokens": 3400, "cost_usd": 0.0412}


def test_an_engines_model_usage_reaches_the_handoff(tmp_path: Path) -> None:
    out = tmp_path / "svc"
    _events, result = run(iter_build(SAAS, out, approve_answer="yes", options=opts(tmp_path, MeteredEngine())))
    assert result.exit_code == exit_codes.OK and result.run_dir is not None
    handoff = json.loads((result.run_dir / "handoff.json").read_text())
    assert handoff["llm_usage"]["cost_usd"] == 0.0412 and handoff["llm_usage"]["input_tokens"] == 12000
    md = (result.run_dir / "handoff.md").read_text()
    assert "## Model usage" in md and "cost usd: 0.0412" in md and "output tokens: 3400" in md
    _events, plain = run(iter_build(SAAS, tmp_path / "plain", approve_answer="yes", options=opts(tmp_path)))
    assert plain.run_dir is not None and json.loads((plain.run_dir / "handoff.json").read_text())["llm_usage"] is None
