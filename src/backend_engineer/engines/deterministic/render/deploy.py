"""Deployment files: Dockerfile, compose.yaml, the CI workflow, Kubernetes manifests and docs/topology.md.

Every value the service also knows (port and its env var, probe paths, the shutdown grace, secret env
var names, the purge schedule) is read from the rendered ``app/spec_config.py``, the module the
service itself imports, so the two cannot drift. These files are the user's after the first
generation (see ``DEPLOY_PATHS`` and ``tree.USER_OWNED_PREFIXES``): regeneration never overwrites them.
"""

from __future__ import annotations

import json
import math
import sys
import types
from dataclasses import dataclass
from importlib import resources
from string import Template
from typing import Any

import yaml

from backend_engineer.engines.deterministic.ir import ServiceIR

DEPLOY_PATHS = (
    "Dockerfile",
    ".dockerignore",
    "compose.yaml",
    ".github/workflows/ci.yml",
    "deploy/",
    "docs/topology.md",
)
UID = 10001
PRESTOP_SECONDS = 5
"""The pod keeps serving this long after Kubernetes marks it terminating, while endpoints drop it."""
KILL_MARGIN_SECONDS = 5
"""Slack between the app's own drain deadline and the kubelet's SIGKILL."""
RPS_PER_REPLICA = 100
"""Planning figure for one API pod (one uvicorn process) when perf.yaml declares a peak load."""
DEFAULT_PURGE_SCHEDULE = "0 3 * * *"
POSTGRES_IMAGE = "postgres:16-alpine"
REDIS_IMAGE = "redis:7-alpine"
HEADER = (
    "Created once by backend-engineer from the spec bundle. This file is yours: regeneration never "
    "overwrites it.\nValues shared with the service come from app/spec_config.py; keep them in step "
    "when you edit either."
)


@dataclass(frozen=True)
class Process:
    name: str
    command: tuple[str, ...]
    what: str


