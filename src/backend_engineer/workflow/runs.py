"""Moved to :mod:`backend_engineer.runs.folder`; kept so older imports keep working."""

from backend_engineer.runs.folder import (
    RUN_SCHEMA_VERSION,
    STAGES,
    RunFolderError,
    RunState,
    atomic_write,
    create_run,
    load_state,
    mark_done,
    new_run_id,
    resolve_run,
    runs_root,
    save_state,
)

__all__ = [
    "RUN_SCHEMA_VERSION",
    "STAGES",
    "RunFolderError",
    "RunState",
    "atomic_write",
    "create_run",
    "load_state",
    "mark_done",
    "new_run_id",
    "resolve_run",
    "runs_root",
    "save_state",
]
