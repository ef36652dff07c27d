"""Generate every buildable example, then run the service's own suite, ruff and mypy inside it."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from backend_engineer.verify.stubs import declared_stubs, goal_test_module
from tests.generator.conftest import BUILDABLE, Generated
from tests.generator.support import BIN, pytest_in, run


@pytest.fixture(scope="module")
def service(generated: Generated) -> Path:
    return generated.service("projects-saas")


def _failing_are_the_goal_tests(service: Path) -> None:
    """Only the goal tests of declared needs-business-logic stubs may fail, and each of them must fail."""
    suite = ET.parse(service / "junit.xml").getroot()
    failed = {
        c.get("classname", "")
        for c in suite.iter("testcase")
        if c.find("failure") is not None or c.find("error") is not None
    }
    goals = {goal_test_module(op) for op in declared_stubs(service)}
    assert failed == goals, (sorted(failed), sorted(goals))


def _counts(service: Path) -> tuple[int, int, int]:
    suite = ET.parse(service / "junit.xml").getroot()
    node = suite if suite.tag == "testsuite" else suite[0]
    total, failures, errors, skipped = (int(node.get(k, "0")) for k in ("tests", "failures", "errors", "skipped"))
    return total - failures - errors - skipped, failures + errors, skipped


@pytest.mark.parametrize("example", BUILDABLE)
def test_generated_suite_passes_on_sqlite(generated: Generated, example: str) -> None:
    service = generated.service(example)
    result = pytest_in(service, all_failures=True)
    _failing_are_the_goal_tests(service)
    passed, failed, _skipped = _counts(service)
    assert failed == len(declared_stubs(service)) and passed >= 40, (passed, failed, result.stdout[-3000:])


@pytest.mark.postgres
@pytest.mark.parametrize("example", BUILDABLE)
def test_generated_suite_passes_on_postgresql(generated: Generated, example: str, postgres_url: str) -> None:
    service = generated.service(example)
    result = pytest_in(service, {"TEST_DATABASE_URL": postgres_url}, all_failures=True)
    _failing_are_the_goal_tests(service)
    passed, failed, skipped = _counts(service)
    assert failed == len(declared_stubs(service)) and passed >= 40, (passed, failed, skipped, result.stdout[-3000:])
    skipped_rls = "RLS needs PostgreSQL" in (service / "junit.xml").read_text()
    assert not skipped_rls, "the row-level security tests must run on PostgreSQL"


@pytest.mark.parametrize("example", BUILDABLE)
def test_generated_code_is_ruff_and_mypy_strict_clean(generated: Generated, example: str) -> None:
    service = generated.service(example)
    ruff = run([str(BIN / "ruff"), "check", "."], service)
    assert ruff.returncode == 0, ruff.stdout
    assert "strict = true" in (service / "pyproject.toml").read_text()
    mypy = run([sys.executable, "-m", "mypy", "--strict", "app", "tests"], service)
    assert mypy.returncode == 0, mypy.stdout


def test_alembic_migration_has_verify_operations_and_a_real_downgrade(service: Path) -> None:
    text = (service / "migrations" / "versions" / "0001_initial.py").read_text()
    assert "VERIFY:" in text and "OPERATIONS:" in text
    downgrade = text.split("def downgrade() -> None:")[1]
    assert downgrade.count("op.drop_table(") == text.count("op.create_table(")
    assert "ENABLE ROW LEVEL SECURITY" in text and "current_setting('app.tenant_id', true)" in text
    assert "ix_projects_tenant_id_name" in text and "unique=True" in text


REDIS_PROBE = """
import os, time, jwt
from fastapi.testclient import TestClient
from alembic import command
from alembic.config import Config
os.environ["DATABASE_URL"] = "sqlite:///./redis-probe.db"
command.upgrade(Config("alembic.ini"), "head")
from app.config import Settings
from app.main import create_app
from app.spec_config import JWT, RateLimitRule
secret = "r" * 40
settings = Settings(database_url=os.environ["DATABASE_URL"], jwt_secret=secret, redis_url=os.environ["PROBE_REDIS"],
                    rate_limits=(RateLimitRule("tight", "tenant", "all", 2, 60),))
now = int(time.time())
tenant = "redis-" + str(now)
token = jwt.encode({"sub": "u", "tenant_id": tenant, "roles": ["admin"], "iss": JWT["issuer"], "aud": JWT["audience"],
                    "iat": now, "exp": now + 60}, secret, algorithm="HS256")
with TestClient(create_app(settings)) as c:
    codes = [c.get("/v1/projects", headers={"Authorization": "Bearer " + token}).status_code for _ in range(3)]
    ready = c.get("/readyz").json()
print(codes, ready["checks"].get("redis"), type(c.app.state.container.counter).__name__)
"""


@pytest.mark.redis
def test_rate_limits_use_redis_when_configured(service: Path, redis_url: str) -> None:
    result = run([sys.executable, "-c", REDIS_PROBE], service, {"PROBE_REDIS": redis_url})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[200, 200, 429] ok RedisCounter"


def test_the_generated_pyproject_is_installable(service: Path) -> None:
    """README says `pip install -e '.[dev]'`: a build backend, and package discovery limited to app/."""
    import tomllib

    from setuptools import find_packages

    config = tomllib.loads((service / "pyproject.toml").read_text())
    assert config["build-system"]["build-backend"] == "setuptools.build_meta"
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = find_packages(where=str(service), include=include)
    assert "app" in packages and all(p == "app" or p.startswith("app.") for p in packages), packages
    assert "prometheus-client>=0.20" in config["project"]["dependencies"]
    assert config["project"]["optional-dependencies"]["rabbitmq"] == ["pika>=1.3"]