def _spec_config(text: str) -> types.ModuleType:
    """Execute the rendered app/spec_config.py (constants only) to read the values the service uses."""
    module = types.ModuleType("_be_spec_config")
    sys.modules[module.__name__] = module
    try:
        exec(compile(text, "app/spec_config.py", "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return module


@dataclass(frozen=True)
class DeployModel:
    service: str
    title: str
    port_env: str
    port: int
    liveness: str
    readiness: str
    metrics: str
    grace: float
    secret_envs: tuple[str, ...]
    database_url_env: str
    redis_url_env: str
    flags: dict[str, bool]
    events: tuple[dict[str, Any], ...]
    webhook: dict[str, Any]
    retention: tuple[dict[str, Any], ...]
    purge_batch: int
    purge_schedule: str | None
    purge_schedule_source: str
    replicas: int
    api_resources: dict[str, dict[str, str]]
    worker_resources: dict[str, dict[str, str]]
    job_resources: dict[str, dict[str, str]]
    resources_note: str
    pool_size: int
    processes: tuple[Process, ...]

    @property
    def image(self) -> str:
        return f"{self.service}-service"

    @property
    def secret_name(self) -> str:
        return f"{self.service}-secrets"

    @property
    def db_role(self) -> str:
        return f"{self.service.replace('-', '_')}_app"

    @property
    def termination_grace(self) -> int:
        return PRESTOP_SECONDS + math.ceil(self.grace) + KILL_MARGIN_SECONDS

    @property
    def worker_termination_grace(self) -> int:
        return math.ceil(self.grace) + KILL_MARGIN_SECONDS

    def command(self, name: str) -> list[str]:
        return list(next(p.command for p in self.processes if p.name == name))


def _resources(ir: ServiceIR, pool_size: int) -> tuple[int, dict[str, Any], dict[str, Any], dict[str, Any], str]:
    perf = ir.bundle.perf
    rps = perf.peak_load.requests_per_second if perf and perf.peak_load else None
    replicas = max(2, math.ceil(rps / RPS_PER_REPLICA)) if rps else 2
    per_pod = (rps or RPS_PER_REPLICA) / replicas
    cpu = min(2000, max(100, math.ceil(per_pod * 2.5 / 50) * 50))
    memory = 128 + 16 * pool_size
    api = {
        "requests": {"cpu": f"{cpu}m", "memory": f"{memory}Mi"},
        "limits": {"cpu": f"{cpu * 4}m", "memory": f"{memory * 2}Mi"},
    }
    worker = {"requests": {"cpu": "100m", "memory": "192Mi"}, "limits": {"cpu": "500m", "memory": "384Mi"}}
    job = {"requests": {"cpu": "100m", "memory": "192Mi"}, "limits": {"cpu": "500m", "memory": "384Mi"}}
    note = (
        f"perf.yaml peak load {rps:g} requests/s over {replicas} API pods ({per_pod:g} requests/s each, "
        f"planned at {RPS_PER_REPLICA}/pod and 2.5 ms CPU per request); memory 128 MiB + 16 MiB per pooled "
        f"connection (pool_size {pool_size})"
        if rps
        else f"perf.yaml declares no peak load: {replicas} API pods, memory 128 MiB + 16 MiB per pooled "
        f"connection (pool_size {pool_size})"
    )
    return replicas, api, worker, job, note


def build_model(ir: ServiceIR, spec_config_text: str) -> DeployModel:
    cfg = _spec_config(spec_config_text)
    ts = ir.bundle.techspec
    purge_job = next((j for j in ts.jobs if j.action == "retention-purge"), None) if ts else None
    if not cfg.RETENTION:
        schedule, source = None, "datamodel.yaml declares no delete-retention rule, so there is no purge job"
    elif purge_job and purge_job.trigger.cron:
        schedule, source = purge_job.trigger.cron, f"techspec.yaml job `{purge_job.name}` (trigger.cron)"
    else:
        schedule, source = DEFAULT_PURGE_SCHEDULE, "default (techspec.yaml declares no retention-purge cron)"
    replicas, api, worker, job, note = _resources(ir, cfg.POOL_SIZE)
    secrets = [cfg.JWT["secret_env"]]
    if cfg.WEBHOOK_JOB["enabled"]:
        secrets.append(cfg.WEBHOOK_SIGNING_ENV)
    processes = (
        Process("api", ("python", "-m", "app"), "HTTP API; SIGTERM drains in-flight requests within the grace"),
        Process(
            "worker",
            ("python", "-m", "app.entrypoints.worker", "run"),
            "outbox worker: delivers events, retries, dead-letters; SIGTERM stops after the current batch",
        ),
        Process("purge", ("python", "-m", "app.entrypoints.purge"), "retention purge in batches with checkpoints"),
        Process("migrate", ("alembic", "upgrade", "head"), "schema migrations, run once before each rollout"),
    )
    return DeployModel(
        service=str(cfg.SERVICE),
        title=str(cfg.SERVICE_TITLE),
        port_env=str(cfg.PORT_ENV),
        port=int(cfg.DEFAULT_PORT),
        liveness=str(cfg.HEALTH["liveness"]),
        readiness=str(cfg.HEALTH["readiness"]),
        metrics=str(cfg.METRICS_PATH),
        grace=float(cfg.SHUTDOWN_GRACE_SECONDS),
        secret_envs=tuple(secrets),
        database_url_env="DATABASE_URL",
        redis_url_env="REDIS_URL",
        flags=dict(cfg.FEATURE_FLAGS),
        events=tuple(cfg.EVENTS),
        webhook=dict(cfg.WEBHOOK_JOB),
        retention=tuple(cfg.RETENTION),
        purge_batch=int(cfg.PURGE_BATCH_SIZE),
        purge_schedule=schedule,
        purge_schedule_source=source,
        replicas=replicas,
        api_resources=api,
        worker_resources=worker,
        job_resources=job,
        resources_note=note,
        pool_size=int(cfg.POOL_SIZE),
        processes=processes,
    )


def _template(name: str) -> Template:
    root = resources.files("backend_engineer.engines.deterministic") / "kit" / "deploy"
    return Template((root / name).read_text(encoding="utf-8"))


def _comment(text: str, mark: str = "#") -> str:
    return "\n".join(f"{mark} {line}".rstrip() for line in text.splitlines())


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line strings (CI scripts) and no anchors for repeated objects."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _str)


def _yaml(*docs: dict[str, Any], note: str = "") -> str:
    body = "---\n".join(
        yaml.dump(d, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=1000) for d in docs
    )
    return _comment(HEADER + (f"\n{note}" if note else "")) + "\n" + body


# --- Dockerfile ----------------------------------------------------------------------------------


def render_dockerfile(m: DeployModel) -> str:
    probe = (
        f"import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + "
        f"os.environ.get('{m.port_env}', '{m.port}') + '{m.liveness}', timeout=2)"
    )
    commands = "\n".join(f"#   {p.name:<8} {json.dumps(list(p.command))}  {p.what}" for p in m.processes)
    return _template("Dockerfile.txt").substitute(
        header=_comment(HEADER),
        commands=commands,
        port_env=m.port_env,
        port=m.port,
        uid=UID,
        healthcheck=json.dumps(["python", "-c", probe]),
        api_command=json.dumps(m.command("api")),
    )


DOCKERIGNORE = """\
.git
.github
.venv
venv
**/__pycache__
**/*.pyc
.pytest_cache
.mypy_cache
.ruff_cache
.hypothesis
.backend-engineer
*.db
*.db-*
.env
tests
docs
deploy
"""


# --- compose.yaml --------------------------------------------------------------------------------


def render_compose(m: DeployModel) -> str:
    db = m.service.replace("-", "_")
    owner_url = f"postgresql+psycopg://postgres:${{POSTGRES_PASSWORD:-postgres}}@db:5432/{db}"
    app_url = f"postgresql+psycopg://{m.db_role}:${{APP_DB_PASSWORD:-app}}@db:5432/{db}"
    app_env: dict[str, str] = {
        m.database_url_env: app_url,
        m.redis_url_env: "redis://redis:6379/0",
        m.port_env: str(m.port),
        "LOG_LEVEL": "${LOG_LEVEL:-INFO}",
    }
    for env in m.secret_envs:
        app_env[env] = f"${{{env}:?set {env} in .env (see .env.example)}}"
    depends = {
        "migrate": {"condition": "service_completed_successfully"},
        "redis": {"condition": "service_healthy"},
    }
    grace = f"{m.worker_termination_grace}s"
    doc: dict[str, Any] = {
        "name": m.service,
        "services": {
            "db": {
                "image": POSTGRES_IMAGE,
                "environment": {
                    "POSTGRES_DB": db,
                    "POSTGRES_PASSWORD": "${POSTGRES_PASSWORD:-postgres}",
                    "APP_DB_PASSWORD": "${APP_DB_PASSWORD:-app}",
                },
                "volumes": [
                    "db-data:/var/lib/postgresql/data",
                    "./deploy/postgres/init-app-role.sql:/docker-entrypoint-initdb.d/10-app-role.sql:ro",
                ],
                "ports": ["127.0.0.1:5432:5432"],
                "healthcheck": {
                    "test": ["CMD", "pg_isready", "-U", "postgres", "-d", db],
                    "interval": "5s",
                    "timeout": "3s",
                    "retries": 20,
                },
            },
            "redis": {
                "image": REDIS_IMAGE,
                "healthcheck": {"test": ["CMD", "redis-cli", "ping"], "interval": "5s", "timeout": "3s", "retries": 20},
            },
            "migrate": {
                "build": ".",
                "image": f"{m.image}:dev",
                "command": m.command("migrate"),
                "environment": {m.database_url_env: owner_url},
                "depends_on": {"db": {"condition": "service_healthy"}},
                "healthcheck": {"disable": True},
                "restart": "no",
            },
            "api": {
                "build": ".",
                "image": f"{m.image}:dev",
                "command": m.command("api"),
                "environment": app_env,
                "ports": [f"127.0.0.1:{m.port}:{m.port}"],
                "depends_on": depends,
                "stop_grace_period": f"{math.ceil(m.grace) + KILL_MARGIN_SECONDS}s",
                "restart": "unless-stopped",
            },
            "worker": {
                "build": ".",
                "image": f"{m.image}:dev",
                "command": m.command("worker"),
                "environment": app_env,
                "depends_on": depends,
                "stop_grace_period": grace,
                "healthcheck": {"disable": True},
                "restart": "unless-stopped",
            },
            "purge": {
                "build": ".",
                "image": f"{m.image}:dev",
                "command": m.command("purge"),
                "environment": app_env,
                "depends_on": depends,
                "healthcheck": {"disable": True},
                "profiles": ["jobs"],
            },
        },
        "volumes": {"db-data": {}},
    }
    if not m.purge_schedule:
        del doc["services"]["purge"]
    note = (
        "Local development: `docker compose up --build` (migrations run first, as the database owner;\n"
        f"api, worker and purge connect as {m.db_role}, a non-superuser role, so row-level security applies)."
        + ("\nRun the purge by hand: `docker compose run --rm purge`." if m.purge_schedule else "")
    )
    return _yaml(doc, note=note)


def render_init_sql(m: DeployModel) -> str:
    return _template("init-app-role.sql.txt").substitute(
        header=_comment(HEADER, "--"), role=m.db_role, password_env="APP_DB_PASSWORD"
    )


# --- CI workflow ---------------------------------------------------------------------------------

INSTALL = """\
python - > requirements-ci.txt <<'PY'
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\\n".join(project["dependencies"] + project.get("optional-dependencies", {}).get("dev", [])))
PY
python -m pip install --requirement requirements-ci.txt
"""
"""The service runs from its root (like the image's WORKDIR), so CI installs its dependencies, not the project."""


def render_ci(m: DeployModel) -> str:
    pg_url = "postgresql+psycopg://postgres:postgres@localhost:5432/ci"
    setup = [
        {"uses": "actions/checkout@v4"},
        {
            "uses": "actions/setup-python@v5",
            "with": {"python-version": "3.12", "cache": "pip", "cache-dependency-path": "pyproject.toml"},
        },
        {"name": "Install", "run": INSTALL},
    ]
    postgres = {
        "image": POSTGRES_IMAGE.replace("-alpine", ""),
        "env": {"POSTGRES_PASSWORD": "postgres", "POSTGRES_DB": "ci"},
        "ports": ["5432:5432"],
        "options": "--health-cmd pg_isready --health-interval 5s --health-timeout 3s --health-retries 20",
    }
    ci_env = {m.secret_envs[0]: "ci-only-secret-not-used-anywhere-else"}
    doc = {
        "name": "ci",
        "on": {"push": {"branches": ["main"]}, "pull_request": None},
        "permissions": {"contents": "read"},
        "concurrency": {"group": "ci-${{ github.ref }}", "cancel-in-progress": True},
        "jobs": {
            "lint": {
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 15,
                "steps": [
                    *setup,
                    {"name": "ruff", "run": "ruff check . && ruff format --check ."},
                    {"name": "mypy", "run": "mypy app"},
                ],
            },
            "test": {
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 30,
                "services": {"postgres": postgres},
                "env": {"TEST_DATABASE_URL": pg_url, **ci_env},
                "steps": [*setup, {"name": "pytest", "run": "pytest"}],
            },
            "migration-check": {
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 15,
                "services": {"postgres": postgres},
                "env": {m.database_url_env: pg_url},
                "steps": [
                    *setup,
                    {"name": "single head", "run": 'test "$(alembic heads | wc -l)" -eq 1'},
                    {
                        "name": "round trip",
                        "run": "alembic upgrade head\nalembic downgrade base\nalembic upgrade head",
                    },
                    {"name": "database at head", "run": "alembic current --check-heads"},
                    {"name": "models match migrations", "run": "alembic check"},
                ],
            },
            "dep-scan": {
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 15,
                "steps": [
                    *setup,
                    {"name": "pip-audit", "run": "python -m pip install pip-audit\npip-audit --strict --skip-editable"},
                ],
            },
        },
    }
    return _yaml(doc, note="Lint, tests on PostgreSQL, migration round trips and drift, dependency advisories.")


# --- Kubernetes ----------------------------------------------------------------------------------


def _labels(m: DeployModel, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": m.service, "app.kubernetes.io/component": component}


def _security() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": UID,
        "runAsGroup": UID,
        "capabilities": {"drop": ["ALL"]},
    }


def _env(m: DeployModel) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [
        {"name": m.port_env, "value": str(m.port)},
        {
            "name": m.database_url_env,
            "valueFrom": {"secretKeyRef": {"name": m.secret_name, "key": m.database_url_env}},
        },
    ]
    for name in m.secret_envs:
        env.append({"name": name, "valueFrom": {"secretKeyRef": {"name": m.secret_name, "key": name}}})
    env.append(
        {
            "name": m.redis_url_env,
            "valueFrom": {"secretKeyRef": {"name": m.secret_name, "key": m.redis_url_env, "optional": True}},
        }
    )
    env.append({"name": "LOG_LEVEL", "value": "INFO"})
    return env


def _pod(m: DeployModel, component: str, containers: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "serviceAccountName": m.service,
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        **extra,
        "containers": containers,
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    }
    return {"metadata": {"labels": _labels(m, component)}, "spec": spec}


def _container(m: DeployModel, name: str, resources_: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "image": m.image,
        "imagePullPolicy": "IfNotPresent",
        "command": m.command(name),
        "env": _env(m),
        **extra,
        "resources": resources_,
        "securityContext": _security(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }


def _wait_for_migrations(m: DeployModel) -> dict[str, Any]:
    """Pods of a new release start only once the migration Job has brought the schema to head."""
    return {
        "name": "wait-for-migrations",
        "image": m.image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["alembic", "current", "--check-heads"],
        "env": _env(m),
        "resources": m.job_resources,
        "securityContext": _security(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }


def _meta(m: DeployModel, name: str, component: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "labels": _labels(m, component), **extra}


def k8s_documents(m: DeployModel) -> dict[str, list[dict[str, Any]]]:
    api_probe = {"port": "http"}
    api = _container(
        m,
        "api",
        m.api_resources,
        ports=[{"name": "http", "containerPort": m.port, "protocol": "TCP"}],
        startupProbe={
            "httpGet": {"path": m.liveness, **api_probe},
            "periodSeconds": 2,
            "failureThreshold": 30,
        },
        livenessProbe={
            "httpGet": {"path": m.liveness, **api_probe},
            "periodSeconds": 10,
            "timeoutSeconds": 2,
            "failureThreshold": 3,
        },
        readinessProbe={
            "httpGet": {"path": m.readiness, **api_probe},
            "periodSeconds": 5,
            "timeoutSeconds": 2,
            "failureThreshold": 2,
        },
        lifecycle={"preStop": {"exec": {"command": ["sleep", str(PRESTOP_SECONDS)]}}},
    )
    docs: dict[str, list[dict[str, Any]]] = {}
    docs["serviceaccount.yaml"] = [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": _meta(m, m.service, "service"),
            "automountServiceAccountToken": False,
        }
    ]
    docs["migrate-job.yaml"] = [
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": _meta(
                m,
                f"{m.service}-migrate",
                "migrate",
                annotations={
                    "argocd.argoproj.io/hook": "PreSync",
                    "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
                    "helm.sh/hook": "pre-install,pre-upgrade",
                    "helm.sh/hook-delete-policy": "before-hook-creation",
                },
            ),
            "spec": {
                "backoffLimit": 2,
                "activeDeadlineSeconds": 600,
                "ttlSecondsAfterFinished": 86400,
                "template": _pod(
                    m,
                    "migrate",
                    [
                        {
                            **_container(m, "migrate", m.job_resources),
                            "env": [
                                {
                                    "name": m.database_url_env,
                                    "valueFrom": {
                                        "secretKeyRef": {"name": m.secret_name, "key": "MIGRATIONS_DATABASE_URL"}
                                    },
                                }
                            ],
                        }
                    ],
                    restartPolicy="Never",
                ),
            },
        }
    ]
    docs["api.yaml"] = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": _meta(m, f"{m.service}-api", "api"),
            "spec": {
                "replicas": m.replicas,
                "revisionHistoryLimit": 5,
                "selector": {"matchLabels": _labels(m, "api")},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
                "template": _pod(
                    m,
                    "api",
                    [api],
                    terminationGracePeriodSeconds=m.termination_grace,
                    initContainers=[_wait_for_migrations(m)],
                ),
            },
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": _meta(m, f"{m.service}-api", "api"),
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": _labels(m, "api")}},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta(m, f"{m.service}-api", "api"),
            "spec": {
                "type": "ClusterIP",
                "selector": _labels(m, "api"),
                "ports": [{"name": "http", "port": m.port, "targetPort": "http", "protocol": "TCP"}],
            },
        },
    ]
    docs["worker.yaml"] = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": _meta(m, f"{m.service}-worker", "worker"),
            "spec": {
                "replicas": 1,
                "revisionHistoryLimit": 5,
                "selector": {"matchLabels": _labels(m, "worker")},
                "template": _pod(
                    m,
                    "worker",
                    [_container(m, "worker", m.worker_resources)],
                    terminationGracePeriodSeconds=m.worker_termination_grace,
                    initContainers=[_wait_for_migrations(m)],
                ),
            },
        }
    ]
    if m.purge_schedule:
        docs["purge-cronjob.yaml"] = [
            {
                "apiVersion": "batch/v1",
                "kind": "CronJob",
                "metadata": _meta(m, f"{m.service}-purge", "purge"),
                "spec": {
                    "schedule": m.purge_schedule,
                    "concurrencyPolicy": "Forbid",
                    "startingDeadlineSeconds": 3600,
                    "successfulJobsHistoryLimit": 3,
                    "failedJobsHistoryLimit": 3,
                    "jobTemplate": {
                        "spec": {
                            "backoffLimit": 2,
                            "template": _pod(
                                m,
                                "purge",
                                [_container(m, "purge", m.job_resources)],
                                restartPolicy="OnFailure",
                                terminationGracePeriodSeconds=m.worker_termination_grace,
                            ),
                        }
                    },
                },
            }
        ]
    docs["networkpolicy.yaml"] = _network_policies(m)
    return docs


