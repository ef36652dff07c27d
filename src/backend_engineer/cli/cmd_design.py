"""`design`: draft an OpenAPI contract from the data model, or refine one as a reviewable diff."""

from __future__ import annotations

from pathlib import Path

import typer

from backend_engineer import exit_codes
from backend_engineer.cli.output import emit_json, make_console


def register(app: typer.Typer) -> None:
    app.command("design")(design)


def design(
    bundle: Path = typer.Argument(
        ..., help="The spec bundle folder (datamodel.yaml, techspec.yaml, security.yaml...)."
    ),
    out: Path | None = typer.Option(None, "--out", help="The contract file (default: BUNDLE/openapi.yaml)."),
    refine: bool = typer.Option(False, "--refine", help="Propose changes to the existing contract as a diff."),
    accept: str = typer.Option(
        "", "--accept", help="With --refine: write these changes: all, rule codes (BE104) or change ids (BE104-2)."
    ),
    previous: Path | None = typer.Option(
        None, "--previous", help="A previous bundle or service to flag breaking changes against."
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing contract when drafting."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Draft a contract that openapi-lint passes and the engine maps, or propose BE1xx fixes to one."""
    from backend_engineer.design.service import DesignError
    from backend_engineer.design.service import design as run_design
    from backend_engineer.design.service import refine as run_refine

    console = make_console(stderr=json_out)
    try:
        if refine:
            result = run_refine(bundle, out, accept=[a for a in accept.split(",") if a.strip()], previous=previous)
        else:
            if accept:
                console.print("[FAIL] --accept: only with --refine; a draft is written whole", markup=False)
                raise typer.Exit(exit_codes.BAD_INPUT)
            result = run_design(bundle, out, previous=previous, force=force)
    except DesignError as exc:
        console.print(f"[FAIL] {exc}", markup=False)
        raise typer.Exit(exit_codes.BAD_INPUT) from exc
    code = exit_codes.FINDINGS if result.major_findings and result.written else exit_codes.OK
    if json_out:
        emit_json(result.to_dict())
        raise typer.Exit(code)
    if result.mode == "refine":
        for change in result.changes:
            console.print(
                f"[CHANGE {change.id}] {change.operation}: {change.title} (fixes {change.fixes})", markup=False
            )
            console.print(result.diffs.get(change.id, ""), markup=False, highlight=False)
        if not result.changes:
            console.print(f"[PASS] {result.target}: no BE1xx finding has an automatic fix to propose", markup=False)
        elif result.written:
            console.print(
                f"[PASS] wrote {len(result.accepted)} change(s) to {result.target}: {', '.join(result.accepted)}",
                markup=False,
            )
        else:
            console.print(
                f"[INFO] nothing written; accept with --accept all, a rule code or change ids "
                f"({len(result.changes)} change(s) proposed)",
                markup=False,
            )
    else:
        console.print(f"[PASS] wrote the drafted contract to {result.target}", markup=False)
    for note in result.notes:
        console.print(f"[NOTE] {note}", markup=False)
    for item in result.breaking:
        label = "FAIL" if item["level"] == "blocker" else "WARN"
        console.print(f"[{label}] breaking: {item['message']}", markup=False)
    majors = len(result.major_findings)
    console.print(
        f"[{'FAIL' if majors else 'PASS'}] openapi-lint: {len(result.lint)} finding(s), {majors} major or worse",
        markup=False,
    )
    raise typer.Exit(code)
