"""The one gate every writer passes: intake, then a plan in a run folder, then an explicit approval.

``generate``, ``build``, ``change`` (LLM) and the MCP tools call these functions; none of them
builds its own plan hash, run folder or ledger entry.

* :func:`admit` runs the intake gate and raises :class:`IntakeBlocked` on any blocker or load error.
* :func:`make_plan` admits a bundle, asks the engine (looked up in the registry) for a proposal and
  writes the plan to a new run folder beside the output (:func:`open_run` does the same for any plan).
* :func:`decide` records an answer to the authorization question. Only yes / proceed / execute
  approve; STOP / HALT / ABORT cancel a run in any state before it is built, and a cancelled run
  stays cancelled: it can never be approved again (plan again for a new run).
* :func:`require_approval` is what a writer calls before writing: it returns the approval for the
  run's current plan hash or raises.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend_engineer import exit_codes
from backend_engineer.engines.base import Engine, Refusal
from backend_engineer.engines.registry import get_engine
from backend_engineer.intake.breaking import LOCK_DIR
from backend_engineer.intake.gate import run_intake
from backend_engineer.intake.model import IntakeReport
from backend_engineer.planning.plan import Plan, build_plan
from backend_engineer.runs import ledger
from backend_engineer.runs.folder import (
    RunState,
    atomic_write,
    create_run,
    load_state,
    mark_done,
    new_run_id,
    runs_root,
    save_state,
)
from backend_engineer.runs.ledger import ApprovalRecord, ApprovalRefused, Cancelled, phrase_for
from backend_engineer.spec.bundle import Bundle

BUILT_STAGES = ("implement", "verify", "review", "handoff")


class IntakeBlocked(Exception):
    def __init__(self, report: IntakeReport) -> None:
        super().__init__(f"intake found {len(report.blockers) + len(report.load_errors)} blocker(s)")
        self.report = report

    @property
    def bad_input(self) -> bool:
        """True when a file could not be read or validated (exit 2), not merely incomplete (exit 3)."""
        return self.report.exit_code == exit_codes.BAD_INPUT


class EngineRefused(Exception):
    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__("; ".join(r.render() for r in refusals))
        self.refusals = refusals


class RunCancelled(Cancelled):
    """The run was cancelled earlier; it cannot be approved or built again."""


class AlreadyBuilt(Exception):
    """The run's changes are already committed; there is nothing left to approve or cancel."""


@dataclass
class PlanResult:
    plan: Plan
    plan_hash: str
    run_dir: Path
    state: RunState
    bundle: Bundle
    phrase: str


def resolve_engine(engine: str | Engine) -> Engine:
    """The named engine from the registry (its ``propose(bundle, repo)`` evolves an existing service)."""
    return get_engine(engine) if isinstance(engine, str) else engine


def previous_for(out_dir: Path) -> Path | None:
    """The bundle lock of an already generated service, used to diff the contract."""
    return out_dir if (out_dir / LOCK_DIR / "openapi.yaml").is_file() else None


def admit(
    bundle_dir: Path, out_dir: Path | None = None, accept_breaking: tuple[str, ...] = ()
) -> tuple[IntakeReport, Bundle]:
    """The intake gate for every writer: the report and the loaded bundle, or :class:`IntakeBlocked`."""
    previous = previous_for(out_dir) if out_dir is not None and out_dir.is_dir() else None
    report, bundle = run_intake(bundle_dir, previous, accept_breaking)
    if not report.ok or bundle is None:
        raise IntakeBlocked(report)
    return report, bundle


intake_or_raise = admit


def plan_for(bundle: Bundle, engine: Engine, out_dir: Path) -> Plan:
    refusals = engine.check_support(bundle)
    if refusals:
        raise EngineRefused(refusals)
    repo = out_dir if out_dir.exists() else None
    proposal = engine.propose(bundle, repo)
    return build_plan(bundle, proposal, engine.name)


def write_plan(run_dir: Path, plan: Plan) -> None:
    atomic_write(run_dir / "plan.json", json.dumps(plan.to_dict(), indent=2) + "\n")
    atomic_write(run_dir / "plan.md", plan.to_markdown())


def plan_digest(plan: dict[str, Any]) -> str:
    """The hash an approval is tied to, for a plan given as JSON-compatible data."""
    return hashlib.sha256(json.dumps(plan, sort_keys=True, default=str).encode()).hexdigest()


