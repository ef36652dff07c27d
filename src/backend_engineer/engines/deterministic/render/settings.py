"""The service's environment variables: one table renders app/config.py, the README, docs and .env.example.

Every variable the generated service reads is a row here, so the documentation cannot drift from the code:
``app/config.py`` carries the same rows as ``ENV_VARS`` and ``Settings.from_env`` reads only through them.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from backend_engineer.engines.deterministic.ir import ServiceIR

DEFAULT_DRAIN_SECONDS = 5.0


@dataclass(frozen=True)
class EnvSetting:
    name: str
    field: str
    kind: str
    default: str
    description: str
    secret: bool = False
    required: bool = False


def _grace(ir: ServiceIR) -> float:
    ops = ir.bundle.ops
    return float(ops.shutdown.grace_seconds) if ops and ops.shutdown else 20.0


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def env_settings(ir: ServiceIR) -> list[EnvSetting]:
    b = ir.bundle
    auth = b.security.authentication if b.security else None
    port = b.techspec.port if b.techspec else None
    webhook_env = "WEBHOOK_SIGNING_SECRET"
    for job in b.techspec.jobs if b.techspec else []:
        if job.signing:
            webhook_env = job.signing.secret.env
    grace = _grace(ir)
    drain = min(DEFAULT_DRAIN_SECONDS, grace / 2)
    rows = [
        EnvSetting(
            "DATABASE_URL",
            "database_url",
            "str",
            "sqlite:///./service.db",
            "SQLAlchemy URL; `postgresql+psycopg://...` in production, as a role without SUPERUSER or BYPASSRLS "
            "(README: PostgreSQL)",
        ),
        EnvSetting(
            auth.secret.env if auth and auth.secret else "JWT_SECRET",
            "jwt_secret",
            "str",
            "",
            "HMAC secret that verifies bearer tokens (required; never logged)",
            secret=True,
            required=True,
        ),
        EnvSetting(
            "API_HOST", "api_host", "str", "127.0.0.1", "interface `python -m app` binds; `0.0.0.0` in a container"
        ),
        EnvSetting(
            port.env if port and port.env else "API_PORT",
            "api_port",
            "int",
            str(port.default if port and port.default else 8000),
            "HTTP port `python -m app` listens on",
        ),
        EnvSetting(
            "REDIS_URL", "redis_url", "str", "", "rate-limit counters in Redis when set; in-process counters otherwise"
        ),
        EnvSetting(
            webhook_env, "webhook_signing_secret", "str", "", "HMAC secret that signs webhook deliveries", secret=True
        ),
        EnvSetting(
            "EVENT_BROKER_URL",
            "event_broker_url",
            "str",
            "",
            "RabbitMQ URL (`amqp://…`): the outbox worker also publishes every event there (extra `rabbitmq`)",
            secret=True,
        ),
        EnvSetting(
            "EVENT_EXCHANGE",
            "event_exchange",
            "str",
            "events",
            "the durable topic exchange events are published to; the routing key is the event type",
        ),
        EnvSetting(
            "PROMETHEUS_MULTIPROC_DIR",
            "prometheus_multiproc_dir",
            "str",
            "",
            "with several server processes: a shared, empty folder, so /metrics adds up every process "
            "(prometheus_client's multiprocess mode)",
        ),
        EnvSetting(
            "OUTBOUND_ALLOW_PRIVATE",
            "outbound_allow_private",
            "bool",
            "false",
            "tests only: lets webhooks reach loopback and private addresses",
        ),
        EnvSetting("LOG_LEVEL", "log_level", "str", "INFO", "level of the JSON logs"),
        EnvSetting(
            "RATE_LIMIT_SCALE",
            "rate_limit_scale",
            "float",
            "1",
            "multiplies every rate limit of security.yaml (load and fuzz runs on loopback); values below 1 count as 1",
        ),
        EnvSetting(
            "SHUTDOWN_GRACE_SECONDS",
            "shutdown_grace_seconds",
            "float",
            _number(grace),
            "on SIGTERM: the whole shutdown budget (ops.yaml shutdown.grace_seconds); the drain period comes first, "
            "the rest lets in-flight requests finish",
        ),
        EnvSetting(
            "SHUTDOWN_DRAIN_SECONDS",
            "shutdown_drain_seconds",
            "float",
            _number(drain),
            "on SIGTERM: how long /readyz answers 503 `draining` while the listener still serves, so the load "
            "balancer stops routing before it closes (capped at the grace period)",
        ),
        EnvSetting(
            "DEV_MODE",
            "dev_mode",
            "bool",
            "false",
            "development only: enables `python -m app dev-token`; never set it in production",
        ),
    ]
    for flag in b.techspec.feature_flags if b.techspec else []:
        rows.append(
            EnvSetting(
                f"FEATURE_{flag.name.upper()}",
                f"feature_{flag.name}",
                "bool",
                str(flag.default).lower(),
                f"feature flag `{flag.name}`: {flag.description}",
            )
        )
    return rows


def env_table(ir: ServiceIR) -> str:
    """The Markdown table of every environment variable (README and docs/configuration.md)."""
    rows = [
        f"| `{s.name}` | {'(required)' if s.required else f'`{s.default}`' if s.default else '(empty)'} | "
        f"{s.description} |"
        for s in env_settings(ir)
    ]
    return "| variable | default | what |\n|---|---|---|\n" + "\n".join(rows)


def env_example(ir: ServiceIR) -> str:
    return "".join(f"# {s.description}\n{s.name}={s.default}\n" for s in env_settings(ir))


def _wrapped(text: str, indent: str) -> str:
    chunks = textwrap.wrap(text, 90, drop_whitespace=False) or [""]
    return "\n".join(f"{indent}{chunk!r}" for chunk in chunks)


def render_config(ir: ServiceIR) -> str:
    rows = "\n".join(
        f"    EnvVar(\n        {s.name!r},\n        {s.field!r},\n        {s.kind!r},\n        {s.default!r},\n"
        + _wrapped(s.description, "        ")
        + ",\n"
        + ("        secret=True,\n" if s.secret else "")
        + ("        required=True,\n" if s.required else "")
        + "    ),"
        for s in env_settings(ir)
    )
    return CONFIG.replace("@ROWS@", rows)


CONFIG = '''"""Settings from the environment. Secrets are read here and never logged.

