"""`mcp` (stdio server), `init` (agent files and tool scripts) and `handoff-html`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from backend_engineer import exit_codes
from backend_engineer.cli.output import emit_json, make_console


def register(app: typer.Typer) -> None:
    app.command("mcp")(mcp)
    app.command("init")(init)
    app.command("handoff-html")(handoff_html)


def mcp() -> None:
    """Serve the workflow's tools over MCP on stdio (for Claude Code, Copilot and other MCP clients)."""
    from backend_engineer.integrations.mcp_server import serve

    serve()


def init(
    repo: Path = typer.Argument(Path("."), help="The repository to initialise."),
    force: bool = typer.Option(False, "--force", help="Overwrite files that already exist."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Write agent files (.claude, .github), register the MCP server (.mcp.json, .vscode/mcp.json), the tools/
    scripts and a company.config.yaml template (not next to a real bundle)."""
    from backend_engineer.integrations.init_repo import init_repo

    try:
        result = init_repo(repo, force=force)
    except FileNotFoundError as exc:
        make_console(stderr=True).print(f"[FAIL] {exc}", markup=False)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    if json_out:
        emit_json({"written": result.written, "skipped": result.skipped, "reasons": result.reasons})
        return
    console = make_console()
    for rel in result.written:
        console.print(f"[PASS] wrote {rel}", markup=False)
    for rel in result.skipped:
        console.print(f"[SKIP] {rel} {result.reasons.get(rel, 'exists (use --force to overwrite)')}", markup=False)


def handoff_html(
    source: Path = typer.Argument(..., help="A run folder or a handoff.json file."),
    out: Path | None = typer.Option(None, "--out", help="Where to write the page (default: next to handoff.json)."),
    json_out: bool = typer.Option(False, "--json", help="Print the written path as JSON."),
) -> None:
    """Render handoff.json as one self-contained HTML page."""
    from backend_engineer.handoff.html import render_html

    path = source / "handoff.json" if source.is_dir() else source
    if not path.is_file():
        make_console(stderr=True).print(
            f"[FAIL] {path}: no handoff.json; run `backend-engineer handoff` first", markup=False
        )
        raise typer.Exit(exit_codes.BAD_INPUT)
    target = out or path.with_suffix(".html")
    target.write_text(render_html(json.loads(path.read_text())))
    if json_out:
        emit_json({"written": str(target)})
    else:
        make_console().print(f"[PASS] wrote {target}", markup=False)