def open_run(
    *,
    bundle: str,
    out_dir: Path,
    engine: str,
    plan_hash: str,
    files: dict[str, str],
    runs: Path | None = None,
) -> tuple[Path, RunState]:
    """Create a run folder (beside ``out_dir`` unless ``runs`` or ``$BACKEND_ENGINEER_RUNS`` say otherwise)."""
    state = RunState(
        run_id=new_run_id(),
        bundle=bundle,
        out_dir=str(out_dir.resolve()),
        engine=engine,
        plan_hash=plan_hash,
        stages_done=["intake", "plan"],
    )
    run_dir = create_run(runs or runs_root(out_dir), state)
    for name, text in files.items():
        atomic_write(run_dir / name, text)
    return run_dir, state


def make_plan(
    bundle_dir: Path,
    out_dir: Path,
    *,
    engine: str | Engine = "deterministic",
    runs: Path | None = None,
    accept_breaking: tuple[str, ...] = (),
) -> PlanResult:
    """Run intake, build the plan and write it to a new run folder."""
    report, bundle = admit(bundle_dir, out_dir, accept_breaking)
    eng = resolve_engine(engine)
    plan = plan_for(bundle, eng, out_dir)
    digest = plan.digest()
    run_dir, state = open_run(
        bundle=str(bundle_dir.resolve()),
        out_dir=out_dir,
        engine=eng.name,
        plan_hash=digest,
        runs=runs,
        files={
            "intake.json": json.dumps(report.to_dict(), indent=2) + "\n",
            "plan.json": json.dumps(plan.to_dict(), indent=2) + "\n",
            "plan.md": plan.to_markdown(),
        },
    )
    return PlanResult(
        plan=plan, plan_hash=digest, run_dir=run_dir, state=state, bundle=bundle, phrase=phrase_for(digest)
    )


def is_cancelled(run_dir: Path, state: RunState) -> bool:
    return state.status == "cancelled" or any(r.decision == "cancelled" for r in ledger.read_ledger(run_dir))


def _refuse_closed(run_dir: Path, state: RunState) -> None:
    if is_cancelled(run_dir, state):
        raise RunCancelled(
            f"run {state.run_id} was cancelled; a cancelled run cannot be approved again. "
            "Run `backend-engineer plan` for a new run"
        )


def decide(run_dir: Path, answer: str, *, via: str, state: RunState | None = None) -> ApprovalRecord:
    """Record ``answer`` for the run's current plan hash, with the gate's rules.

    Every answer is appended to the ledger (it is the history); the latest one for the plan hash counts.

    Raises :class:`RunCancelled` for a run cancelled earlier, :class:`Cancelled` when this answer
    cancels, :class:`ApprovalRefused` when it is not an explicit approval and :class:`AlreadyBuilt`
    when STOP comes after the changes were committed.
    """
    state = state or load_state(run_dir)
    _refuse_closed(run_dir, state)
    if ledger.classify(answer) == "cancelled" and any(stage in state.stages_done for stage in BUILT_STAGES):
        raise AlreadyBuilt(
            f"run {state.run_id} is already built ({len(state.commits)} commit(s) in {state.out_dir}); "
            "there is nothing left to cancel. Revert the commits with git to undo them"
        )
    try:
        record = ledger.record_answer(run_dir, state.run_id, state.plan_hash, answer, via)
    except Cancelled:
        state.status = "cancelled"
        save_state(run_dir, state)
        raise
    mark_done(run_dir, state, "approve", "approved")
    return record


def require_approval(run_dir: Path, state: RunState | None = None) -> ApprovalRecord | None:
    """The approval for the run's current plan hash, or None; :class:`RunCancelled` if it was cancelled."""
    state = state or load_state(run_dir)
    _refuse_closed(run_dir, state)
    return ledger.approval_for(run_dir, state.plan_hash)


__all__ = [
    "AlreadyBuilt",
    "ApprovalRecord",
    "ApprovalRefused",
    "Cancelled",
    "EngineRefused",
    "IntakeBlocked",
    "PlanResult",
    "RunCancelled",
    "admit",
    "decide",
    "make_plan",
    "open_run",
    "plan_digest",
    "plan_for",
    "require_approval",
    "resolve_engine",
]
