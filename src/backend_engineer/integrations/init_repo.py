"""`init`: agent files for Claude Code and Copilot, MCP registrations, the tool scripts and a config template.

The Claude Code agent (`.claude/agents/*.md`) and the VS Code custom agent (`.github/agents/*.agent.md`)
follow each tool's documented frontmatter (name, description, tools; VS Code's tool aliases read, edit,
search, execute, todo and `<server>/*` for MCP tools) and carry the same instructions: the exact approval
question and words, STOP/HALT/ABORT, the exact commands, SERVICE= and how to fill a stub.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HEADER = """#!/usr/bin/env bash
# Written by `backend-engineer init`. Runs every step, then reports each failure; exits with the first
# failing step's code (0 when all pass). SERVICE=path/to/service when the service is not the repo root.
set -uo pipefail
BE="${BACKEND_ENGINEER:-backend-engineer}"
cd "$(git rev-parse --show-toplevel 2>/dev/null || pwd)"
status=0
failed=()
step() {
  echo "==> $*"
  "$@"
  local code=$?
  if [ "$code" -ne 0 ]; then
    failed+=("$* (exit $code)")
    if [ "$status" -eq 0 ]; then status=$code; fi
  fi
}
finish() {
  if [ "${#failed[@]}" -gt 0 ]; then
    printf '[FAIL] %s\\n' "${failed[@]}" >&2
  else
    echo "[PASS] every step passed"
  fi
  exit "$status"
}
"""
SCRIPTS = {
    "tools/ci/run-tests.sh": 'step "$BE" verify "${SERVICE:-.}" --sqlite-only '
    '--skip lint,openapi-lint,migrations,fuzz,probe,slo,dep-scan "$@"\nfinish\n',
    "tools/ci/lint-format.sh": 'step "$BE" verify "${SERVICE:-.}" --sqlite-only '
    "--skip tests,openapi-lint,migrations,fuzz,probe,slo,dep-scan\n"
    'step "$BE" review "${SERVICE:-.}" "$@"\nfinish\n',
    "tools/ci/openapi-lint.sh": 'step "$BE" openapi-lint "${OPENAPI:-${SERVICE:-.}/.backend-engineer/bundle/openapi.yaml}" '
    '"$@"\nfinish\n',
    "tools/db/migration-check.sh": 'step "$BE" migration-check "${SERVICE:-.}" "$@"\nfinish\n',
    "tools/db/seed.sh": ': "${DATABASE_URL:?set DATABASE_URL to the migrated database to seed}"\n'
    'step "$BE" seed "${BUNDLE:-${SERVICE:-.}/.backend-engineer/bundle}" --db "$DATABASE_URL" "$@"\nfinish\n',
    "tools/security/dependency-scan.sh": ': "${OSV_DB:?set OSV_DB to an OSV advisory folder or zip; without one '
    'nothing is checked}"\nstep "$BE" dep-scan --db "$OSV_DB" ${LOCK:+--lock "$LOCK"} "$@"\nfinish\n',
    "tools/artifact/validate.sh": 'step "$BE" intake "${BUNDLE:-${SERVICE:-.}/.backend-engineer/bundle}" "$@"\nfinish\n',
}
MCP_TOOLS = (
    "intake",
    "plan",
    "approve",
    "build",
    "verify",
    "review",
    "handoff",
    "openapi_lint",
    "migration_check",
    "design",
)
SERVER = "backend-engineer"
CLAUDE_TOOLS = ["Read", "Grep", "Glob", "Bash", "Edit", "Write", *(f"mcp__{SERVER}__{t}" for t in MCP_TOOLS)]
COPILOT_TOOLS = ["read", "edit", "search", "execute", "todo", f"{SERVER}/*"]


def _quoted(words: frozenset[str], upper: bool = False) -> str:
    ordered = sorted(words, key=lambda w: ["yes", "proceed", "execute", "stop", "halt", "abort"].index(w))
    return ", ".join(f'"{w.upper() if upper else w}"' for w in ordered)


def _instructions() -> str:
    """The body both agent files share: the gate's exact words, the exact commands, and where code goes."""
    from backend_engineer.workflow.approvals import APPROVE_WORDS, CANCEL_WORDS, PHRASES

    phrases = "\n".join(f"   - {p}" for p in PHRASES)
    return f"""You are Casey, the backend engineer. You work through the `backend-engineer` CLI, or the same
steps as tools of the `{SERVER}` MCP server (registered in `.mcp.json` and `.vscode/mcp.json`).
The contract (openapi.yaml) is the law: deliver exactly what it says, and report what you cannot do.

## The gated workflow (never skip a step)

1. `backend-engineer intake BUNDLE` (MCP: `intake`). Exit 3 lists every missing or contradictory input:
   ask the user about each one and wait; never guess a value.
2. `backend-engineer plan BUNDLE --out SERVICE_DIR` (MCP: `plan`). Show the user the plan (`plan.md` in
   the run folder it prints, beside SERVICE_DIR under `.backend-engineer/runs/`), then ask the exact
   question it prints after `[ASK]`, word for word. It is one of:
{phrases}
   Then stop and wait for the user's answer.
3. Record the user's literal answer, never your own:
   `backend-engineer approve RUN_DIR --answer "<the user's words>"` (MCP: `approve`).
   - Only {_quoted(APPROVE_WORDS)} approve.
   - {_quoted(CANCEL_WORDS, upper=True)} cancel: record the answer, stop at once and write nothing.
   - Any other answer is not an approval: ask the question again.
4. `backend-engineer build BUNDLE --out SERVICE_DIR --run RUN_DIR` (MCP: `build` with `run_dir`).
   It refuses (exit 4) without a recorded approval for this plan. Read `handoff.md` in the run folder.
   - "built, N operation(s) need business logic" (exit 0): fill the stubs (below), then verify.
   - exit 7: verification failed; read `verification.json`, fix, build again.
   - exit 8: a generated file was edited by hand, or a change needs a decision; move the edit to
     `app/custom/` or revert it. Never force it.
5. Before you finish, run the checks (each runs every step and lists every failure):
   `tools/ci/run-tests.sh`, `tools/ci/lint-format.sh`, `tools/db/migration-check.sh`,
   `tools/ci/openapi-lint.sh`, `tools/artifact/validate.sh`.
   When the service is not at the repository root, prefix them with its folder, for example
   `SERVICE=services/projects tools/ci/run-tests.sh`. `tools/db/seed.sh` needs `DATABASE_URL`;
   `tools/security/dependency-scan.sh` needs `OSV_DB`.

## Where you may write

- Only `app/custom/` and `tests/custom/` belong to the user; generated files are hash-checked, and the
  next build refuses to overwrite a hand edit.
- To fill a "needs business logic" stub: open `app/custom/operations/<operation>.py` (the operation id in
  snake_case), implement its handler as its docstring says (it runs after authentication, the permission
  check and tenancy checks, inside the request's unit of work; raise the errors in
  `app/platform/errors.py` for 4xx answers), add a test under `tests/custom/`, then run
  `tools/ci/run-tests.sh` and `backend-engineer verify SERVICE_DIR`. Until it is filled the route answers
  501 NOT_IMPLEMENTED.
"""


