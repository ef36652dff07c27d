from __future__ import annotations

from typer.testing import CliRunner

from backend_engineer.cli import main

EXPECTED = {
    "schema",
    "intake",
    "plan",
    "approve",
    "build",
    "handoff",
    "generate",
    "openapi-lint",
    "migration-check",
    "fuzz",
    "probe",
    "slo-check",
    "conformance",
    "dep-scan",
    "verify",
    "review",
    "change",
    "mcp",
    "init",
}


def test_every_command_module_is_present() -> None:
    assert main.MISSING_COMMAND_MODULES == []


def test_every_command_is_registered_and_offers_json() -> None:
    runner = CliRunner()
    names = {c.name or c.callback.__name__.replace("_", "-") for c in main.app.registered_commands if c.callback}
    assert names >= EXPECTED, sorted(EXPECTED - names)
    for name in sorted(names - {"mcp"}):
        result = runner.invoke(main.app, [name, "--help"], env={"NO_COLOR": "1", "COLUMNS": "200"})
        assert result.exit_code == 0, (name, result.output)
        assert "--json" in result.output, f"{name} has no --json option"
