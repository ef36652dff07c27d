"""Run folders: ``.backend-engineer/runs/<id>/``, versioned and resumable.

``run.json`` records the schema version, the plan hash and which stages are done, so a later
``build --resume`` continues where the run stopped. Every file is written atomically.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUN_SCHEMA_VERSION = 1
STAGES = ("intake", "plan", "approve", "implement", "verify", "review", "handoff")


RUNS_DIR = Path(".backend-engineer") / "runs"


def runs_root(out_dir: Path | None = None) -> Path:
    """Where new run folders go: ``$BACKEND_ENGINEER_RUNS``, else beside the output folder, else the CWD.

    Beside, not inside: the output is a git repository the run commits into, and the run folder must
    not become part of it. ``--out out/svc`` puts runs in ``out/.backend-engineer/runs/``.
    """
    env = os.environ.get("BACKEND_ENGINEER_RUNS")
    if env:
        return Path(env)
    if out_dir is not None:
        return out_dir.resolve().parent / RUNS_DIR
    return Path.cwd() / RUNS_DIR


def atomic_write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class RunState:
    run_id: str
    bundle: str
    out_dir: str
    engine: str
    plan_hash: str = ""
    stages_done: list[str] = field(default_factory=list)
    status: str = "planned"
    commits: list[dict[str, str]] = field(default_factory=list)
    verified: dict[str, str] = field(default_factory=dict)
    created_at: float = field(default_factory=time.time)
    schema_version: int = RUN_SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class RunFolderError(Exception):
    pass


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


def create_run(root: Path, state: RunState) -> Path:
    run_dir = root / state.run_id
    run_dir.mkdir(parents=True, exist_ok=False)
    save_state(run_dir, state)
    return run_dir


def save_state(run_dir: Path, state: RunState) -> None:
    atomic_write(run_dir / "run.json", json.dumps(state.to_dict(), indent=2, sort_keys=True) + "\n")


def load_state(run_dir: Path) -> RunState:
    path = run_dir / "run.json"
    if not path.is_file():
        raise RunFolderError(f"{path}: no run.json; this is not a run folder (run `backend-engineer plan` first)")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise RunFolderError(f"{path}:{exc.lineno}: run.json is not valid JSON ({exc.msg})") from exc
    version = data.get("schema_version")
    if version != RUN_SCHEMA_VERSION:
        raise RunFolderError(
            f"{path}: schema_version {version} is not supported (expected "
            f"{RUN_SCHEMA_VERSION}); re-run `backend-engineer plan`"
        )
    known = {k: v for k, v in data.items() if k in RunState.__dataclass_fields__}
    return RunState(**known)


def mark_done(run_dir: Path, state: RunState, stage: str, status: str | None = None) -> None:
    if stage not in state.stages_done:
        state.stages_done.append(stage)
    if status:
        state.status = status
    save_state(run_dir, state)


def resolve_run(arg: str, root: Path | None = None, out_dir: Path | None = None) -> Path:
    """Accept a run folder path or a run id (or ``latest``), looked up beside ``out_dir`` when given."""
    candidate = Path(arg)
    if (candidate / "run.json").is_file():
        return candidate
    base = root or runs_root(out_dir)
    if arg == "latest":
        runs = sorted(p for p in base.glob("*") if (p / "run.json").is_file()) if base.is_dir() else []
        if not runs:
            raise RunFolderError(
                f"{base}: no runs here; run folders sit beside the output folder, so pass --out DIR "
                "(the folder given to plan/build) or the run folder that plan printed"
            )
        return runs[-1]
    if (base / arg / "run.json").is_file():
        return base / arg
    raise RunFolderError(
        f"no run folder named {arg!r} (looked in {candidate} and {base / arg}); pass the run folder that plan "
        "printed, or --out DIR to look beside that output folder"
    )