def _claude() -> str:
    return (
        "---\n"
        f"name: {SERVER}\n"
        "description: Senior backend engineer. Turns a spec bundle into a verified backend change (code, migrations "
        "with rollbacks, tests, docs, evidence) behind an explicit approval. Use for new services, schema changes, "
        "filling needs-business-logic stubs and backend reviews.\n"
        f"tools: {', '.join(CLAUDE_TOOLS)}\n"
        "---\n\n" + _instructions()
    )


def _copilot() -> str:
    tools = ", ".join(f"'{t}'" for t in COPILOT_TOOLS)
    return (
        "---\n"
        f"name: {SERVER}\n"
        "description: Plans, implements and verifies backend changes from a spec bundle with the backend-engineer "
        "CLI and MCP server, behind an explicit approval.\n"
        "argument-hint: The spec bundle folder and the service folder to build or evolve\n"
        f"tools: [{tools}]\n"
        "---\n\n" + _instructions()
    )


def _mcp_json(existing: dict[str, Any], key: str, entry: dict[str, Any]) -> dict[str, Any]:
    servers = existing.get(key)
    if not isinstance(servers, dict):
        servers = {}
    return {**existing, key: {**servers, SERVER: entry}}


MCP_FILES: dict[str, tuple[str, dict[str, Any]]] = {
    ".mcp.json": ("mcpServers", {"type": "stdio", "command": "backend-engineer", "args": ["mcp"], "env": {}}),
    ".vscode/mcp.json": ("servers", {"type": "stdio", "command": "backend-engineer", "args": ["mcp"]}),
}
COMPANY = """# Company-wide engineering settings; backend-engineer never deviates from them.
company: Your Company
personas:
  engineering_backend: Casey
tech_stack:
  language: python
  framework: fastapi
  orm: sqlalchemy
  migrations: alembic
  database: postgresql        # sqlite is accepted for local runs and tests
  cache: redis                # optional at run time
  jobs: outbox
api:
  style: rest
  versioning: url
  pagination: cursor
  error_envelope: standard
  idempotency: header
architecture:
  pattern: ports-and-adapters
  multi_tenancy: row
conventions:
  commit_style: conventional
  max_files_per_change: 15
ownership:
  owned: [app/custom, tests/custom]
  forbidden: [migrations, .backend-engineer]
"""


