"""Moved to :mod:`backend_engineer.runs.ledger`; kept so older imports keep working."""

from backend_engineer.runs.ledger import (
    APPROVE_WORDS,
    CANCEL_WORDS,
    LEDGER,
    PHRASES,
    ApprovalRecord,
    ApprovalRefused,
    Cancelled,
    append_ledger,
    approval_for,
    classify,
    phrase_for,
    read_ledger,
    record_answer,
)

__all__ = [
    "APPROVE_WORDS",
    "CANCEL_WORDS",
    "LEDGER",
    "PHRASES",
    "ApprovalRecord",
    "ApprovalRefused",
    "Cancelled",
    "append_ledger",
    "approval_for",
    "classify",
    "phrase_for",
    "read_ledger",
    "record_answer",
]
