"""Pydantic v2 models for the seven inputs of a spec bundle.

Models are strict about types and unknown keys (a typo is an error naming the field), but lenient
about missing fields: a missing field is the intake gate's business, which lists every gap at once
instead of stopping at the first one.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)


class Open(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


# --- company.config.yaml -------------------------------------------------------------------------


class Personas(Open):
    engineering_backend: str | None = None


class TechStack(Strict):
    language: str | None = None
    framework: str | None = None
    orm: str | None = None
    migrations: str | None = None
    database: str | None = None
    cache: str | None = None
    jobs: str | None = None


class ApiConventions(Strict):
    style: str | None = None
    versioning: str | None = None
    pagination: str | None = None
    error_envelope: str | None = None
    idempotency: str | None = None
    nesting: Literal["nested", "top-level"] | None = None  # collections of child entities under the parent or not


class ArchitectureConventions(Strict):
    pattern: str | None = None
    multi_tenancy: str | None = None


class Conventions(Strict):
    commit_style: str | None = None
    max_files_per_change: int = Field(default=15, ge=1, le=15)


class Ownership(Strict):
    """Directories an agent may write (owned) and may never touch (forbidden)."""

    owned: list[str] = Field(default_factory=list)
    forbidden: list[str] = Field(default_factory=list)


class CompanyConfig(Strict):
    company: str | None = None
    personas: Personas | None = None
    tech_stack: TechStack | None = None
    api: ApiConventions | None = None
    architecture: ArchitectureConventions | None = None
    conventions: Conventions | None = None
    ownership: Ownership | None = None


# --- techspec.yaml -------------------------------------------------------------------------------


class PortSpec(Strict):
    env: str | None = None
    default: int | None = Field(default=None, ge=1, le=65535)


class ErrorHandling(Strict):
    envelope: str | None = None
    expose_internal_errors: bool = False


class EventSpec(Strict):
    name: str
    entity: str
    on: Literal["create", "update", "delete"]
    when: dict[str, Any] | None = None


class JobTrigger(Strict):
    events: list[str] | None = None
    cron: str | None = None


class SecretRef(Strict):
    env: str


class Signing(Strict):
    header: str = "X-Signature"
    algorithm: Literal["hmac-sha256"] = "hmac-sha256"
    secret: SecretRef


class RetryPolicy(Strict):
    max_attempts: int = Field(default=5, ge=1, le=100)
    backoff: Literal["exponential", "fixed"] = "exponential"
    base_seconds: float = Field(default=2, ge=0)
    max_seconds: float = Field(default=300, ge=0)


class JobSpec(Strict):
    name: str
    trigger: JobTrigger
    action: str
    signing: Signing | None = None
    timeout_seconds: float | None = Field(default=None, gt=0)
    retry: RetryPolicy | None = None
    dead_letter: bool = False
    idempotency_key: str | None = None
    batch_size: int | None = Field(default=None, ge=1)


class FeatureFlag(Strict):
    name: str
    default: bool = False
    description: str = ""


class TechSpec(Strict):
    service: str | None = None
    title: str | None = None
    description: str | None = None
    module_layout: str | None = None
    port: PortSpec | None = None
    error_handling: ErrorHandling | None = None
    events: list[EventSpec] = Field(default_factory=list)
    jobs: list[JobSpec] = Field(default_factory=list)
    feature_flags: list[FeatureFlag] = Field(default_factory=list)


# --- datamodel.yaml ------------------------------------------------------------------------------

FieldType = Literal[
    "uuid",
    "string",
    "text",
    "enum",
    "integer",
    "number",
    "decimal",
    "boolean",
    "datetime",
    "date",
    "email",
    "url",
    "array",
    "json",
]


class Backfill(Strict):
    from_: str = Field(alias="from")


class ItemSpec(Strict):
    type: FieldType
    values: list[str] | None = None
    max_length: int | None = None


class FieldSpec(Strict):
    type: FieldType
    primary_key: bool = False
    generated: Literal["uuid4", "created", "updated", "version"] | None = None
    required: bool = False
    readonly: bool = False
    unique: bool = False
    source: str | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    minimum: float | None = None
    maximum: float | None = None
    values: list[str] | None = None
    default: Any = None
    pattern: str | None = None
    pii: str | None = None
    outbound: bool = False
    items: ItemSpec | None = None
    min_items: int | None = Field(default=None, ge=0)
    max_items: int | None = Field(default=None, ge=1)
    backfill: Backfill | None = None
    description: str | None = None

    @field_validator("values")
    @classmethod
    def _values_not_empty(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and not v:
            raise ValueError("enum values must not be empty")
        return v


class RelationSpec(Strict):
    entity: str
    field: str | None = None
    required: bool = False
    on_delete: Literal["cascade", "restrict", "set_null"] = "restrict"
    kind: Literal["many_to_one", "many_to_many"] = "many_to_one"
    through: str | None = None


class IndexSpec(Strict):
    fields: list[str] = Field(min_length=1)
    unique: bool = False
    name: str | None = None


class RetentionSpec(Strict):
    policy: Literal["keep", "delete", "anonymize"]
    after_days: int | None = Field(default=None, ge=1)
    field: str | None = None


class EntitySpec(Strict):
    table: str
    tenant_scoped: bool = False
    description: str | None = None
    relations: dict[str, RelationSpec] = Field(default_factory=dict)
    fields: dict[str, FieldSpec]
    indexes: list[IndexSpec] = Field(default_factory=list)
    retention: RetentionSpec | None = None


class DataModel(Strict):
    version: int = 1
    entities: dict[str, EntitySpec]


# --- security.yaml -------------------------------------------------------------------------------


class Claims(Strict):
    subject: str = "sub"
    tenant: str | None = None
    roles: str | None = None


class Authentication(Strict):
    scheme: Literal["jwt-bearer"] | None = None
    algorithms: list[str] = Field(default_factory=list)
    issuer: str | None = None
    audience: str | None = None
    secret: SecretRef | None = None
    claims: Claims | None = None
    leeway_seconds: int = Field(default=0, ge=0, le=300)


class Authorization(Strict):
    default: Literal["deny", "allow"] | None = None
    roles: dict[str, list[str]] = Field(default_factory=dict)
    operations: dict[str, str] = Field(default_factory=dict)
    public_operations: list[str] = Field(default_factory=list)


class Tenancy(Strict):
    claim: str | None = None
    enforce: list[Literal["service", "query", "row_level_security"]] = Field(default_factory=list)


class PiiPolicy(Strict):
    fields: list[str] = Field(default_factory=list)
    logging: Literal["redact", "allow"] = "redact"
    minimization: str | None = None


class OutboundUrls(Strict):
    fields: list[str] = Field(default_factory=list)
    allow_schemes: list[str] = Field(default_factory=lambda: ["https"])
    deny_private_networks: bool = True


class InputSafety(Strict):
    max_body_bytes: int = Field(default=1048576, ge=1)
    reject_unknown_fields: bool = True
    outbound_urls: OutboundUrls | None = None


class Crypto(Open):
    transport: str | None = None
    at_rest: str | None = None
    secrets_store: str | None = None


class LoggingPolicy(Strict):
    format: Literal["json", "text"] = "json"
    correlation_id_header: str = "X-Correlation-ID"
    redact: list[str] = Field(default_factory=list)


class Cors(Strict):
    allow_origins: list[str] = Field(default_factory=list)


class RateLimit(Strict):
    name: str
    scope: Literal["tenant", "user", "ip"]
    applies_to: Literal["all", "mutations", "reads"] = "all"
    limit: int = Field(ge=1)
    window_seconds: int = Field(ge=1)


class SecurityPolicy(Strict):
    authentication: Authentication | None = None
    authorization: Authorization | None = None
    tenancy: Tenancy | None = None
    pii: PiiPolicy | None = None
    input_safety: InputSafety | None = None
    crypto: Crypto | None = None
    logging: LoggingPolicy | None = None
    cors: Cors | None = None
    rate_limits: list[RateLimit] = Field(default_factory=list)


# --- perf.yaml -----------------------------------------------------------------------------------


class LatencySlo(Strict):
    operations: list[str] | Literal["mutations", "reads", "all"]
    p95_ms: float = Field(gt=0)
    p99_ms: float = Field(gt=0)


class Slos(Strict):
    availability_percent: float | None = Field(default=None, gt=0, le=100)
    latency: list[LatencySlo] = Field(default_factory=list)


class PeakLoad(Open):
    requests_per_second: float | None = None
    concurrent_clients: int | None = None
    dataset: dict[str, int] | None = None


class CachingRule(Strict):
    operations: list[str]
    strategy: Literal["etag", "ttl", "none"]
    ttl_seconds: int | None = None


class DatabasePerf(Strict):
    pool_size: int = Field(default=10, ge=1)
    statement_timeout_ms: int = Field(default=5000, ge=1)


class QueryBudget(Strict):
    max_queries_per_request: int = Field(ge=1)


class PaginationLimits(Strict):
    default_limit: int = Field(ge=1)
    max_limit: int = Field(ge=1)


class PerfTargets(Strict):
    slos: Slos | None = None
    peak_load: PeakLoad | None = None
    caching: list[CachingRule] = Field(default_factory=list)
    database: DatabasePerf | None = None
    query_budget: QueryBudget | None = None
    pagination: PaginationLimits | None = None


# --- ops.yaml ------------------------------------------------------------------------------------


class Health(Strict):
    liveness: str = "/healthz"
    readiness: str = "/readyz"


class Metrics(Strict):
    endpoint: str = "/metrics"
    style: str = "RED"
    domain_kpis: list[str] = Field(default_factory=list)


class Alert(Strict):
    name: str
    signal: str
    severity: Literal["page", "ticket", "info"]


class Rollout(Strict):
    strategy: str | None = None
    feature_flags: list[str] = Field(default_factory=list)


class Rollback(Strict):
    migrations: str | None = None
    notes_required: bool = True


class Shutdown(Strict):
    grace_seconds: float = Field(default=20, ge=0, le=600)


class OpsGuides(Strict):
    health: Health | None = None
    metrics: Metrics | None = None
    alerts: list[Alert] = Field(default_factory=list)
    runbooks: list[str] = Field(default_factory=list)
    rollout: Rollout | None = None
    rollback: Rollback | None = None
    shutdown: Shutdown | None = None


INPUT_MODELS: dict[str, type[BaseModel]] = {
    "company.config.yaml": CompanyConfig,
    "techspec.yaml": TechSpec,
    "datamodel.yaml": DataModel,
    "security.yaml": SecurityPolicy,
    "perf.yaml": PerfTargets,
    "ops.yaml": OpsGuides,
}

SCHEMA_NAMES: dict[str, str] = {
    "company": "company.config.yaml",
    "techspec": "techspec.yaml",
    "datamodel": "datamodel.yaml",
    "security": "security.yaml",
    "perf": "perf.yaml",
    "ops": "ops.yaml",
}
