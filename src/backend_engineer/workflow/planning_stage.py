"""Intake and plan stages, shared by ``plan`` and ``build``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from backend_engineer.engines.base import Engine, Refusal
from backend_engineer.engines.registry import get_engine
from backend_engineer.intake.breaking import LOCK_DIR
from backend_engineer.intake.gate import run_intake
from backend_engineer.intake.model import IntakeReport
from backend_engineer.planning.plan import Plan, build_plan
from backend_engineer.spec.bundle import Bundle
from backend_engineer.workflow.approvals import phrase_for
from backend_engineer.workflow.runs import RunState, atomic_write, create_run, new_run_id, runs_root


class IntakeBlocked(Exception):
    def __init__(self, report: IntakeReport) -> None:
        super().__init__(f"intake found {len(report.blockers) + len(report.load_errors)} blocker(s)")
        self.report = report


class EngineRefused(Exception):
    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__("; ".join(r.render() for r in refusals))
        self.refusals = refusals


@dataclass
class PlanResult:
    plan: Plan
    plan_hash: str
    run_dir: Path
    state: RunState
    bundle: Bundle
    phrase: str


def resolve_engine(engine: str | Engine, out_dir: Path | None = None) -> Engine:
    """The named engine; the deterministic one evolves an already generated service instead of regenerating it."""
    resolved = get_engine(engine) if isinstance(engine, str) else engine
    if out_dir is not None and resolved.name == "deterministic":
        from backend_engineer.engines.deterministic.engine import DeterministicEngine
        from backend_engineer.evolution.engine import EvolutionEngine, is_generated_service

        if isinstance(resolved, DeterministicEngine) and is_generated_service(out_dir):
            return EvolutionEngine(resolved)
    return resolved


def previous_for(out_dir: Path) -> Path | None:
    """The bundle lock of an already generated service, used to diff the contract."""
    return out_dir if (out_dir / LOCK_DIR / "openapi.yaml").is_file() else None


def intake_or_raise(
    bundle_dir: Path, out_dir: Path | None = None, accept_breaking: tuple[str, ...] = ()
) -> tuple[IntakeReport, Bundle]:
    previous = previous_for(out_dir) if out_dir is not None else None
    report, bundle = run_intake(bundle_dir, previous, accept_breaking)
    if not report.ok or bundle is None:
        raise IntakeBlocked(report)
    return report, bundle


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


def make_plan(
    bundle_dir: Path,
    out_dir: Path,
    *,
    engine: str | Engine = "deterministic",
    runs: Path | None = None,
    accept_breaking: tuple[str, ...] = (),
) -> PlanResult:
    """Run intake, build the plan and write it to a new run folder."""
    report, bundle = intake_or_raise(bundle_dir, out_dir, accept_breaking)
    eng = resolve_engine(engine, out_dir)
    plan = plan_for(bundle, eng, out_dir)
    digest = plan.digest()
    state = RunState(
        run_id=new_run_id(),
        bundle=str(bundle_dir.resolve()),
        out_dir=str(out_dir.resolve()),
        engine=eng.name,
        plan_hash=digest,
        stages_done=["intake", "plan"],
    )
    run_dir = create_run(runs or runs_root(), state)
    atomic_write(run_dir / "intake.json", json.dumps(report.to_dict(), indent=2) + "\n")
    write_plan(run_dir, plan)
    return PlanResult(
        plan=plan, plan_hash=digest, run_dir=run_dir, state=state, bundle=bundle, phrase=phrase_for(digest)
    )
