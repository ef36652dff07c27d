"""The contract as JSON, runbooks, configuration docs, README, .env.example and pyproject.toml."""

from __future__ import annotations

import json
import shlex

from backend_engineer.engines.deterministic.ir import ServiceIR
from backend_engineer.engines.deterministic.render.service_tests import operation_role, role_matrix, sample
from backend_engineer.engines.deterministic.render.settings import env_example, env_settings, env_table

USER_OWNED = (
    ("app/custom/", "your business rules and the handlers of operations that need business logic"),
    ("tests/custom/", "your own tests"),
)
USER_OWNED_PREFIXES = tuple(path for path, _ in USER_OWNED)
README_SECRET = "dev-only-secret-change-me-0123456789abcdef"

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


def _pyproject(ir: ServiceIR) -> str:
    name = ir.bundle.service_name
    return f'''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
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

[tool.setuptools.packages.find]
include = ["app*"]

[tool.ruff]
line-length = 120
target-version = "py311"

[tool.ruff.lint]
select = ["E", "F", "W", "I", "B", "UP", "SIM", "S"]
ignore = ["B008"]

[tool.ruff.lint.per-file-ignores]
"tests/**" = ["S101", "S105", "S106", "S310", "S311", "S608"]
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
    out = {"docs/openapi.json": contract}
    for name in b.ops.runbooks if b.ops else []:
        out[f"docs/runbooks/{name}.md"] = _runbook(name)
    flags = (
        "\n".join(
            f"| `{f.name}` | {f.default} | `FEATURE_{f.name.upper()}` | {f.description} |"
            for f in (b.techspec.feature_flags if b.techspec else [])
        )
        or "| none | | | |"
    )
    out["docs/configuration.md"] = (
        "# Configuration\n\n## Environment variables\n\n"
        + env_table(ir)
        + "\n\n## Feature flags\n\n| flag | default | env var | what |\n|---|---|---|---|\n"
        + flags
        + "\n"
    )
    out[".env.example"] = env_example(ir)
    out["README.md"] = _readme(ir)
    out["pyproject.toml"] = _pyproject(ir)
    out[".gitignore"] = (
        "__pycache__/\n*.db\n*.db-*\n.pytest_cache/\n.mypy_cache/\n.ruff_cache/\n.hypothesis/\n.backend-engineer/verify/\n"
    )
    return out


def _token_walkthrough(ir: ServiceIR) -> str:
    """README: export the settings, serve, mint a development token, create and list a resource."""
    by_name = {s.field: s for s in env_settings(ir)}
    secret, port = by_name["jwt_secret"], by_name["api_port"]
    sec = ir.bundle.security
    roles = dict(sec.authorization.roles) if sec and sec.authorization else {}
    matrix = role_matrix(ir)
    chosen = operation_role(matrix, roles)
    ops = {(o.entity, o.action): o for o in ir.operations}
    top = next(
        (o for o in ir.operations if o.action == "create" and not o.parent_param and o.op.operation_id in chosen),
        None,
    )
    base = f"http://127.0.0.1:${{{port.name}:-{port.default}}}"
    lines = ["TOKEN=$(python -m app dev-token --sub alice --roles {roles} --tenant acme)"]
    needed: list[str] = []
    if top is not None:
        listing = ops.get((top.entity, "list"))
        both = set(matrix[top.op.operation_id]) & set(matrix.get(listing.op.operation_id, ()) if listing else ())
        needed.append(
            min(both, key=lambda r: (len(roles[r]), list(roles).index(r))) if both else chosen[top.op.operation_id]
        )
        schema = ir.api.doc["components"]["schemas"].get(top.body_schema or "", {})
        props = ir.api.resolve(schema).get("properties") or {}
        body = {k: sample(ir.api, v, k) for k, v in props.items()}
        payload = shlex.quote(json.dumps(body))
        lines += [
            f'curl -sS --fail-with-body -w "\\n" -X POST "{base}{top.op.path}" \\',
            '  -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\',
            "  -H \"Idempotency-Key: $(python -c 'import uuid; print(uuid.uuid4())')\" \\",
            f"  -d {payload}",
        ]
        if listing is not None and listing.op.operation_id in chosen and not both:
            needed.append(chosen[listing.op.operation_id])
        if listing is not None and listing.op.operation_id in chosen:
            lines.append(
                f'curl -sS --fail-with-body -w "\\n" "{base}{listing.op.path}" -H "Authorization: Bearer $TOKEN"'
            )
    role_arg = ",".join(dict.fromkeys(needed)) or (next(iter(roles)) if roles else "")
    lines[0] = lines[0].replace("{roles}", role_arg)
    issuer = sec.authentication.issuer if sec and sec.authentication else ""
    role_list = ", ".join(f"`{r}` ({', '.join(p)})" for r, p in roles.items()) or "none"
    return f"""## Get a token and call the API

`python -m app dev-token` signs a token with the service's own secret, so it runs only when `DEV_MODE=true`
and is refused otherwise. In production, tokens come from your identity provider (issuer
`{issuer}`). Roles from security.yaml:
{role_list}.

In every shell you use:

```sh
export {secret.name}={README_SECRET} DATABASE_URL=sqlite:///./service.db DEV_MODE=true
```

Terminal 1, migrate and serve on 127.0.0.1:{port.default}:

```sh
alembic upgrade head
python -m app
```

Terminal 2, get a token and call the API:

```sh
{chr(10).join(lines)}
```
"""


def _postgres(ir: ServiceIR) -> str:
    name = "".join(c if c.isalnum() else "_" for c in ir.bundle.service_name.lower())
    return f"""## Run on PostgreSQL with a non-superuser role

Row-level security confines every tenant-scoped table to the tenant of the request, but PostgreSQL never
applies it to superusers or to roles with BYPASSRLS. Run the API as a plain role: the service logs a warning
at start-up when its role bypasses row-level security.

```sql
CREATE ROLE {name}_owner LOGIN PASSWORD 'change-me';                  -- owns the schema, runs migrations
CREATE DATABASE {name} OWNER {name}_owner;
CREATE ROLE {name}_api LOGIN PASSWORD 'change-me' NOSUPERUSER NOBYPASSRLS;
\\c {name}
GRANT USAGE ON SCHEMA public TO {name}_api;
ALTER DEFAULT PRIVILEGES FOR ROLE {name}_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {name}_api;
ALTER DEFAULT PRIVILEGES FOR ROLE {name}_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO {name}_api;
```

```sh
DATABASE_URL=postgresql+psycopg://{name}_owner:change-me@127.0.0.1:5432/{name} alembic upgrade head
DATABASE_URL=postgresql+psycopg://{name}_api:change-me@127.0.0.1:5432/{name} python -m app
```

The outbox worker sets the tenant for each delivery and runs as `{name}_api`. The retention purge deletes
expired rows of every tenant, so it needs a role with BYPASSRLS (a separate maintenance role, never the API's).
"""


def _readme(ir: ServiceIR) -> str:
    b = ir.bundle
    port = next(s for s in env_settings(ir) if s.field == "api_port")
    ops = "\n".join(
        f"| {o.op.operation_id} | {o.op.method.upper()} | `{o.op.path}` | {o.entity}.{o.action} |"
        for o in ir.operations
    )
    pending = (
        "\n".join(f"- `{u.op.operation_id}`: implement `app/custom/operations/` ({u.reason})" for u in ir.unmapped)
        or "- none"
    )
    owned = "\n".join(f"- `{path}`: {what}" for path, what in USER_OWNED)
    return f"""# {b.techspec.title if b.techspec and b.techspec.title else b.service_name}

Generated by backend-engineer: FastAPI, SQLAlchemy 2, Alembic and Pydantic v2, ports and adapters.

```sh
pip install -e '.[dev]'
alembic upgrade head
python -m app                                   # serves on API_HOST:{port.name} (127.0.0.1:{port.default})
python -m app.entrypoints.worker run            # outbox worker: signed webhooks, retries, dead letters
python -m app.entrypoints.worker replay --all   # replay dead letters
python -m app.entrypoints.purge                 # retention purge in batches with checkpoints
pytest                                          # set TEST_DATABASE_URL=postgresql+psycopg://... for PostgreSQL
```

{_token_walkthrough(ir)}
## Environment variables

Every variable the service reads (`ENV_VARS` in `app/config.py`; also in `.env.example` and
`docs/configuration.md`):

{env_table(ir)}

On SIGTERM, `/readyz` answers 503 with `"shutdown": "draining"` for `SHUTDOWN_DRAIN_SECONDS` while the
listener still serves; then the listener closes and in-flight requests get the rest of
`SHUTDOWN_GRACE_SECONDS`. A second signal stops at once. When the database is unreachable, requests answer
503 `UNAVAILABLE` with a `Retry-After` header.

{_postgres(ir)}
## Operations

| operation | method | path | service |
|---|---|---|---|
{ops}

## Needs business logic

{pending}

## Yours: never overwritten by regeneration

{owned}

Everything else is generated: regenerating replaces it (`.backend-engineer/manifest.json` lists each file
with its hash).

## Layout

- `app/domain`: entity metadata and event rules (no framework imports)
- `app/service_layer`: pure services over the `UnitOfWork` port
- `app/adapters`: SQL, in-memory, webhook adapters; built only in `app/bootstrap.py`
- `app/entrypoints`: the HTTP API, the outbox worker and the purge job
- `app/custom`: your code

See `docs/configuration.md` and `docs/runbooks/`.
"""
