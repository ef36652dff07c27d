"""`schema` and `intake`: the spec bundle's published JSON Schemas and the intake gate."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from backend_engineer import exit_codes
from backend_engineer.cli.output import emit_json, make_console
from backend_engineer.intake.gate import run_intake
from backend_engineer.spec.schemas import all_schemas


def register(app: typer.Typer) -> None:
    app.command("schema")(schema)
    app.command("intake")(intake)


def schema(
    name: str = typer.Argument("all", help="company, techspec, datamodel, security, perf, ops or all."),
    out: Path | None = typer.Option(None, "--out", help="Write one <name>.schema.json per input into this folder."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (the default output is JSON too)."),
) -> None:
    """Print the JSON Schema of the spec bundle's inputs."""
    schemas = all_schemas()
    if name != "all" and name not in schemas:
        make_console(stderr=True).print(f"[FAIL] unknown schema {name!r}; choose one of: all, "
                                        f"{', '.join(schemas)}", markup=False)
        raise typer.Exit(exit_codes.BAD_INPUT)
    chosen = schemas if name == "all" else {name: schemas[name]}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for key, value in chosen.items():
            (out / f"{key}.schema.json").write_text(json.dumps(value, indent=2) + "\n")
        if not json_out:
            make_console().print(f"[PASS] wrote {len(chosen)} schema(s) to {out}", markup=False)
            return
    emit_json(chosen if name == "all" else chosen[name])


def intake(
    bundle: Path = typer.Argument(..., help="The spec bundle folder."),
    previous: Path | None = typer.Option(None, "--previous", help="The bundle (or generated service) this "
                                         "one replaces; breaking contract changes become blockers."),
    accept_breaking: list[str] = typer.Option([], "--accept-breaking", help="Accept a breaking change by its id "
                                              "(or 'all'); recorded in the report."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """List every missing or contradictory input, field by field. Exit 3 when incomplete, 2 on bad input."""
    report, _ = run_intake(bundle, previous, accept_breaking)
    if json_out:
        emit_json(report.to_dict())
    else:
        make_console().print(report.to_markdown(), markup=False)
    if report.load_errors:
        raise typer.Exit(exit_codes.BAD_INPUT)
    if not report.ok:
        raise typer.Exit(exit_codes.INTAKE_INCOMPLETE)
