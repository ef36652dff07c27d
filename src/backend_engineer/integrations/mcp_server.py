"""The MCP server (mcp 2.x): the workflow's tools for Claude Code, Copilot and other MCP clients.

Approval stays an explicit tool call: `approve` takes the user's literal answer and records it in
the run's ledger; nothing else can approve a plan, and `build` runs only a plan approved that way.
Every failure comes back as a tool error carrying the CLI's message and its exit code with the code's
meaning (``exit 8 (conflict)``), never as a server traceback. Run folders are written beside the
output folder (``<out>/../.backend-engineer/runs/``) unless ``$BACKEND_ENGINEER_RUNS`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from backend_engineer import __version__, exit_codes
from backend_engineer.findings import Finding
from backend_engineer.runs.folder import runs_root

EngineName = Literal["deterministic", "llm"]
Database = Literal["sqlite", "postgresql"]
MEANING = {v: k.lower().replace("_", "-") for k, v in vars(exit_codes).items() if k.isupper() and isinstance(v, int)}

BundleArg = Annotated[
    str, Field(description="Path of the spec bundle folder (company.config.yaml, openapi.yaml, ...).")
]
OutArg = Annotated[
    str,
    Field(description="Path of the output repository: a new folder, or a service generated earlier to evolve."),
]
RunArg = Annotated[str, Field(description="Path of the run folder returned by the plan tool.")]


class ExitError(Exception):
    """A failure with the CLI's exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def tool_error(message: str, code: int) -> ToolError:
    return ToolError(f"{message} [exit {code} ({MEANING.get(code, 'error')})]")


@contextmanager
def cli_errors() -> Iterator[None]:
    """Map the workflow's exceptions to tool errors with the exit code the CLI would use."""
    from backend_engineer.engines.base import EngineConflict
    from backend_engineer.engines.registry import UnknownEngine
    from backend_engineer.workflow import api
    from backend_engineer.workflow.gitops import GitError

    try:
        yield
    except ToolError:
        raise
    except ExitError as exc:
        raise tool_error(str(exc), exc.code) from None
    except api.IntakeBlocked as exc:
        code = exit_codes.BAD_INPUT if exc.report.load_errors else exit_codes.INTAKE_INCOMPLETE
        problems = [
            f"{e['file']}:{e['line']} {e['field']}: {e['message']}. Fix: {e['fix']}" for e in exc.report.load_errors
        ]
        problems += [f"{i.file}:{i.line} {i.path}: {i.message}" for i in exc.report.blockers]
        raise tool_error("intake found blockers: " + "; ".join(problems), code) from None
    except api.EngineRefused as exc:
        raise tool_error(str(exc), exit_codes.UNSUPPORTED) from None
    except UnknownEngine as exc:
        raise tool_error(str(exc), exit_codes.BAD_INPUT) from None
    except (EngineConflict, GitError) as exc:
        raise tool_error(str(exc), exit_codes.CONFLICT) from None
    except (api.Cancelled, api.RunCancelled) as exc:
        raise tool_error(f"cancelled: {exc}", exit_codes.CANCELLED) from None
    except api.ApprovalRefused as exc:
        raise tool_error(str(exc), exit_codes.NOT_APPROVED) from None
    except (api.RunFolderError, api.AlreadyBuilt, OSError) as exc:
        raise tool_error(str(exc), exit_codes.BAD_INPUT) from None


def _findings(items: list[Finding]) -> list[dict[str, Any]]:
    return [f.to_dict() for f in items]


def _existing(path: str, what: str) -> Path:
    p = Path(path).expanduser()
    if not p.exists():
        raise tool_error(f"{path}: no such {what}; pass an existing path", exit_codes.BAD_INPUT)
    return p


def run_approved_build(run_dir: Path, db: str, pg_url: str | None, verify: bool, quick: bool) -> dict[str, Any]:
    """Build the plan of ``run_dir``; the workflow refuses (exit 4) unless the ledger approves its plan hash.

    The one call into the build: no answer and no prompt are passed, so only an approval recorded earlier
    (through the approve tool or the CLI) lets it write.
    """
    from backend_engineer.runs.folder import load_state
    from backend_engineer.workflow import api

    state = load_state(run_dir)
    options = api.BuildOptions(engine=state.engine, db=db, pg_url=pg_url, verify=verify, quick_verify=quick)
    gen = api.iter_build(Path(state.bundle), Path(state.out_dir), run_dir=run_dir, options=options)
    events = []
    try:
        while True:
            events.append(next(gen).to_dict())
    except StopIteration as stop:
        result: api.BuildResult = stop.value
    if result.exit_code != exit_codes.OK:
        failures = [e["message"] for e in events if e.get("status") == "fail"]
        detail = f" ({'; '.join(failures[:5])})" if failures and result.message not in failures else ""
        raise ExitError(f"{result.status}: {result.message}{detail}", result.exit_code)
    return {**result.to_dict(), "events": events}