def _network_policies(m: DeployModel) -> list[dict[str, Any]]:
    dns = {
        "to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }
    data = {"ports": [{"protocol": "TCP", "port": 5432}, {"protocol": "TCP", "port": 6379}]}
    selector = {"matchLabels": {"app.kubernetes.io/name": m.service}}
    policies: list[dict[str, Any]] = [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _meta(m, f"{m.service}-default-deny", "network"),
            "spec": {"podSelector": selector, "policyTypes": ["Ingress", "Egress"]},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _meta(m, f"{m.service}-api-ingress", "network"),
            "spec": {
                "podSelector": {"matchLabels": _labels(m, "api")},
                "policyTypes": ["Ingress"],
                "ingress": [{"ports": [{"protocol": "TCP", "port": m.port}]}],
            },
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _meta(m, f"{m.service}-egress-dns-and-data", "network"),
            "spec": {"podSelector": selector, "policyTypes": ["Egress"], "egress": [dns, data]},
        },
    ]
    if m.webhook["enabled"]:
        policies.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": _meta(m, f"{m.service}-worker-webhooks", "network"),
                "spec": {
                    "podSelector": {"matchLabels": _labels(m, "worker")},
                    "policyTypes": ["Egress"],
                    "egress": [{"ports": [{"protocol": "TCP", "port": 443}]}],
                },
            }
        )
    return policies


