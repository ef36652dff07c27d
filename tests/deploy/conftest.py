"""Generated services for the deployment tests: each example bundle rendered once per session."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import EXAMPLES
from tests.generator.support import generate

BIN = Path(sys.executable).parent
SCHEMAS = Path(__file__).resolve().parent / "k8s_schemas"


@pytest.fixture(scope="session")
def saas_service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(EXAMPLES / "projects-saas", tmp_path_factory.mktemp("deploy") / "projects")


@pytest.fixture(scope="session")
def ledger_service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(EXAMPLES / "ledger", tmp_path_factory.mktemp("deploy") / "ledger")


@pytest.fixture(params=["saas", "ledger"])
def service(request: pytest.FixtureRequest) -> Path:
    return Path(request.getfixturevalue(f"{request.param}_service"))


def tool(name: str) -> str:
    """A linter from the dev extra: next to this interpreter, else on PATH; missing is a failure."""
    candidate = BIN / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    assert found, f"{name} is not installed; pip install -e '.[dev]' provides it"
    return found


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def k8s(service: Path) -> dict[str, dict[str, Any]]:
    """Every Kubernetes object under deploy/k8s, by ``Kind/name``."""
    out = {}
    for path in sorted((service / "deploy" / "k8s").glob("*.yaml")):
        for doc in documents(path):
            out[f"{doc['kind']}/{doc['metadata']['name'] if 'metadata' in doc else path.name}"] = doc
    return out


def service_settings(service: Path) -> dict[str, Any]:
    """The values the generated service itself uses, read by importing its own modules."""
    code = (
        "import json, os\n"
        "from app import spec_config as c\n"
        "os.environ[c.JWT['secret_env']] = 'x'\n"
        "from app.config import Settings\n"
        "s = Settings.from_env()\n"
        "print(json.dumps({'port_env': c.PORT_ENV, 'port': s.api_port, 'grace': s.shutdown_grace_seconds,\n"
        "  'health': c.HEALTH, 'jwt_env': c.JWT['secret_env'], 'webhook_env': c.WEBHOOK_SIGNING_ENV,\n"
        "  'webhooks': c.WEBHOOK_JOB['enabled'], 'retention': list(c.RETENTION)}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=service,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(service)},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return dict(json.loads(proc.stdout))