def build_server() -> MCPServer[Any]:
    server: MCPServer[Any] = MCPServer(
        name="backend-engineer",
        version=__version__,
        instructions=(
            "Plan, approve (explicitly), build, verify and review backend changes from a spec bundle. "
            "Call plan, show the plan and ask the user the exact question it returns; call approve with the "
            "user's literal answer (yes, proceed or execute approve; STOP, HALT or ABORT cancel); then build."
        ),
    )

    @server.tool()
    def intake(bundle: BundleArg) -> dict[str, Any]:
        """List every missing or contradictory input of a spec bundle, field by field, with safe options."""
        from backend_engineer.workflow import api

        with cli_errors():
            return api.intake(_existing(bundle, "bundle folder")).to_dict()

    @server.tool()
    def plan(
        bundle: BundleArg,
        out: OutArg,
        engine: Annotated[
            EngineName, Field(description="deterministic: offline templates (default); llm: a model writes the code.")
        ] = "deterministic",
        accept_breaking: Annotated[
            tuple[str, ...], Field(description="Ids of breaking contract changes the user accepted (listed by intake).")
        ] = (),
    ) -> dict[str, Any]:
        """Write a plan to a new run folder beside the output; returns the run folder, the plan hash and the
        exact question to ask the user before anything is written."""
        from backend_engineer.workflow import api

        with cli_errors():
            out_dir = Path(out)
            result = api.make_plan(
                _existing(bundle, "bundle folder"),
                out_dir,
                engine=engine,
                runs=runs_root(out_dir),
                accept_breaking=tuple(accept_breaking),
            )
        return {
            "run_dir": str(result.run_dir),
            "plan_hash": result.plan_hash,
            "question": result.phrase,
            "plan": result.plan.to_dict(),
            "markdown": result.plan.to_markdown(),
        }

    @server.tool()
    def approve(
        run_dir: RunArg,
        answer: Annotated[str, Field(description="The user's literal answer to the question, word for word.")],
    ) -> dict[str, Any]:
        """Record the user's literal answer to the authorization question. Only yes, proceed or execute approve;
        STOP, HALT or ABORT cancel. Never call this without asking the user."""
        from backend_engineer.workflow import api

        with cli_errors():
            return api.approve(_existing(run_dir, "run folder"), answer, via="mcp tool call").to_dict()

    @server.tool()
    def build(
        run_dir: RunArg,
        verify: Annotated[bool, Field(description="Run the verification checks after the commits.")] = True,
        quick: Annotated[bool, Field(description="Shorter fuzzing and load runs during verification.")] = True,
        db: Annotated[Database, Field(description="The database verification runs migrations and probes on.")] = (
            "sqlite"
        ),
        pg_url: Annotated[
            str | None, Field(description="PostgreSQL server URL when db is postgresql (postgresql://user@host/db).")
        ] = None,
    ) -> dict[str, Any]:
        """Implement an approved plan: atomic commits in the output repository, then verify, review and hand off.
        Refuses (exit 4) unless the user's approval of this plan hash is in the run's ledger."""
        with cli_errors():
            if db == "postgresql" and not pg_url:
                raise ExitError("db is postgresql: pass pg_url, the server to verify on", exit_codes.BAD_INPUT)
            return run_approved_build(_existing(run_dir, "run folder"), db, pg_url, verify, quick)

    @server.tool()
    def openapi_lint(
        file: Annotated[str, Field(description="Path of the OpenAPI 3.x file (YAML or JSON).")],
    ) -> dict[str, Any]:
        """Validate an OpenAPI file and apply the house rules (BE1xx)."""
        from backend_engineer.verify.openapi_lint.engine import lint_file

        with cli_errors():
            findings = lint_file(_existing(file, "OpenAPI file"))
        return {"findings": _findings(findings), "count": len(findings)}

    @server.tool()
    def migration_check(
        folder: Annotated[str, Field(description="Path of the Alembic project (the folder with alembic.ini).")],
        sqlite_only: Annotated[
            bool, Field(description="Check on SQLite only; false also uses a local PostgreSQL when one answers.")
        ] = True,
    ) -> dict[str, Any]:
        """Check an Alembic project: heads, round trips, drift and dangerous operations (BE2xx)."""
        from backend_engineer.verify.migrations.check import MigrationCheckError, check_project

        with cli_errors():
            try:
                result = check_project(_existing(folder, "project folder"), try_local_pg=not sqlite_only)
            except MigrationCheckError as exc:
                raise ExitError(str(exc), exit_codes.BAD_INPUT) from None
        return {"findings": _findings(result.findings), "databases": result.databases, "revisions": result.revisions}

    @server.tool()
    def review(
        path: Annotated[str, Field(description="Path of a Python file or a folder to review.")],
    ) -> dict[str, Any]:
        """Review backend code and return ReviewFindings JSON."""
        from backend_engineer.review.engine import ReviewError, review_path

        with cli_errors():
            try:
                return review_path(_existing(path, "file or folder")).to_dict()
            except ReviewError as exc:
                raise ExitError(str(exc), exit_codes.BAD_INPUT) from None

    @server.tool()
    def verify(
        service: Annotated[str, Field(description="Path of a service generated by backend-engineer.")],
        quick: Annotated[bool, Field(description="Shorter fuzzing and load runs.")] = True,
    ) -> dict[str, Any]:
        """Run every verification check on a generated service (SQLite; bounded loopback load)."""
        from backend_engineer.spec.bundle import load_bundle
        from backend_engineer.verify.runner import VerifyOptions, iter_verify

        with cli_errors():
            root = _existing(service, "service folder")
            loaded = load_bundle(root / ".backend-engineer" / "bundle")
            if loaded.bundle is None:
                raise ExitError(
                    f"{root}: no readable .backend-engineer/bundle; is this a generated service?", exit_codes.BAD_INPUT
                )
            gen = iter_verify(root, loaded.bundle, VerifyOptions(quick=quick, sqlite_only=True))
            try:
                while True:
                    next(gen)
            except StopIteration as stop:
                return dict(stop.value.to_dict())

    @server.tool()
    def handoff(run_dir: RunArg) -> dict[str, Any]:
        """(Re)write and return the handoff report of a run."""
        import json

        from backend_engineer.workflow import api

        with cli_errors():
            paths = api.write_handoff(_existing(run_dir, "run folder"))
        data: dict[str, Any] = json.loads(paths[0].read_text())
        data["files"] = [str(p) for p in paths]
        return data

    @server.tool()
    def design(
        bundle: BundleArg,
        refine: Annotated[
            bool, Field(description="Propose BE1xx fixes to the bundle's existing openapi.yaml instead of drafting.")
        ] = False,
        accept: Annotated[
            str,
            Field(description='With refine: which changes to write: "all", rule codes or change ids, comma-separated.'),
        ] = "",
        out: Annotated[
            str, Field(description="Where to write the contract (default: the bundle's openapi.yaml).")
        ] = "",
        write: Annotated[
            bool, Field(description="Write the draft (never over an existing file); false only returns it.")
        ] = False,
    ) -> dict[str, Any]:
        """Draft an OpenAPI contract from datamodel/techspec/security/company.config (written only with write=true,
        never over an existing file), or with refine=true propose BE1xx fixes as a diff; accept ("all", rule codes
        or change ids, comma-separated) writes only those changes."""
        from backend_engineer.design.service import DesignError
        from backend_engineer.design.service import design as draft
        from backend_engineer.design.service import refine as propose

        with cli_errors():
            folder = _existing(bundle, "bundle folder")
            target = Path(out).expanduser() if out else None
            try:
                if refine:
                    result = propose(folder, target, accept=[a for a in accept.split(",") if a.strip()])
                else:
                    result = draft(folder, target, write=write)
            except DesignError as exc:
                raise ExitError(str(exc), exit_codes.BAD_INPUT) from exc
        return {**result.to_dict(), "contract": result.text}

    return server


def serve() -> None:
    build_server().run("stdio")