def render_k8s(m: DeployModel) -> dict[str, str]:
    docs = k8s_documents(m)
    out = {f"deploy/k8s/{name}": _yaml(*items) for name, items in docs.items()}
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "labels": [{"pairs": {"app.kubernetes.io/part-of": m.service}}],
        "resources": list(docs),
        "images": [{"name": m.image, "newName": m.image, "newTag": "latest"}],
    }
    out["deploy/k8s/kustomization.yaml"] = _yaml(
        kustomization,
        note=(
            f"Create the Secret first (never commit it): kubectl create secret generic {m.secret_name} "
            + " ".join(
                f"--from-literal={k}=..."
                for k in (m.database_url_env, "MIGRATIONS_DATABASE_URL", *m.secret_envs, m.redis_url_env)
            )
            + "\nThen `kubectl apply -k deploy/k8s`. The migrate Job runs first under Argo CD/Helm hooks; with plain "
            "kubectl,\nnew pods wait in `wait-for-migrations` until the Job has brought the schema to head."
        ),
    )
    return out


# --- docs/topology.md ----------------------------------------------------------------------------


def render_topology(m: DeployModel, ir: ServiceIR) -> str:
    wh = m.webhook
    retry = wh["retry"]
    job = (
        next((j for j in ir.bundle.techspec.jobs if j.action == "webhook-delivery"), None)
        if ir.bundle.techspec
        else None
    )
    consumers = {e: job.name for e in (job.trigger.events or [])} if job else {}
    ops = ir.bundle.ops
    alerts = [a for a in (ops.alerts if ops else []) if "outbox" in a.signal.lower() or "dead" in a.signal.lower()]
    lines = [
        f"# Topology: {m.title}",
        "",
        "<!-- " + HEADER.replace("\n", " ") + " -->",
        "",
        "## Processes",
        "",
        "| process | command | what | stops on SIGTERM |",
        "|---|---|---|---|",
    ]
    stops = {
        "api": f"drains in-flight requests, at most {m.grace:g} s (ops.yaml shutdown.grace_seconds)",
        "worker": "finishes the current batch, then exits",
        "purge": "runs to completion; every batch is committed with its checkpoint",
        "migrate": "one transaction per revision",
    }
    if not m.purge_schedule:
        stops["purge"] = "not deployed: " + m.purge_schedule_source
    for p in m.processes:
        lines.append(f"| {p.name} | `{' '.join(p.command)}` | {p.what} | {stops[p.name]} |")
    lines += [
        "",
        "Kubernetes (`deploy/k8s/`): the API Deployment has "
        f"{m.replicas} replicas, liveness `{m.liveness}`, readiness `{m.readiness}`, a {PRESTOP_SECONDS} s preStop "
        f"pause and terminationGracePeriodSeconds {m.termination_grace} ({PRESTOP_SECONDS} s preStop + "
        f"{math.ceil(m.grace)} s drain + {KILL_MARGIN_SECONDS} s margin). Resources: {m.resources_note}. "
        f"Every pod holds up to {m.pool_size} database connections (perf.yaml database.pool_size).",
        "",
        "```mermaid",
        "flowchart LR",
        "  client([clients]) -->|HTTP| api[api]",
        "  api -->|same transaction| outbox[(outbox table)]",
        "  api --> db[(PostgreSQL, RLS)]",
        "  api -. rate limits .-> redis[(Redis)]",
        "  migrate[migrate Job] -->|before rollout| db",
        "  outbox --> worker[outbox worker]",
    ]
    if wh["enabled"]:
        lines += [
            f"  worker -->|signed POST {wh['signature_header']}| hooks([subscribed webhook endpoints])",
            "  worker -->|attempts exhausted| dead[(dead_letters)]",
            "  dead -->|replay| outbox",
        ]
    if m.purge_schedule:
        lines.append(f'  purge["purge CronJob {m.purge_schedule}"] -->|batched deletes| db')
    lines += ["```", "", "## The outbox", ""]
    lines += [
        "Mutations write their events to the `outbox` table in the same transaction as the change, so an "
        "event exists if and only if the change committed. Columns: `id` (the event id, sent as the "
        "Idempotency-Key), `tenant_id`, `event_type`, `payload`, `status` (`pending`, `delivered`, `dead`), "
        "`attempts`, `created_at`, `next_attempt_at`, `delivered_at`, `last_error`. The worker claims due rows "
        "with `SELECT ... FOR UPDATE SKIP LOCKED`, so more than one worker replica never delivers the same row "
        "twice at once.",
        "",
        "## Events and consumers",
        "",
        "| event | entity | emitted on | condition | consumers |",
        "|---|---|---|---|---|",
    ]
    for e in m.events:
        when = ", ".join(f"{k} = {v}" for k, v in (e.get("when") or {}).items()) or "always"
        consumer = consumers.get(e["name"])
        who = f"`{consumer}` (webhook-delivery)" if consumer and wh["enabled"] else "none (stays in the outbox)"
        lines.append(f"| `{e['name']}` | {e['entity']} | {e['on']} | {when} | {who} |")
    if not m.events:
        lines.append("| none | | | | |")
    lines += ["", "## Retries and dead letters", ""]
    if wh["enabled"]:
        base, cap = retry["base_seconds"], retry["max_seconds"]
        schedule = (
            f"{retry['backoff']} backoff: {base:g} s x 2^(attempt-1), capped at {cap:g} s"
            if retry["backoff"] == "exponential"
            else f"a fixed {base:g} s between attempts"
        )
        lines += [
            f"- Deliveries time out after {wh['timeout_seconds']:g} s and are signed (HMAC-SHA256 in "
            f"`{wh['signature_header']}`, secret from `{m.secret_envs[-1]}`).",
            f"- A failed delivery is retried up to {retry['max_attempts']} attempts in all, with {schedule}.",
            "- An event goes to every active endpoint of its tenant subscribed to its type; if any delivery fails "
            "the whole event is retried, so receivers must dedupe on the Idempotency-Key (the event id).",
            "- After the last attempt the event is copied to the `dead_letters` table and its outbox row gets "
            "status `dead` (techspec.yaml dead_letter: true)."
            if wh["dead_letter"]
            else "- techspec.yaml sets dead_letter: false: after the last attempt the event keeps being retried "
            f"every {cap:g} s at most; nothing is dead-lettered.",
        ]
    else:
        lines.append("- No webhook-delivery job is declared in techspec.yaml: events are recorded, not delivered.")
    for a in alerts:
        lines.append(f"- Alert `{a.name}` ({a.severity}): {a.signal}.")
    lines += [
        "",
        "## Replay",
        "",
        "```sh",
        "python -m app.entrypoints.worker dead-letters          # list them, with last_error",
        "python -m app.entrypoints.worker replay --id <event-id> # move one back to the outbox",
        "python -m app.entrypoints.worker replay --all           # move all back",
        "```",
        "",
        "Replay resets `attempts` to 0 and makes the event due at once; the worker picks it up on its next poll.",
        "",
        "In Kubernetes run them in a worker pod: `kubectl exec deploy/" + f"{m.service}-worker -- python -m "
        "app.entrypoints.worker dead-letters`. Receivers dedupe on the Idempotency-Key (the event id), so "
        "replays are safe.",
        "",
        "## Retention purge",
        "",
    ]
    if m.purge_schedule:
        lines.append(
            f"Schedule `{m.purge_schedule}` from {m.purge_schedule_source}; batches of {m.purge_batch} rows, "
            "a checkpoint in `purge_checkpoints` after each batch."
        )
        lines += ["", "| table | field | deleted after |", "|---|---|---|"]
        lines += [f"| `{r['table']}` | `{r['field']}` | {r['after_days']} days |" for r in m.retention]
    else:
        lines.append(m.purge_schedule_source + ".")
    lines += ["", "## Feature flags", ""]
    lines += [f"- `{n}` (default {str(d).lower()}): env `FEATURE_{n.upper()}`" for n, d in m.flags.items()] or [
        "- none"
    ]
    return "\n".join(lines) + "\n"


def render_deploy(ir: ServiceIR, spec_config_text: str) -> dict[str, str]:
    m = build_model(ir, spec_config_text)
    out = {
        "Dockerfile": render_dockerfile(m),
        ".dockerignore": DOCKERIGNORE,
        "compose.yaml": render_compose(m),
        "deploy/postgres/init-app-role.sql": render_init_sql(m),
        ".github/workflows/ci.yml": render_ci(m),
        "docs/topology.md": render_topology(m, ir),
    }
    out.update(render_k8s(m))
    return out
