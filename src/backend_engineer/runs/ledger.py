"""The authorization gate and its approvals ledger.

The gate asks with one of the exact phrases, accepts only an explicit yes, proceed or execute, and
appends every answer to ``approvals.jsonl`` in the run folder, tied to the plan's hash. A plan whose
hash changed needs a new approval. STOP, HALT or ABORT cancels.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from backend_engineer.runs.folder import atomic_write

PHRASES = (
    "May I proceed with implementing this backend solution?",
    "Do you authorize me to execute this database/API plan?",
    "Please confirm if you want me to proceed with these backend changes.",
    "Should I begin implementation of the proposed backend architecture?",
)
APPROVE_WORDS = frozenset({"yes", "proceed", "execute"})
CANCEL_WORDS = frozenset({"stop", "halt", "abort"})
LEDGER = "approvals.jsonl"

Decision = Literal["approved", "declined", "cancelled"]


class Cancelled(Exception):
    """The user said STOP, HALT or ABORT (or interrupted)."""


class ApprovalRefused(Exception):
    """The answer was not an explicit yes, proceed or execute."""


@dataclass(frozen=True)
class ApprovalRecord:
    run_id: str
    plan_hash: str
    phrase: str
    answer: str
    decision: Decision
    via: str
    at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def phrase_for(plan_hash: str) -> str:
    """One of the exact phrases, chosen by the plan hash so the same plan always gets the same one."""
    return PHRASES[int(plan_hash[:8], 16) % len(PHRASES)] if plan_hash else PHRASES[0]


def classify(answer: str) -> Decision:
    words = re.findall(r"[a-z]+", answer.strip().lower())
    if any(w in CANCEL_WORDS for w in words):
        return "cancelled"
    if words and words[0] in APPROVE_WORDS and all(w in APPROVE_WORDS | {"i", "please", "go", "ahead"} for w in words):
        return "approved"
    return "declined"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def read_ledger(run_dir: Path) -> list[ApprovalRecord]:
    path = run_dir / LEDGER
    if not path.is_file():
        return []
    records = []
    for line in path.read_text().splitlines():
        if line.strip():
            records.append(ApprovalRecord(**json.loads(line)))
    return records


def append_ledger(run_dir: Path, record: ApprovalRecord) -> None:
    path = run_dir / LEDGER
    existing = path.read_text() if path.is_file() else ""
    atomic_write(path, existing + json.dumps(record.to_dict(), sort_keys=True) + "\n")


def record_answer(run_dir: Path, run_id: str, plan_hash: str, answer: str, via: str) -> ApprovalRecord:
    """Record the answer; raise :class:`Cancelled` or :class:`ApprovalRefused` unless it approves."""
    decision = classify(answer)
    record = ApprovalRecord(
        run_id=run_id,
        plan_hash=plan_hash,
        phrase=phrase_for(plan_hash),
        answer=answer,
        decision=decision,
        via=via,
        at=_now(),
    )
    append_ledger(run_dir, record)
    if decision == "cancelled":
        raise Cancelled(f"cancelled by {answer.strip()!r}; nothing was written")
    if decision == "declined":
        raise ApprovalRefused(
            f"{answer.strip()!r} is not an explicit approval; answer yes, proceed or execute (or STOP to cancel)"
        )
    return record


def approval_for(run_dir: Path, plan_hash: str) -> ApprovalRecord | None:
    """The latest decision for this exact plan hash, if it approved."""
    for record in reversed(read_ledger(run_dir)):
        if record.plan_hash == plan_hash:
            return record if record.decision == "approved" else None
    return None
