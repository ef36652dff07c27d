"""The workflow's public functions, used by the CLI, the MCP server and other integrations."""

from __future__ import annotations

from pathlib import Path

from backend_engineer.handoff.report import write_handoff
from backend_engineer.intake.gate import run_intake
from backend_engineer.intake.model import IntakeReport
from backend_engineer.workflow.approvals import (
    ApprovalRecord,
    ApprovalRefused,
    Cancelled,
    approval_for,
    record_answer,
)
from backend_engineer.workflow.build import BuildOptions, BuildResult, iter_build
from backend_engineer.workflow.planning_stage import EngineRefused, IntakeBlocked, PlanResult, make_plan
from backend_engineer.workflow.runs import RunFolderError, load_state, mark_done

__all__ = [
    "ApprovalRecord",
    "ApprovalRefused",
    "BuildOptions",
    "BuildResult",
    "Cancelled",
    "EngineRefused",
    "IntakeBlocked",
    "PlanResult",
    "RunFolderError",
    "approve",
    "intake",
    "iter_build",
    "make_plan",
    "write_handoff",
]


def intake(bundle_dir: Path) -> IntakeReport:
    report, _ = run_intake(bundle_dir)
    return report


def approve(run_dir: Path, answer: str, *, via: str) -> ApprovalRecord:
    """Record an answer to the authorization question for the run's current plan hash."""
    state = load_state(run_dir)
    existing = approval_for(run_dir, state.plan_hash)
    if existing is not None:
        return existing
    record = record_answer(run_dir, state.run_id, state.plan_hash, answer, via)
    mark_done(run_dir, state, "approve", "approved")
    return record
