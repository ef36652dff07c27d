"""The two agent entry points: implement a "needs business logic" operation, and carry out a change request.

Both ask for missing inputs first (a :class:`ClarificationRequest`, no code written), then run the
loop confined to the owned paths, and return the :class:`AgentReport`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator
from pathlib import Path
from typing import Any

from backend_engineer.events import Event, Status
from backend_engineer.llm import clarify, goals
from backend_engineer.llm.agent import STAGE, AgentReport, Budget, run_agent
from backend_engineer.llm.providers.base import ModelPort
from backend_engineer.llm.sandbox import Runner
from backend_engineer.llm.scope import ScopePolicy
from backend_engineer.llm.tools import Toolbox
from backend_engineer.llm.transcript import Transcript
from backend_engineer.llm.validate import Step, detect_steps
from backend_engineer.spec.bundle import Bundle, load_bundle


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).replace("-", "_").lower()


def _operation_brief(bundle: Bundle, operation_id: str) -> str:
    api = bundle.api
    assert api is not None
    op = next(o for o in api.operations if o.operation_id == operation_id)
    raw: dict[str, Any] = api.resolve(api.doc["paths"][op.path][op.method])
    request = api.request_schema(op)
    responses = {str(code): api.resolve_deep(resp) for code, resp in (raw.get("responses") or {}).items()}
    permission = (
        bundle.security.authorization.operations.get(operation_id)
        if bundle.security and bundle.security.authorization
        else None
    )
    fn = snake(operation_id)
    return "\n".join(
        [
            f"Implement the operation {operation_id} ({op.method.upper()} {op.path}) behind its port.",
            f"Edit only app/custom/operations/{fn}.py (its `handle` function) and add tests under tests/custom/;",
            f"tests/custom/test_{fn}.py fails until the operation is implemented: replace it with tests of its rules.",
            f"Permission (already enforced by the route): {permission}.",
            "Business rules from the contract:",
            str(raw.get("description") or raw.get("summary") or "").strip(),
            "Request body schema:",
            json.dumps(api.resolve_deep(request), indent=1, default=str)[:3000] if request else "(none)",
            "Responses:",
            json.dumps(responses, indent=1, default=str)[:4000],
            "Keep the typed signature of `handle` (EXTENSIONS.md lists it). Read and write through the typed",
            "repositories in app.service_layer.<entity> over ctx.uow with the caller's tenant (ctx.tenant_id); raise",
            "the errors in app.platform.errors (their subclasses may set a more specific `code`) so answers use the",
            "error envelope.",
        ]
    )


def implement_operation(
    model: ModelPort,
    bundle: Bundle,
    repo: Path,
    operation_id: str,
    budget: Budget | None = None,
    steps: list[Step] | None = None,
    runner: Runner | None = None,
    runner_reason: str = "no sandbox was configured",
    transcript: Transcript | None = None,
) -> Generator[Event, None, AgentReport]:
    """Fill the port stub the generator left for ``operation_id`` in ``repo`` (a git repository)."""
    request = clarify.for_operation(bundle, operation_id)
    if request:
        yield Event(STAGE, Status.ASK, request.render(), request.to_dict())
        return AgentReport("clarification", f"implement {operation_id}", clarification=request)
    fn = snake(operation_id)
    own = bundle.company.ownership if bundle.company else None
    try:
        goal = goals.for_operation(repo, operation_id, fn)
    except ValueError as exc:
        yield Event(STAGE, Status.WARN, f"{exc}; implementing without a goal test")
        goal = None
    if goal is not None:
        report = yield from goals.run_goal(
            model,
            repo,
            goal,
            _operation_brief(bundle, operation_id),
            budget,
            steps,
            forbidden=tuple(own.forbidden) if own else (),
            max_files=bundle.max_files_per_change,
            runner=runner,
            runner_reason=runner_reason,
            transcript=transcript,
            commit_message=f"feat(custom): implement {operation_id} behind its port",
            author=bundle.persona or "backend-engineer",
        )
        return report
    scope = ScopePolicy(
        repo,
        owned=(f"app/custom/operations/{fn}.py", "tests/custom/"),
        forbidden=tuple(own.forbidden) if own else (),
        max_files=bundle.max_files_per_change,
    )
    report = yield from run_agent(
        model,
        _operation_brief(bundle, operation_id),
        Toolbox(scope, runner=runner, no_runner_reason=runner_reason),
        detect_steps(repo) if steps is None else steps,
        budget,
        commit_message=f"feat(custom): implement {operation_id} behind its port",
        author=bundle.persona or "backend-engineer",
        transcript=transcript,
    )
    return report


def change_scope(repo: Path, max_files: int | None = None) -> ScopePolicy:
    """Ownership from the repository's bundle copy when it has one, else the whole repository minus the defaults."""
    bundle_dir = repo / ".backend-engineer" / "bundle"
    company = None
    if (bundle_dir / "company.config.yaml").is_file():
        loaded = load_bundle(bundle_dir)
        company = loaded.bundle.company if loaded.bundle else None
    policy = ScopePolicy.from_company(repo, company, max_files)
    policy.forbidden = tuple(dict.fromkeys((*policy.forbidden, ".backend-engineer/**")))
    return policy


def run_change(
    model: ModelPort,
    request: str,
    repo: Path,
    budget: Budget | None = None,
    steps: list[Step] | None = None,
    scope: ScopePolicy | None = None,
    runner: Runner | None = None,
    runner_reason: str = "no sandbox was configured",
    transcript: Transcript | None = None,
) -> Generator[Event, None, AgentReport]:
    """Carry out a free-text change request on an existing git repository."""
    missing = clarify.for_change(request, repo)
    if missing:
        yield Event(STAGE, Status.ASK, missing.render(), missing.to_dict())
        return AgentReport("clarification", request, clarification=missing)
    task = "\n".join(
        [
            f"Change request: {request.strip()}",
            "Study the repository first (glob, grep, read), keep its conventions, add or update tests, and keep the",
            "change small. If the repository uses Alembic, a schema change needs a new migration revision.",
        ]
    )
    title = re.sub(r"\s+", " ", request.strip())[:60]
    report = yield from run_agent(
        model,
        task,
        Toolbox(scope or change_scope(repo), runner=runner, no_runner_reason=runner_reason),
        detect_steps(repo) if steps is None else steps,
        budget,
        commit_message=f"feat: {title}",
        transcript=transcript,
    )
    return report
