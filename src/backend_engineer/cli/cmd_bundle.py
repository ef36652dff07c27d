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
    app.command("seed")(seed)


def seed(
    bundle: Path = typer.Argument(..., help="The spec bundle folder (reads datamodel.yaml)."),
    db: str | None = typer.Option(None, "--db", help="SQLAlchemy URL of a migrated database to insert into."),
    tenants: int = typer.Option(2, "--tenants", min=1, max=1000, help="How many tenants."),
    rows: int = typer.Option(5, "--rows", min=1, max=10000, help="Rows per entity per tenant."),
    random_seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same data."),
    out: Path | None = typer.Option(None, "--out", help="Write the data as JSON to this file."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Generate realistic tenant-scoped seed data from datamodel.yaml and optionally insert it."""
    from backend_engineer.seeding.generate import generate_seed
    from backend_engineer.seeding.load import AlreadySeeded, insert_seed
    from backend_engineer.seeding.values import SeedError
    from backend_engineer.spec.bundle import load_bundle

    loaded = load_bundle(bundle)
    console = make_console(stderr=json_out)
    if loaded.bundle is None or loaded.bundle.datamodel is None:
        reasons = [e.render() for e in loaded.errors] or [f"{bundle}/datamodel.yaml is missing; add it"]
        for reason in reasons:
            console.print(f"[FAIL] {reason}", markup=False)
        raise typer.Exit(exit_codes.BAD_INPUT)
    try:
        data = generate_seed(loaded.bundle.datamodel, tenants=tenants, rows=rows, seed=random_seed)
        counts = insert_seed(db, data) if db else data.counts()
    except AlreadySeeded as exc:
        if json_out:
            emit_json({"status": "already-seeded", "tenants": data.tenants, "message": str(exc)})
        else:
            console.print(f"[PASS] {exc}", markup=False)
        return
    except SeedError as exc:
        console.print(f"[FAIL] {exc}", markup=False)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    if out is not None:
        from backend_engineer.runs.folder import atomic_write

        atomic_write(out, json.dumps({"tenants": data.tenants, "tables": data.tables}, default=str, indent=2))
    result = {"status": "inserted" if db else "generated", "tenants": data.tenants, "rows": counts}
    if json_out:
        emit_json(result)
    else:
        for table, count in counts.items():
            console.print(f"[PASS] {table}: {count} row(s)", markup=False)


def schema(
    name: str = typer.Argument("all", help="company, techspec, datamodel, security, perf, ops or all."),
    out: Path | None = typer.Option(None, "--out", help="Write one <name>.schema.json per input into this folder."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (the default output is JSON too)."),
) -> None:
    """Print the JSON Schema of the spec bundle's inputs."""
    schemas = all_schemas()
    if name != "all" and name not in schemas:
        make_console(stderr=True).print(
            f"[FAIL] unknown schema {name!r}; choose one of: all, {', '.join(schemas)}", markup=False
        )
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
    previous: Path | None = typer.Option(
        None,
        "--previous",
        help="The bundle (or generated service) this one replaces; breaking contract changes become blockers.",
    ),
    accept_breaking: list[str] = typer.Option(
        [], "--accept-breaking", help="Accept a breaking change by its id (or 'all'); recorded in the report."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """List every missing or contradictory input, field by field. Exit 3 when incomplete, 2 on bad input."""
    report, _ = run_intake(bundle, previous, accept_breaking)
    if json_out:
        emit_json(report.to_dict())
    else:
        make_console().print(report.to_markdown(), markup=False)
    if not report.ok:
        raise typer.Exit(report.exit_code)
