"""`plan`, `approve`, `build` and `handoff`: the gated workflow on the command line."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn

from backend_engineer import exit_codes
from backend_engineer.cli.output import emit_json, make_console, render_event
from backend_engineer.engines.base import EngineConflict
from backend_engineer.engines.registry import UnknownEngine
from backend_engineer.events import Event, Status
from backend_engineer.runs.folder import STAGES, RunFolderError, load_state, resolve_run
from backend_engineer.runs.ledger import phrase_for
from backend_engineer.workflow import api


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
    app.command("approve")(approve)
    app.command("build")(build)
    app.command("handoff")(handoff)


def _fail(message: str, code: int, json_out: bool, **extra: Any) -> None:
    if json_out:
        emit_json({"status": "error", "exit_code": code, "message": message, **extra})
    else:
        make_console(stderr=True).print(f"[FAIL] {message}", markup=False)
    raise typer.Exit(code)


def _intake_blocked(exc: api.IntakeBlocked, json_out: bool) -> None:
    code = exc.report.exit_code
    if json_out:
        emit_json({"status": "intake-blocked", "exit_code": code, "intake": exc.report.to_dict()})
    else:
        make_console().print(exc.report.to_markdown(), markup=False)
    raise typer.Exit(code)


def _where(run_dir: Path) -> str:
    if os.environ.get("BACKEND_ENGINEER_RUNS"):
        return "under $BACKEND_ENGINEER_RUNS"
    return "beside --out; set BACKEND_ENGINEER_RUNS to put runs elsewhere"


def plan(
    bundle: Path = typer.Argument(..., help="The spec bundle folder."),
    out: Path = typer.Option(..., "--out", help="The output repository the plan is for."),
    engine: str = typer.Option("deterministic", "--engine", help="deterministic (default) or llm."),
    accept_breaking: list[str] = typer.Option(
        [], "--accept-breaking", help="Accept a breaking contract change by its id (see intake)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
) -> None:
    """Intake, then write a plan to a new run folder (.backend-engineer/runs/<id>/)."""
    try:
        result = api.make_plan(bundle, out, engine=engine, accept_breaking=tuple(accept_breaking))
    except api.IntakeBlocked as exc:
        _intake_blocked(exc, json_out)
        return
    except api.EngineRefused as exc:
        _fail(str(exc), exit_codes.UNSUPPORTED, json_out)
        return
    except UnknownEngine as exc:
        _fail(str(exc), exit_codes.BAD_INPUT, json_out)
        return
    except EngineConflict as exc:
        _fail(str(exc), exit_codes.CONFLICT, json_out)
        return
    if json_out:
        emit_json(
            {
                "status": "planned",
                "run_dir": str(result.run_dir),
                "plan_hash": result.plan_hash,
                "question": result.phrase,
                "plan": result.plan.to_dict(),
            }
        )
        return
    console = make_console()
    console.print(result.plan.to_markdown(), markup=False)
    console.print(f"[INFO] run folder: {result.run_dir} ({_where(result.run_dir)})", markup=False)
    console.print(f"[ASK] {result.phrase}", markup=False)
    console.print(f"      answer with: backend-engineer approve {result.run_dir} --answer yes", markup=False)


def approve(
    run: str = typer.Argument("latest", help="Run folder or id (default: the latest run)."),
    answer: str | None = typer.Option(
        None, "--answer", help="Your literal answer: yes, proceed or execute; STOP, HALT or ABORT cancels."
    ),
    yes: bool = typer.Option(False, "--yes", help="Approve non-interactively (recorded as --yes)."),
    out: Path | None = typer.Option(None, "--out", help="Find RUN (or the latest run) beside this output folder."),
    json_out: bool = typer.Option(False, "--json", help="Print the ledger record as JSON."),
) -> None:
    """The authorization gate: ask the exact question and record the answer in the approvals ledger."""
    try:
        run_dir = resolve_run(run, out_dir=out)
        state = load_state(run_dir)
    except RunFolderError as exc:
        _fail(str(exc), exit_codes.BAD_INPUT, json_out)
        return
    phrase = phrase_for(state.plan_hash)
    via = "--answer option"
    if yes:
        answer, via = "yes", "--yes flag"
    if answer is None:
        if not sys.stdin.isatty():
            _fail(
                f"{phrase} (no answer given: pass --answer yes|proceed|execute, or STOP)",
                exit_codes.NOT_APPROVED,
                json_out,
            )
        make_console().print((run_dir / "plan.md").read_text(), markup=False)
        answer, via = typer.prompt(f"[ASK] {phrase}"), "interactive prompt"
    try:
        record = api.approve(run_dir, answer, via=via)
    except api.Cancelled as exc:
        _fail(str(exc), exit_codes.CANCELLED, json_out, decision="cancelled")
        return
    except api.ApprovalRefused as exc:
        _fail(str(exc), exit_codes.NOT_APPROVED, json_out, decision="declined")
        return
    except api.AlreadyBuilt as exc:
        _fail(str(exc), exit_codes.BAD_INPUT, json_out)
        return
    if json_out:
        emit_json({"status": "approved", "record": record.to_dict(), "run_dir": str(run_dir)})
    else:
        make_console().print(
            f'[PASS] approved: "{record.phrase}" -> {record.answer!r} ({record.via}); '
            f"plan {record.plan_hash[:12]} recorded in {run_dir / 'approvals.jsonl'}",
            markup=False,
        )


def _drive(gen: Generator[Event, None, api.BuildResult], json_out: bool) -> api.BuildResult:
    console = make_console()
    if json_out or not console.is_terminal:
        try:
            while True:
                event = next(gen)
                if json_out:
                    sys.stderr.write(json.dumps(event.to_dict()) + "\n")
                else:
                    render_event(console, event)
        except StopIteration as stop:
            result: api.BuildResult = stop.value
            return result
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("stages", total=len(STAGES))
        done: set[str] = set()
        try:
            while True:
                event = next(gen)
                render_event(progress.console, event)
                if event.status in (Status.OK, Status.SKIP) and event.stage in STAGES and event.stage not in done:
                    done.add(event.stage)
                    progress.update(task, completed=len(done), description=f"stage: {event.stage}")
        except StopIteration as stop:
            final: api.BuildResult = stop.value
            return final


def build(
    bundle: Path = typer.Argument(..., help="The spec bundle folder."),
    out: Path = typer.Option(..., "--out", help="Output repository (created if missing)."),
    run: str | None = typer.Option(None, "--run", help="Resume this run folder or id."),
    yes: bool = typer.Option(False, "--yes", help="Approve the plan non-interactively (recorded as --yes)."),
    answer: str | None = typer.Option(None, "--answer", help="Literal answer to the authorization question."),
    engine: str = typer.Option("deterministic", "--engine", help="deterministic (default) or llm."),
    db: str = typer.Option("sqlite", "--db", help="sqlite (default, no server) or postgresql."),
    pg_url: str | None = typer.Option(None, "--pg-url", help="PostgreSQL URL for --db postgresql."),
    no_verify: bool = typer.Option(False, "--no-verify", help="Skip the verify stage (reported as skipped)."),
    reverify: bool = typer.Option(
        False,
        "--reverify",
        help="Verify even when nothing changed since an earlier run verified the same commit of --out.",
    ),
    accept_breaking: list[str] = typer.Option(
        [], "--accept-breaking", help="Accept a breaking contract change by its id (see intake)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Events as JSON lines on stderr, result as JSON."),
) -> None:
    """Run the whole chain: intake, plan, approval, implement (atomic commits), verify, review, handoff."""
    if db not in {"sqlite", "postgresql"}:
        _fail(f"--db {db!r} is not supported; use sqlite or postgresql", exit_codes.BAD_INPUT, json_out)
    if db == "postgresql" and not pg_url:
        pg_url = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    try:
        run_dir = resolve_run(run, out_dir=out) if run else None
    except RunFolderError as exc:
        _fail(str(exc), exit_codes.BAD_INPUT, json_out)
        return
    ask = None
    if not yes and answer is None and sys.stdin.isatty() and not json_out:

        def ask(phrase: str) -> str:
            return str(typer.prompt(f"[ASK] {phrase}"))

    options = api.BuildOptions(
        engine=engine,
        db=db,
        pg_url=pg_url,
        verify=not no_verify,
        accept_breaking=tuple(accept_breaking),
        reverify=reverify,
    )
    gen = api.iter_build(
        bundle,
        out,
        run_dir=run_dir,
        approve_answer="yes" if yes else answer,
        approve_via="--yes flag" if yes else "--answer option",
        ask=ask,
        options=options,
    )
    try:
        result = _drive(gen, json_out)
    except KeyboardInterrupt:
        gen.close()
        _fail("interrupted; the output folder was left as it was", exit_codes.CANCELLED, json_out)
        return
    except UnknownEngine as exc:
        _fail(str(exc), exit_codes.BAD_INPUT, json_out)
        return
    if json_out:
        emit_json(result.to_dict())
    else:
        label = "[FAIL]" if result.exit_code else "[WARN]" if result.details.get("needs_business_logic") else "[PASS]"
        make_console().print(f"{label} {result.status}: {result.message}", markup=False)
        if result.run_dir:
            make_console().print(f"[INFO] run folder: {result.run_dir} ({_where(result.run_dir)})", markup=False)
    raise typer.Exit(result.exit_code)


def handoff(
    run: str = typer.Argument("latest", help="Run folder or id."),
    out: Path | None = typer.Option(None, "--out", help="Find RUN (or the latest run) beside this output folder."),
    json_out: bool = typer.Option(False, "--json", help="Print handoff.json."),
) -> None:
    """(Re)write handoff.md and handoff.json for a run and print it."""
    try:
        run_dir = resolve_run(run, out_dir=out)
        paths = api.write_handoff(run_dir)
    except RunFolderError as exc:
        _fail(str(exc), exit_codes.BAD_INPUT, json_out)
        return
    if json_out:
        emit_json(json.loads(paths[0].read_text()))
    else:
        make_console().print(paths[1].read_text(), markup=False)