@dataclass(frozen=True)
class InitResult:
    written: list[str]
    skipped: list[str]
    reasons: dict[str, str] = field(default_factory=dict)


def files() -> dict[str, str]:
    out = {
        ".claude/agents/backend-engineer.md": _claude(),
        ".github/agents/backend-engineer.agent.md": _copilot(),
        "company.config.yaml": COMPANY,
    }
    out.update({path: HEADER + body for path, body in SCRIPTS.items()})
    return out


def real_bundle(repo: Path) -> Path | None:
    """A company.config.yaml that belongs to a real bundle (a generated service's lock, or a bundle folder)."""
    for pattern in (".backend-engineer/bundle/company.config.yaml", "*/company.config.yaml", "*/*/company.config.yaml"):
        for found in sorted(repo.glob(pattern)):
            if found.parent != repo and (found.parent / "openapi.yaml").is_file():
                return found
    return None


def _write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(tmp, 0o755 if target.name.endswith(".sh") else 0o644)
    os.replace(tmp, target)


def _register_mcp(repo: Path, rel: str, force: bool) -> str | None:
    """Add the server to an MCP config, keeping every other server; the reason when it is left alone."""
    key, entry = MCP_FILES[rel]
    target = repo / rel
    current: dict[str, Any] = {}
    if target.exists():
        try:
            loaded = json.loads(target.read_text(encoding="utf-8"))
        except ValueError as exc:
            return f"is not valid JSON ({exc}); add the {SERVER} server by hand"
        if not isinstance(loaded, dict):
            return f"is not a JSON object; add the {SERVER} server by hand"
        current = loaded
        if isinstance(current.get(key), dict) and SERVER in current[key] and not force:
            return f"already registers {SERVER} (use --force to overwrite)"
    _write(target, json.dumps(_mcp_json(current, key, entry), indent=2) + "\n")
    return None


def init_repo(repo: Path, force: bool = False) -> InitResult:
    if not repo.is_dir():
        raise FileNotFoundError(f"{repo}: no such folder; pass the repository to initialise")
    written, skipped, reasons = [], [], {}
    bundle = real_bundle(repo)
    for rel, text in files().items():
        target = repo / rel
        if rel == "company.config.yaml" and bundle is not None and not target.exists():
            skipped.append(rel)
            reasons[rel] = f"not written: {bundle.relative_to(repo)} is the real one"
            continue
        if target.exists() and not force:
            skipped.append(rel)
            reasons[rel] = "exists (use --force to overwrite)"
            continue
        _write(target, text)
        written.append(rel)
    for rel in MCP_FILES:
        reason = _register_mcp(repo, rel, force)
        if reason is None:
            written.append(rel)
        else:
            skipped.append(rel)
            reasons[rel] = reason
    return InitResult(written, skipped, reasons)
