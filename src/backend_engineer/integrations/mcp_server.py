"""The MCP server (mcp 2.x): the workflow's tools for Claude Code, Copilot and other MCP clients.

Approval stays an explicit tool call: `approve` takes the user's literal answer and records it in
the run's ledger; nothing else can approve a plan. Errors are raised as ToolError with a message that
names the file, the field and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from backend_engineer import __version__
from backend_engineer.findings import Finding


def _findings(items: list[Finding]) -> list[dict[str, Any]]:
    return [f.to_dict() for f in items]


def _existing(path: str, what: str) -> Path:
    p = Path(path).expanduser()
    if not p.exists():
        raise ToolError(f"{path}: no such {what}; pass an existing path")
    return p


def build_server() -> MCPServer[Any]:
    server: MCPServer[Any] = MCPServer(
        name="backend-engineer",
        version=__version__,
        instructions="Plan, approve (explicitly), build, verify and review backend changes from a spec bundle.",
    )

    @server.tool()
    def intake(bundle: str) -> dict[str, Any]:
        """List every missing or contradictory input of a spec bundle, field by field, with safe options."""
        from backend_engineer.workflow import api

        return api.intake(_existing(bundle, "bundle folder")).to_dict()

    @server.tool()
    def plan(bundle: str, out: str, engine: str = "deterministic") -> dict[str, Any]:
        """Write a plan to a new run folder; returns the run folder, the plan hash and the question to ask."""
        from backend_engineer.engines.registry import UnknownEngine
        from backend_engineer.workflow import api

        try:
            result = api.make_plan(_existing(bundle, "bundle folder"), Path(out), engine=engine)
        except api.IntakeBlocked as exc:
            raise ToolError(
                "intake found blockers: "
                + "; ".join(f"{i.file}:{i.line} {i.path}: {i.message}" for i in exc.report.blockers)
            ) from exc
        except (api.EngineRefused, UnknownEngine) as exc:
            raise ToolError(str(exc)) from exc
        return {
            "run_dir": str(result.run_dir),
            "plan_hash": result.plan_hash,
            "question": result.phrase,
            "plan": result.plan.to_dict(),
            "markdown": result.plan.to_markdown(),
        }

    @server.tool()
    def approve(run_dir: str, answer: str) -> dict[str, Any]:
        """Record the user's literal answer to the authorization question. Only yes, proceed or execute approve;
        STOP, HALT or ABORT cancel. Never call this without asking the user."""
        from backend_engineer.workflow import api

        try:
            record = api.approve(_existing(run_dir, "run folder"), answer, via="mcp tool call")
        except api.Cancelled as exc:
            raise ToolError(f"cancelled: {exc}") from exc
        except api.ApprovalRefused as exc:
            raise ToolError(str(exc)) from exc
        except (api.RunFolderError, api.AlreadyBuilt) as exc:
            raise ToolError(str(exc)) from exc
        return record.to_dict()

    @server.tool()
    def openapi_lint(file: str) -> dict[str, Any]:
        """Validate an OpenAPI file and apply the house rules (BE1xx)."""
        from backend_engineer.verify.openapi_lint.engine import lint_file

        findings = lint_file(_existing(file, "OpenAPI file"))
        return {"findings": _findings(findings), "count": len(findings)}

    @server.tool()
    def migration_check(folder: str, sqlite_only: bool = True) -> dict[str, Any]:
        """Check an Alembic project: heads, round trips, drift and dangerous operations (BE2xx)."""
        from backend_engineer.verify.migrations.check import MigrationCheckError, check_project

        try:
            result = check_project(_existing(folder, "project folder"), try_local_pg=not sqlite_only)
        except MigrationCheckError as exc:
            raise ToolError(str(exc)) from exc
        return {"findings": _findings(result.findings), "databases": result.databases, "revisions": result.revisions}

    @server.tool()
    def review(path: str) -> dict[str, Any]:
        """Review backend code and return ReviewFindings JSON."""
        from backend_engineer.review.engine import ReviewError, review_path

        try:
            return review_path(_existing(path, "file or folder")).to_dict()
        except ReviewError as exc:
            raise ToolError(str(exc)) from exc

    @server.tool()
    def verify(service: str, quick: bool = True) -> dict[str, Any]:
        """Run every verification check on a generated service (SQLite; bounded loopback load)."""
        from backend_engineer.spec.bundle import load_bundle
        from backend_engineer.verify.runner import VerifyOptions, iter_verify

        root = _existing(service, "service folder")
        loaded = load_bundle(root / ".backend-engineer" / "bundle")
        if loaded.bundle is None:
            raise ToolError(f"{root}: no readable .backend-engineer/bundle; is this a generated service?")
        gen = iter_verify(root, loaded.bundle, VerifyOptions(quick=quick, sqlite_only=True))
        try:
            while True:
                next(gen)
        except StopIteration as stop:
            return dict(stop.value.to_dict())

    @server.tool()
    def handoff(run_dir: str) -> dict[str, Any]:
        """(Re)write and return the handoff report of a run."""
        import json

        from backend_engineer.workflow import api

        try:
            paths = api.write_handoff(_existing(run_dir, "run folder"))
        except api.RunFolderError as exc:
            raise ToolError(str(exc)) from exc
        data: dict[str, Any] = json.loads(paths[0].read_text())
        data["files"] = [str(p) for p in paths]
        return data

    @server.tool()
    def design(
        bundle: str, refine: bool = False, accept: str = "", out: str = "", write: bool = False
    ) -> dict[str, Any]:
        """Draft an OpenAPI contract from datamodel/techspec/security/company.config (written only with write=true,
        never over an existing file), or with refine=true propose BE1xx fixes as a diff; accept ("all", rule codes
        or change ids, comma-separated) writes only those changes."""
        from backend_engineer.design.service import DesignError
        from backend_engineer.design.service import design as draft
        from backend_engineer.design.service import refine as propose

        folder = _existing(bundle, "bundle folder")
        target = Path(out).expanduser() if out else None
        try:
            if refine:
                result = propose(folder, target, accept=[a for a in accept.split(",") if a.strip()])
            else:
                result = draft(folder, target, write=write)
        except DesignError as exc:
            raise ToolError(str(exc)) from exc
        return {**result.to_dict(), "contract": result.text}

    return server


def serve() -> None:
    build_server().run("stdio")
