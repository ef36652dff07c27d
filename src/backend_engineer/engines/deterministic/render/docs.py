"""The contract as JSON, runbooks, configuration docs, README, .env.example and pyproject.toml."""

from __future__ import annotations

import json

from backend_engineer.engines.deterministic.ir import ServiceIR

RUNBOOKS = {
    "dead-letter-replay": (
        "Dead-letter replay",
        [
            "List dead letters: `python -m app.entrypoints.worker dead-letters`.",
            "Read `last_error`; fix the receiving endpoint or deactivate it first.",
            "Replay one: `python -m app.entrypoints.worker replay --id <event-id>`; all: `... replay --all`.",
            "Watch `webhook_deliveries_total` on /metrics and the DeadLetterBacklog alert clear.",
            "Receivers dedupe on the Idempotency-Key header (the event id), so replays are safe.",
        ],
    ),
    "rollback-release": (
        "Roll back a release",
        [
            "Route traffic back to the previous version (canary off).",
            "If the release ran a migration: `alembic downgrade -1` (one revision at a time, read its OPERATIONS "
            "notes first; steps marked irreversible lose data).",
            "Check /readyz and the HighErrorRate alert.",
            "Record the rollback in the incident log.",
        ],
    ),
    "rotate-jwt-secret": (
        "Rotate the JWT secret",
        [
            "Issue tokens with the new secret at the identity provider.",
            "Set the new value in the secret store for the JWT secret env var; never paste it in tickets or logs.",
            "Restart the pods (rolling); old tokens fail with 401 after rotation, so rotate during low traffic.",
            "Verify: a new token gets 200, an old one 401.",
        ],
    ),
    "restore-tenant-data": (
        "Restore one tenant's data",
        [
            "Restore the latest backup into a scratch database.",
            "Export the tenant's rows: `SELECT ... WHERE tenant_id = '<tenant>'` for each tenant-scoped table, in "
            "parent-to-child order.",
            "Import into production inside one transaction with `SET LOCAL app.tenant_id = '<tenant>'` so RLS "
            "checks every row.",
            "Verify counts per table and let the tenant check their data.",
        ],
    ),
}


def _runbook(name: str) -> str:
    title, steps = RUNBOOKS.get(
        name,
        (
            name.replace("-", " ").capitalize(),
            ["This runbook was named in ops.yaml but has no template; write the steps here."],
        ),
    )
    body = "\n".join(f"{i}. {s}" for i, s in enumerate(steps, start=1))
    return f"# Runbook: {title}\n\n{body}\n"


def _env_vars(ir: ServiceIR) -> list[tuple[str, str, str]]:
    b = ir.bundle
    auth = b.security.authentication if b.security else None
    port = b.techspec.port if b.techspec else None
    webhook_env = "WEBHOOK_SIGNING_SECRET"
    if b.techspec:
        for job in b.techspec.jobs:
            if job.signing:
                webhook_env = job.signing.secret.env
    rows = [
        ("DATABASE_URL", "sqlite:///./service.db", "SQLAlchemy URL; postgresql+psycopg://... in production"),
        (
            auth.secret.env if auth and auth.secret else "JWT_SECRET",
            "",
            "HMAC secret for JWT verification (required; never logged)",
        ),
        (
            port.env if port and port.env else "API_PORT",
            str(port.default if port and port.default else 8000),
            "HTTP port",
        ),
        ("REDIS_URL", "", "optional; rate limits use Redis when set, in-process counters otherwise"),
        (webhook_env, "", "HMAC secret that signs webhook deliveries"),
        ("OUTBOUND_ALLOW_PRIVATE", "false", "tests only: lets webhooks reach loopback/private addresses"),
        ("LOG_LEVEL", "INFO", "log level of the JSON logs"),
    ]
    for flag in b.techspec.feature_flags if b.techspec else []:
        rows.append((f"FEATURE_{flag.name.upper()}", str(flag.default).lower(), f"feature flag: {flag.description}"))
    return rows


