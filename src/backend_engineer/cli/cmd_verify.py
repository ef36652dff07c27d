"""Standalone checkers (openapi-lint, migration-check, fuzz, probe, slo-check, dep-scan) and `verify`."""

from __future__ import annotations

import json
import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any

import typer

from backend_engineer import exit_codes
from backend_engineer.cli.output import emit_json, make_console, render_event, render_findings, status_label
from backend_engineer.events import Event
from backend_engineer.findings import Finding, Severity


def register(app: typer.Typer) -> None:
    app.command("openapi-lint")(openapi_lint)
    app.command("migration-check")(migration_check)
    app.command("fuzz")(fuzz)
    app.command("probe")(probe)
    app.command("slo-check")(slo_check)
    app.command("conformance")(conformance)
    app.command("dep-scan")(dep_scan)
    app.command("verify")(verify)


def _finish(
    findings: list[Finding], json_out: bool, fail_on: str, extra: dict[str, Any] | None = None, title: str = "Findings"
) -> None:
    try:
        threshold = Severity.parse(fail_on)
    except ValueError as exc:
        make_console(stderr=True).print(f"[FAIL] --fail-on: {exc}", markup=False)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    failing = any(f.severity >= threshold for f in findings)
    if json_out:
        emit_json(
            {"status": "failed" if failing else "passed", "findings": [f.to_dict() for f in findings], **(extra or {})}
        )
    else:
        console = make_console()
        render_findings(console, findings, title)
        console.print(
            f"{'[FAIL]' if failing else '[PASS]'} {len(findings)} finding(s); failing at {threshold.label} or worse",
            markup=False,
        )
    raise typer.Exit(exit_codes.FINDINGS if failing else exit_codes.OK)


def _bad_input(message: str) -> None:
    make_console(stderr=True).print(f"[FAIL] {message}", markup=False)
    raise typer.Exit(exit_codes.BAD_INPUT)


_EVENT_STATUS = {"passed": "ok", "failed": "fail", "error": "fail", "skipped": "skip"}

FAIL_ON = typer.Option("major", "--fail-on", help="Exit 1 when a finding is at least this severe.")
JSON = typer.Option(False, "--json", help="Print JSON.")


def openapi_lint(
    file: Path = typer.Argument(..., help="An OpenAPI 3.0 or 3.1 file (YAML or JSON)."),
    public: list[str] = typer.Option([], "--public", help="Operation ids that may be public (repeatable)."),
    fail_on: str = FAIL_ON,
    json_out: bool = JSON,
) -> None:
    """Validate an OpenAPI contract and apply the house rules (BE1xx)."""
    from backend_engineer.verify.openapi_lint.engine import lint_file

    if not file.is_file():
        _bad_input(f"{file}: no such file; pass the path of an OpenAPI document")
    _finish(lint_file(file, public or None), json_out, fail_on, title=f"openapi-lint {file}")


def migration_check(
    folder: Path = typer.Argument(..., help="A project folder with alembic.ini (or the alembic folder)."),
    pg_url: str | None = typer.Option(None, "--pg-url", help="PostgreSQL server URL for the PostgreSQL round trip."),
    sqlite_only: bool = typer.Option(False, "--sqlite-only", help="Skip PostgreSQL even when it is reachable."),
    no_squawk: bool = typer.Option(False, "--no-squawk", help="Do not run squawk even when it is installed."),
    fail_on: str = FAIL_ON,
    json_out: bool = JSON,
) -> None:
    """Check Alembic migrations: single head, per-revision round trips, drift, dangerous operations (BE2xx).

    squawk-cli, when installed, lints the offline SQL as well (BE211)."""
    from backend_engineer.verify.migrations.check import MigrationCheckError, check_project

    try:
        result = check_project(
            folder, pg_url=None if sqlite_only else pg_url, try_local_pg=not sqlite_only, squawk=not no_squawk
        )
    except MigrationCheckError as exc:
        _bad_input(str(exc))
        return
    _finish(
        result.findings,
        json_out,
        fail_on,
        {"databases": result.databases, "revisions": result.revisions},
        title=f"migration-check {folder}",
    )


