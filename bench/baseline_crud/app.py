"""The hand-written baseline: list and get of projects in FastAPI + SQLAlchemy 2, as a competent engineer writes them.

It is fair to the generated service: the same table and data, the same server (one uvicorn process), and the same
concerns switched on:
- JWT verification (signature, issuer, audience, exp/iat required) and a permission check per route;
- tenant scoping in every query, and on PostgreSQL the tenant setting for row-level security in the same transaction;
- a fixed-window rate limit per tenant;
- Prometheus metrics per route (prometheus_client);
- one JSON access line per request at INFO (uvicorn's own access log is off);
- signed cursor pagination in (created_at, id) order, and an ETag on get.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import sys
import threading
import time
import uuid
from typing import Any

import jwt
import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from pydantic import BaseModel

DATABASE_URL = os.environ["DATABASE_URL"]
SECRET = os.environ["JWT_SECRET"]
ISSUER = os.environ["JWT_ISSUER"]
AUDIENCE = os.environ["JWT_AUDIENCE"]
READ_ROLES = frozenset(os.environ.get("READ_ROLES", "viewer,member,admin").split(","))
RATE_LIMIT = int(os.environ.get("RATE_LIMIT_PER_MINUTE", "600000"))

metadata = sa.MetaData()
projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("description", sa.Text()),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("owner_id", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
)
COLUMNS = [c for c in projects.c if c.name != "tenant_id"]

if DATABASE_URL.startswith("sqlite"):
    engine = sa.create_engine(DATABASE_URL, connect_args={"check_same_thread": False})
else:
    engine = sa.create_engine(DATABASE_URL, pool_size=10, pool_recycle=1800)
POSTGRES = engine.dialect.name == "postgresql"


class Project(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    status: str
    owner_id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class ProjectPage(BaseModel):
    items: list[Project]
    next_cursor: str | None


class Principal(BaseModel):
    subject: str
    tenant: str
    roles: list[str]


REQUESTS = Counter("http_requests_total", "Requests", ["route", "method", "status"])
LATENCY = Histogram("http_request_duration_seconds", "Latency", ["route"])


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({"level": record.levelname, "logger": record.name, **getattr(record, "fields", {})})


access = logging.getLogger("access")
_handler = logging.StreamHandler(sys.stdout)
_handler.setFormatter(JsonFormatter())
access.addHandler(_handler)
access.setLevel(logging.INFO)
access.propagate = False


class ObservabilityMiddleware:
    """Metrics and one access line per request, as plain ASGI middleware."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(route, scope["method"], str(status)).inc()
            LATENCY.labels(route).observe(elapsed)
            access.info(
                "request",
                extra={
                    "fields": {
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    }
                },
            )


class RateLimiter:
    def __init__(self, limit: int, window: int = 60) -> None:
        self.limit, self.window = limit, window
        self.lock = threading.Lock()
        self.counts: dict[tuple[str, int], int] = {}

    def hit(self, key: str) -> None:
        bucket = int(time.time() // self.window)
        with self.lock:
            count = self.counts.get((key, bucket), 0) + 1
            self.counts[(key, bucket)] = count
            if len(self.counts) > 10_000:
                self.counts = {k: v for k, v in self.counts.items() if k[1] == bucket}
        if count > self.limit:
            raise HTTPException(429, "rate limit exceeded", headers={"Retry-After": str(self.window)})


limiter = RateLimiter(RATE_LIMIT)


def principal(request: Request) -> Principal:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = jwt.decode(
            token, SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER, options={"require": ["exp", "iat"]}
        )
    except jwt.InvalidTokenError as exc:
        raise HTTPException(401, "the token is invalid", headers={"WWW-Authenticate": "Bearer"}) from exc
    user = Principal(subject=claims["sub"], tenant=claims["tenant_id"], roles=claims.get("roles", []))
    if not READ_ROLES.intersection(user.roles):
        raise HTTPException(403, "forbidden")
    limiter.hit(user.tenant)
    return user


def _sign(payload: bytes) -> str:
    return hmac.new(SECRET.encode(), payload, hashlib.sha256).hexdigest()[:32]


def encode_cursor(created_at: dt.datetime, item_id: uuid.UUID) -> str:
    payload = json.dumps([created_at.isoformat(), str(item_id)]).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + _sign(payload)


def decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    token, _, signature = cursor.partition(".")
    try:
        payload = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        if not hmac.compare_digest(signature, _sign(payload)):
            raise ValueError("bad signature")
        created, item = json.loads(payload)
        return dt.datetime.fromisoformat(created), uuid.UUID(item)
    except ValueError as exc:
        raise HTTPException(400, "invalid cursor") from exc


def scoped(tenant: str) -> Any:
    """A transaction for one tenant; PostgreSQL's row-level security sees the tenant too."""
    conn = engine.begin()
    return _Scoped(conn, tenant)


class _Scoped:
    def __init__(self, ctx: Any, tenant: str) -> None:
        self.ctx, self.tenant = ctx, tenant

    def __enter__(self) -> sa.Connection:
        conn: sa.Connection = self.ctx.__enter__()
        if POSTGRES:
            conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": self.tenant})
        return conn

    def __exit__(self, *exc: object) -> None:
        self.ctx.__exit__(*exc)


app = FastAPI()
app.add_middleware(ObservabilityMiddleware)


@app.get("/v1/projects", response_model=ProjectPage)
def list_projects(
    limit: int = Query(50, ge=1, le=200), cursor: str | None = None, user: Principal = Depends(principal)
) -> ProjectPage:
    stmt = sa.select(*COLUMNS).where(projects.c.tenant_id == user.tenant)
    if cursor:
        created, item = decode_cursor(cursor)
        stmt = stmt.where(sa.tuple_(projects.c.created_at, projects.c.id) > sa.tuple_(created, item))
    stmt = stmt.order_by(projects.c.created_at, projects.c.id).limit(limit + 1)
    with scoped(user.tenant) as conn:
        rows = conn.execute(stmt).all()
    page = [Project.model_validate(row, from_attributes=True) for row in rows[:limit]]
    last = page[-1] if len(rows) > limit else None
    return ProjectPage(items=page, next_cursor=encode_cursor(last.created_at, last.id) if last else None)


@app.get("/v1/projects/{project_id}", response_model=Project)
def get_project(project_id: uuid.UUID, response: Response, user: Principal = Depends(principal)) -> Project:
    stmt = sa.select(*COLUMNS).where(projects.c.id == project_id, projects.c.tenant_id == user.tenant)
    with scoped(user.tenant) as conn:
        row = conn.execute(stmt).first()
    if row is None:
        raise HTTPException(404, "not found")
    item = Project.model_validate(row, from_attributes=True)
    response.headers["ETag"] = f'"{item.id}-{item.version}"'
    return item


@app.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