``ENV_VARS`` is the one list of variables the service reads; the README and docs/configuration.md are
generated from the same rows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from app import spec_config


class ConfigError(ValueError):
    """An environment variable is missing or malformed; the message names it and the fix."""


@dataclass(frozen=True)
class EnvVar:
    name: str
    field: str
    kind: str
    default: str
    description: str
    secret: bool = False
    required: bool = False


ENV_VARS: tuple[EnvVar, ...] = (
@ROWS@
)
_BY_FIELD = {var.field: var for var in ENV_VARS}
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _raw(name: str) -> str:
    var = _BY_FIELD[name]
    return os.environ.get(var.name, var.default).strip()


def _bool(name: str) -> bool:
    value = _raw(name).lower()
    if value not in TRUE | FALSE:
        raise ConfigError(f"{_BY_FIELD[name].name}={value!r} is not a boolean; use true or false")
    return value in TRUE


def _number(name: str, kind: type[int] | type[float]) -> float:
    value = _raw(name)
    try:
        number = kind(value)
    except ValueError:
        raise ConfigError(f"{_BY_FIELD[name].name}={value!r} is not {'an integer' if kind is int else 'a number'}") from None
    if number < 0:
        raise ConfigError(f"{_BY_FIELD[name].name}={value!r} must not be negative")
    return number


def _default_text(name: str) -> str:
    return _BY_FIELD[name].default


def _default_bool(name: str) -> bool:
    return _BY_FIELD[name].default in TRUE


def _default_float(name: str) -> float:
    return float(_BY_FIELD[name].default)


@dataclass(frozen=True)
class Settings:
    database_url: str = _default_text("database_url")
    jwt_secret: str = field(default="", repr=False)
    api_host: str = _default_text("api_host")
    api_port: int = int(_default_text("api_port"))
    redis_url: str | None = None
    event_broker_url: str | None = field(default=None, repr=False)
    event_exchange: str = _default_text("event_exchange")
    webhook_signing_secret: str = field(default="", repr=False)
    outbound_allow_private: bool = _default_bool("outbound_allow_private")
    log_level: str = _default_text("log_level")
    rate_limits: tuple[spec_config.RateLimitRule, ...] = spec_config.RATE_LIMITS
    feature_flags: dict[str, bool] = field(default_factory=lambda: dict(spec_config.FEATURE_FLAGS))
    shutdown_grace_seconds: float = _default_float("shutdown_grace_seconds")
    shutdown_drain_seconds: float = _default_float("shutdown_drain_seconds")
    dev_mode: bool = _default_bool("dev_mode")

    @classmethod
    def from_env(cls, *, require_secret: bool = True) -> Settings:
        secret = _raw("jwt_secret")
        if require_secret and not secret:
            raise ConfigError(f"{_BY_FIELD['jwt_secret'].name} is not set; the service refuses to start without a "
                              "JWT secret (see README: Environment variables)")
        grace = _number("shutdown_grace_seconds", float)
        return cls(
            database_url=_raw("database_url"),
            jwt_secret=secret,
            api_host=_raw("api_host"),
            api_port=int(_number("api_port", int)),
            redis_url=_raw("redis_url") or None,
            event_broker_url=_raw("event_broker_url") or None,
            event_exchange=_raw("event_exchange"),
            webhook_signing_secret=_raw("webhook_signing_secret"),
            outbound_allow_private=_bool("outbound_allow_private"),
            log_level=_raw("log_level"),
            feature_flags={name: _bool(f"feature_{name}") for name in spec_config.FEATURE_FLAGS},
            rate_limits=_scaled(_number("rate_limit_scale", float)),
            shutdown_grace_seconds=grace,
            shutdown_drain_seconds=min(_number("shutdown_drain_seconds", float), grace),
            dev_mode=_bool("dev_mode"),
        )


def _scaled(scale: float) -> tuple[spec_config.RateLimitRule, ...]:
    """RATE_LIMIT_SCALE raises every limit for load and fuzz runs on loopback; it never lowers them below 1x."""
    factor = max(scale, 1.0)
    return tuple(
        spec_config.RateLimitRule(r.name, r.scope, r.applies_to, int(r.limit * factor), r.window_seconds)
        for r in spec_config.RATE_LIMITS
    )
'''