def fuzz(
    target: str = typer.Argument(
        ..., help="A generated service folder, an ASGI app `module:attr`, or a base URL on loopback."
    ),
    spec: Path | None = typer.Option(None, "--spec", help="The OpenAPI file (default: the service's contract)."),
    max_examples: int = typer.Option(20, "--max-examples", min=1, max=500, help="Examples per operation."),
    header: list[str] = typer.Option([], "--header", "-H", help="An extra request header `Name: value` (repeatable)."),
    app_dir: Path | None = typer.Option(None, "--app-dir", help="Where `module:attr` is imported from (default: .)."),
    factory: bool = typer.Option(False, "--factory", help="`module:attr` is a factory returning the app."),
    fail_on: str = FAIL_ON,
    json_out: bool = JSON,
) -> None:
    """Contract fuzzing with schemathesis; failures become findings, crashes blockers (BE4xx)."""
    from backend_engineer.verify.fuzz import FuzzError, run_fuzz

    headers: dict[str, str] = {}
    for item in header:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            _bad_input(f"--header {item!r}: expected `Name: value`, e.g. -H 'Authorization: Bearer ...'")
        headers[name.strip()] = value.strip()
    try:
        findings, stats = run_fuzz(
            target, spec, max_examples=max_examples, headers=headers, app_dir=app_dir, factory=factory
        )
    except FuzzError as exc:
        _bad_input(str(exc))
        return
    _finish(findings, json_out, fail_on, {"stats": stats}, title=f"fuzz {target}")


def probe(
    service: Path = typer.Argument(..., help="A generated service folder (its bundle lock drives the probes)."),
    fail_on: str = FAIL_ON,
    json_out: bool = JSON,
) -> None:
    """Security probes: cross-tenant and role matrices, bad tokens, idempotency, injection, SSRF (BE4xx)."""
    from backend_engineer.verify.probe import ProbeError, run_probe

    try:
        findings, stats = run_probe(service)
    except ProbeError as exc:
        _bad_input(str(exc))
        return
    _finish(findings, json_out, fail_on, {"stats": stats}, title=f"probe {service}")


def slo_check(
    service: Path = typer.Argument(..., help="A generated service folder; it is served on loopback."),
    requests: int = typer.Option(300, "--requests", min=10, max=20000, help="Requests per operation group."),
    concurrency: int = typer.Option(4, "--concurrency", min=1, max=64, help="Concurrent clients."),
    fail_on: str = FAIL_ON,
    json_out: bool = JSON,
) -> None:
    """A bounded load on loopback against perf.yaml's SLOs: p95/p99 per group and queries per request."""
    from backend_engineer.verify.slo import SloError, run_slo

    try:
        findings, stats = run_slo(service, requests=requests, concurrency=concurrency)
    except SloError as exc:
        _bad_input(str(exc))
        return
    _finish(findings, json_out, fail_on, {"stats": stats}, title=f"slo-check {service}")


def conformance(
    service: Path = typer.Argument(..., help="A generated service folder; it is served on loopback."),
    fail_on: str = FAIL_ON,
    json_out: bool = JSON,
) -> None:
    """Exercise every operation once and check status, media type, headers and body against the contract (BE44x)."""
    from backend_engineer.verify.conformance import ConformanceError, run_conformance

    try:
        findings, stats = run_conformance(service)
    except ConformanceError as exc:
        _bad_input(str(exc))
        return
    _finish(findings, json_out, fail_on, {"stats": stats}, title=f"conformance {service}")