def _pyproject(ir: ServiceIR) -> str:
    name = ir.bundle.service_name
    return f'''[project]
name = "{name}-service"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = [
  "fastapi>=0.110",
  "uvicorn>=0.29",
  "sqlalchemy>=2.0",
  "alembic>=1.13",
  "pydantic>=2.7",
  "email-validator>=2",
  "prometheus-client>=0.20",
  "pyjwt>=2.8",
  "httpx>=0.27",
  "psycopg[binary]>=3.1",
  "redis>=5",
]

[project.optional-dependencies]
dev = ["pytest>=8", "hypothesis>=6", "ruff>=0.6", "mypy>=1.10"]
rabbitmq = ["pika>=1.3"]

[tool.ruff]
line-length = 120
target-version = "py311"

[tool.ruff.lint]
select = ["E", "F", "W", "I", "B", "UP", "SIM", "S"]
ignore = ["B008"]

[tool.ruff.lint.per-file-ignores]
"tests/**" = ["S101", "S105", "S106", "S310", "S608"]
"migrations/**" = ["E501"]

[tool.mypy]
python_version = "3.11"
strict = true
files = ["app", "tests"]
ignore_missing_imports = true
warn_unused_ignores = true
exclude = ["migrations/"]

[tool.pytest.ini_options]
testpaths = ["tests"]
addopts = "-q"
'''


def render_docs(ir: ServiceIR) -> dict[str, str]:
    b = ir.bundle
    contract = json.dumps(ir.api.doc, indent=2, sort_keys=False, default=str) + "\n"
    env = _env_vars(ir)
    out = {"docs/openapi.json": contract, "app/contract.json": contract}
    for name in b.ops.runbooks if b.ops else []:
        out[f"docs/runbooks/{name}.md"] = _runbook(name)
    table = "\n".join(f"| `{n}` | `{d}` | {w} |" for n, d, w in env)
    flags = (
        "\n".join(
            f"| `{f.name}` | {f.default} | `FEATURE_{f.name.upper()}` | {f.description} |"
            for f in (b.techspec.feature_flags if b.techspec else [])
        )
        or "| none | | | |"
    )
    out["docs/configuration.md"] = (
        "# Configuration\n\n## Environment variables\n\n| name | default | what |\n|---|---|---|\n"
        + table
        + "\n\n## Feature flags\n\n| flag | default | env var | what |\n|---|---|---|---|\n"
        + flags
        + "\n"
    )
    out[".env.example"] = "".join(f"# {w}\n{n}={d}\n" for n, d, w in env)
    ops = "\n".join(
        f"| {o.op.operation_id} | {o.op.method.upper()} | `{o.op.path}` | {o.entity}.{o.action} |"
        for o in ir.operations
    )
    pending = (
        "\n".join(f"- `{u.op.operation_id}`: implement `app/custom/operations/` ({u.reason})" for u in ir.unmapped)
        or "- none"
    )
    out["README.md"] = f"""# {b.techspec.title if b.techspec and b.techspec.title else b.service_name}

Generated by backend-engineer: FastAPI, SQLAlchemy 2, Alembic and Pydantic v2, ports and adapters.

```sh
pip install -e '.[dev]'
export JWT_SECRET=change-me DATABASE_URL=sqlite:///./service.db
alembic upgrade head
python -m app                                   # serves on $API_PORT (see .env.example)
python -m app.entrypoints.worker run            # outbox worker: signed webhooks, retries, dead letters
python -m app.entrypoints.worker replay --all   # replay dead letters
python -m app.entrypoints.purge                 # retention purge in batches with checkpoints
pytest                                          # set TEST_DATABASE_URL=postgresql+psycopg://... for PostgreSQL
```

## Operations

| operation | method | path | service |
|---|---|---|---|
{ops}

## Needs business logic

{pending}

## Layout

- `app/domain`: entity metadata and event rules (no framework imports)
- `app/service_layer`: pure services over the `UnitOfWork` port
- `app/adapters`: SQL, in-memory, webhook adapters; built only in `app/bootstrap.py`
- `app/entrypoints`: the HTTP API, the outbox worker and the purge job
- `app/custom`: your code; never overwritten by regeneration

See `docs/configuration.md` and `docs/runbooks/`.
"""
    out["pyproject.toml"] = _pyproject(ir)
    out[".gitignore"] = (
        "__pycache__/\n*.db\n*.db-*\n.pytest_cache/\n.mypy_cache/\n.ruff_cache/\n.hypothesis/\n.backend-engineer/verify/\n"
    )
    return out
