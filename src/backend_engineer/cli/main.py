"""Entry point: assembles the Typer app from the command modules.

Each ``cmd_*`` module exposes ``register(app)``. The list is fixed so a missing module is a bug
that ``tests/test_cli_commands.py`` catches.
"""

from __future__ import annotations

import importlib
import sys

import typer

from backend_engineer import __version__

COMMAND_MODULES = (
    "cmd_bundle",
    "cmd_workflow",
    "cmd_generate",
    "cmd_verify",
    "cmd_review",
    "cmd_llm",
    "cmd_integrations",
    "cmd_design",
)

app = typer.Typer(
    name="backend-engineer",
    help="Turns a spec bundle into a verified backend change: code, migrations, tests, docs, evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"backend-engineer {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """backend-engineer: intake, plan, approve, build, verify, review, handoff."""


def _register_all() -> list[str]:
    missing = []
    for name in COMMAND_MODULES:
        qualified = f"backend_engineer.cli.{name}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:
                raise
            missing.append(name)
            continue
        module.register(app)
    return missing


MISSING_COMMAND_MODULES = _register_all()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("[CANCELLED] interrupted; nothing was written\n")
        sys.exit(5)


if __name__ == "__main__":
    main()
