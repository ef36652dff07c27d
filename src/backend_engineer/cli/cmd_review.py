"""`review`: ReviewFindings JSON, SARIF and baselines for any Python backend codebase."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from backend_engineer import exit_codes
from backend_engineer.cli.output import emit_json, make_console, render_findings


def register(app: typer.Typer) -> None:
    app.command("review")(review)


def review(
    path: Path = typer.Argument(
        Path("."), help="A file or folder of Python code (FastAPI, Flask, Django, SQLAlchemy)."
    ),
    sarif: Path | None = typer.Option(None, "--sarif", help="Also write SARIF 2.1.0 to this file."),
    baseline: Path | None = typer.Option(None, "--baseline", help="Hide findings recorded in this baseline."),
    write_baseline: Path | None = typer.Option(None, "--write-baseline", help="Record today's findings as a baseline."),
    no_ruff: bool = typer.Option(False, "--no-ruff", help="Skip the ruff S/FAST/ASYNC/BLE pass."),
    include_tests: bool = typer.Option(False, "--include-tests", help="Also review tests/ and test_*.py."),
    schema: bool = typer.Option(False, "--schema", help="Print the ReviewFindings JSON Schema and exit."),
    json_out: bool = typer.Option(False, "--json", help="Print ReviewFindings JSON."),
    strict: bool = typer.Option(
        False, "--strict", help="Let quality findings (FAST, BLE, idempotency, pagination) block too."
    ),
    llm: bool = typer.Option(
        False, "--llm", help="Ask the model configured by BE_LLM_* to confirm or reject each security finding."
    ),
) -> None:
    """Review backend code: exit 1 when a major or blocker security finding remains (any finding with
    --strict), 2 on bad input."""
    from backend_engineer.review.engine import ReviewError, review_path
    from backend_engineer.review.engine import write_baseline as save_baseline
    from backend_engineer.review.report import SCHEMA

    if schema:
        emit_json(SCHEMA)
        return
    try:
        report = review_path(path, baseline=baseline, use_ruff=not no_ruff, include_tests=include_tests, strict=strict)
    except ReviewError as exc:
        make_console(stderr=True).print(f"[FAIL] {exc}", markup=False)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    if llm:
        from backend_engineer.llm.config import LlmConfig, make_model
        from backend_engineer.llm.providers.base import Message, ModelError
        from backend_engineer.review.llm_confirm import confirm

        try:
            config = LlmConfig.from_env()
            if config is None:
                raise ModelError("--llm needs a model: set BE_LLM_PROVIDER (openai, anthropic or scripted)")
            model = make_model(config)

            def ask(system: str, user: str) -> str:
                return model.complete([Message("system", system), Message("user", user)], []).text

            report = confirm(report, ask, path.resolve())
        except ModelError as exc:
            make_console(stderr=True).print(f"[FAIL] {exc}", markup=False)
            raise typer.Exit(exit_codes.BAD_INPUT) from None
    if sarif is not None:
        sarif.write_text(json.dumps(report.to_sarif(), indent=2) + "\n")
    if write_baseline is not None:
        save_baseline(report, write_baseline)
    if json_out:
        emit_json(report.to_dict())
    else:
        console = make_console()
        render_findings(console, report.security, f"review {path}: security")
        if report.quality:
            render_findings(console, report.quality, "quality (blocks only with --strict)")
        for finding, reason in report.rejected:
            console.print(f"[INFO] model rejected {finding.code} {finding.path}:{finding.line}: {reason}", markup=False)
        console.print(
            f"[{'FAIL' if report.status == 'blocked' else 'PASS'}] {report.status}: "
            f"{len(report.security)} security and {len(report.quality)} quality finding(s) in {report.files} "
            f"file(s); {report.suppressed} suppressed, {report.baselined} baselined",
            markup=False,
        )
    raise typer.Exit(exit_codes.FINDINGS if report.status == "blocked" else exit_codes.OK)