def dep_scan(
    db: Path | None = typer.Option(
        None,
        "--db",
        help="An OSV advisory database: a folder or a zip of JSON files "
        "(default: $BACKEND_ENGINEER_OSV, else ../shared/osv beside the repository).",
    ),
    lock: Path | None = typer.Option(None, "--lock", help="A requirements/lock file (default: installed packages)."),
    fail_on: str = FAIL_ON,
    json_out: bool = JSON,
) -> None:
    """Match packages against a local OSV database; without a database this is an error, never a pass (BE5xx)."""
    from backend_engineer.verify.depscan import DepScanError, default_db, describe, scan

    try:
        findings, stats = scan(db or default_db(), lock)
    except DepScanError as exc:
        _bad_input(str(exc))
        return
    if not json_out:
        make_console().print(f"[INFO] dep-scan: {describe(stats)}", markup=False)
    _finish(findings, json_out, fail_on, {"stats": stats}, title="dep-scan")


def _drain(gen: Generator[Event, None, Any], json_out: bool) -> Any:
    console = make_console()
    try:
        while True:
            event = next(gen)
            if json_out:
                sys.stderr.write(json.dumps(event.to_dict()) + "\n")
            else:
                render_event(console, event)
    except StopIteration as stop:
        return stop.value


def verify(
    service: Path = typer.Argument(..., help="A generated service folder."),
    out: Path | None = typer.Option(None, "--out", help="Where to write verification.json and junit.xml."),
    pg_url: str | None = typer.Option(None, "--pg-url", help="PostgreSQL server URL for the PostgreSQL checks."),
    sqlite_only: bool = typer.Option(False, "--sqlite-only", help="No PostgreSQL, even when reachable."),
    quick: bool = typer.Option(False, "--quick", help="Fewer fuzz examples and a shorter load."),
    advisory_db: Path | None = typer.Option(
        None,
        "--advisory-db",
        help="An OSV folder or zip for dep-scan (default: $BACKEND_ENGINEER_OSV, else ../shared/osv beside the "
        "repository; with neither, dep-scan is skipped, not passed).",
    ),
    skip: list[str] = typer.Option([], "--skip", help="Checks to skip (repeatable or comma-separated)."),
    json_out: bool = JSON,
) -> None:
    """Run every check on a generated service and write verification.json and a JUnit XML file."""
    from backend_engineer.spec.bundle import load_bundle
    from backend_engineer.verify.runner import CHECKS, VerifyOptions, iter_verify

    skipped = frozenset(s.strip() for item in skip for s in item.split(",") if s.strip())
    known = [name for name, _ in CHECKS]
    unknown = sorted(skipped - set(known))
    if unknown:
        _bad_input(f"--skip: unknown check(s) {', '.join(unknown)}; choose from {', '.join(known)}")
    if advisory_db is not None and not advisory_db.exists():
        _bad_input(f"--advisory-db {advisory_db}: no such folder or zip; pass an OSV database export")
    if not service.is_dir():
        _bad_input(f"{service}: no such folder; pass the generated service folder")
    lock = service / ".backend-engineer" / "bundle"
    loaded = load_bundle(lock)
    if loaded.bundle is None:
        _bad_input(
            f"{lock}: no readable bundle lock; is {service} a generated service? "
            + "; ".join(e.render() for e in loaded.errors)
        )
        return
    report = _drain(
        iter_verify(
            service,
            loaded.bundle,
            VerifyOptions(pg_url=pg_url, quick=quick, skip=skipped, sqlite_only=sqlite_only, advisory_db=advisory_db),
        ),
        json_out,
    )
    paths = report.write(out or service / ".backend-engineer" / "verify")
    if json_out:
        emit_json({**report.to_dict(), "written": [str(p) for p in paths]})
    else:
        console = make_console()
        shown = [f for f in report.findings if f.severity > Severity.INFO]
        render_findings(console, shown, "verify")
        hidden = len(report.findings) - len(shown)
        for check in report.checks:
            console.print(f"{status_label(_EVENT_STATUS[check.status])} {check.name}: {check.summary}", markup=False)
        console.print(
            f"{'[PASS]' if report.ok else '[FAIL]'} verification; {hidden} info finding(s) only in the report; "
            f"wrote {paths[0]} and {paths[1].name}",
            markup=False,
        )
    raise typer.Exit(exit_codes.OK if report.ok else exit_codes.VERIFY_FAILED)
