"""`init`: agent files for Claude Code and Copilot, the seeds' tool scripts and a company.config template."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

HEADER = """#!/usr/bin/env bash
# Written by `backend-engineer init`. Exits non-zero when the check fails.
set -euo pipefail
BE="${BACKEND_ENGINEER:-backend-engineer}"
cd "$(git rev-parse --show-toplevel 2>/dev/null || pwd)"
"""
SCRIPTS = {
    "tools/ci/run-tests.sh": 'exec "$BE" verify "${SERVICE:-.}" --sqlite-only --skip lint,openapi-lint,migrations,fuzz,probe,slo,dep-scan "$@"\n',
    "tools/ci/lint-format.sh": '"$BE" verify "${SERVICE:-.}" --sqlite-only --skip tests,openapi-lint,migrations,fuzz,probe,slo,dep-scan\nexec "$BE" review "${SERVICE:-.}" "$@"\n',
    "tools/ci/openapi-lint.sh": 'exec "$BE" openapi-lint "${OPENAPI:-.backend-engineer/bundle/openapi.yaml}" "$@"\n',
    "tools/db/migration-check.sh": 'exec "$BE" migration-check "${SERVICE:-.}" "$@"\n',
    "tools/db/seed.sh": ': "${DATABASE_URL:?set DATABASE_URL to the migrated database to seed}"\n'
    'exec "$BE" seed "${BUNDLE:-.backend-engineer/bundle}" --db "$DATABASE_URL" "$@"\n',
    "tools/security/dependency-scan.sh": ': "${OSV_DB:?set OSV_DB to an OSV advisory folder or zip; without one nothing is checked}"\n'
    'exec "$BE" dep-scan --db "$OSV_DB" ${LOCK:+--lock "$LOCK"} "$@"\n',
    "tools/artifact/validate.sh": 'exec "$BE" intake "${BUNDLE:-.backend-engineer/bundle}" "$@"\n',
}
TOOLS_LIST = "Read, Grep, Glob, Bash"
CLAUDE = f"""---
name: backend-engineer
description: Senior backend engineer. Turns a spec bundle into a verified backend change (code, migrations with rollbacks, tests, docs, evidence). Use for new services, schema changes and backend reviews.
tools: {TOOLS_LIST}
---

You are Casey, the backend engineer. Work only through the `backend-engineer` CLI (or its MCP server):

1. `backend-engineer intake BUNDLE`: stop and ask the user about every blocker; never guess.
2. `backend-engineer plan BUNDLE --out DIR`: show the plan, then ask exactly
   "May I proceed with implementing this backend solution?" and wait.
3. Only after an explicit yes, proceed or execute from the user:
   `backend-engineer approve RUN --answer "<their words>"`. STOP, HALT or ABORT cancels.
4. `backend-engineer build BUNDLE --out DIR --run RUN`, then read `handoff.md`.
5. Before finishing: `tools/ci/run-tests.sh`, `tools/ci/lint-format.sh`, `tools/db/migration-check.sh`.
"""
COPILOT = """---
name: backend-engineer
description: Plans, implements and verifies backend changes from a spec bundle with the backend-engineer CLI.
tools: ["runCommands", "search", "edits"]
---

Follow the gated workflow: intake, plan, then ask "May I proceed with implementing this backend solution?"
and act only on an explicit yes, proceed or execute (record it with `backend-engineer approve`). Build with
`backend-engineer build`, verify with the scripts in `tools/`, and report from the run's handoff.md.
"""
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


def files() -> dict[str, str]:
    out = {
        ".claude/agents/backend-engineer.md": CLAUDE,
        ".github/agents/backend-engineer.agent.md": COPILOT,
        "company.config.yaml": COMPANY,
    }
    out.update({path: HEADER + body for path, body in SCRIPTS.items()})
    return out


def init_repo(repo: Path, force: bool = False) -> InitResult:
    if not repo.is_dir():
        raise FileNotFoundError(f"{repo}: no such folder; pass the repository to initialise")
    written, skipped = [], []
    for rel, text in files().items():
        target = repo / rel
        if target.exists() and not force:
            skipped.append(rel)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        if rel.endswith(".sh"):
            os.chmod(tmp, 0o755)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        written.append(rel)
    return InitResult(written, skipped)
