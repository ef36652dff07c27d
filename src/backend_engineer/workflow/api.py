"""The workflow's public functions, used by the CLI, the MCP server and other integrations.

Every writer goes through :mod:`backend_engineer.workflow.gate`: :func:`make_plan` (intake + plan in
a run folder beside the output), :func:`approve` (the authorization gate) and :func:`iter_build`
(which refuses to write without an approval for the run's current plan hash).
"""

from __future__ import annotations

from pathlib import Path

from backend_engineer.handoff.report import write_handoff
from backend_engineer.intake.gate import run_intake
from backend_engineer.intake.model import IntakeReport
from backend_engineer.runs.folder import RunFolderError
from backend_engineer.workflow.build import BuildOptions, BuildResult, iter_build
from backend_engineer.workflow.gate import (
    AlreadyBuilt,
    ApprovalRecord,
    ApprovalRefused,
    Cancelled,
    EngineRefused,
    IntakeBlocked,
    PlanResult,
    RunCancelled,
    admit,
    decide,
    make_plan,
    require_approval,
)

__all__ = [
    "AlreadyBuilt",
    "ApprovalRecord",
    "ApprovalRefused",
    "BuildOptions",
    "BuildResult",
    "Cancelled",
    "EngineRefused",
    "IntakeBlocked",
    "PlanResult",
    "RunCancelled",
    "RunFolderError",
    "admit",
    "approve",
    "intake",
    "iter_build",
    "make_plan",
    "require_approval",
    "write_handoff",
]


def intake(bundle_dir: Path) -> IntakeReport:
    report, _ = run_intake(bundle_dir)
    return report


def approve(run_dir: Path, answer: str, *, via: str) -> ApprovalRecord:
    """Record an answer to the authorization question for the run's current plan hash (see :func:`gate.decide`)."""
    return decide(run_dir, answer, via=via)
