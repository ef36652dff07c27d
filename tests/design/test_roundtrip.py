"""Round trips: design from the data model, build through the gates, verify, fuzz the service on its own contract.

Slow: each bundle is designed, built and verified once per session. SLO and dep-scan are left out (the
first depends on machine load, the second on an advisory database; neither depends on the contract).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from backend_engineer.design.service import design
from backend_engineer.findings import Severity
from backend_engineer.spec.bundle import load_bundle
from backend_engineer.verify.report import VerifyReport
from backend_engineer.verify.runner import VerifyOptions, iter_verify
from backend_engineer.workflow.build import BuildOptions, BuildResult, iter_build
from tests.conftest import EXAMPLES
from tests.design.support import COMPLETE_EXAMPLES, LIBRARY, bundle_without_contract

NO_CONTRACT = {"projects-saas-no-contract": EXAMPLES / "projects-saas", "library": LIBRARY}
NOT_CONTRACT_DEPENDENT = frozenset({"slo", "dep-scan"})
# the examples' generated suites, ruff and mypy run in tests/generator; here they would only cost time
EXAMPLE_SKIP = NOT_CONTRACT_DEPENDENT | {"tests", "lint"}


@dataclass
class RoundTrip:
    bundle: Path
    service: Path
    build: BuildResult
    verify: VerifyReport
    kept: frozenset[str]


def _drain(gen):  # type: ignore[no-untyped-def]
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


@pytest.fixture(scope="session")
def roundtrip(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], RoundTrip]:
    cache: dict[str, RoundTrip] = {}

    def get(name: str) -> RoundTrip:
        if name in cache:
            return cache[name]
        root = tmp_path_factory.mktemp(f"rt-{name}")
        if name in NO_CONTRACT:
            bundle = bundle_without_contract(NO_CONTRACT[name], root / "bundle")
            kept = design(bundle).kept
            skip = NOT_CONTRACT_DEPENDENT
        else:
            bundle = Path(shutil.copytree(EXAMPLES / name, root / "bundle"))
            kept = design(bundle, force=True).kept
            skip = EXAMPLE_SKIP
        service = root / "service"
        result: BuildResult = _drain(
            iter_build(
                bundle,
                service,
                approve_answer="yes",
                approve_via="design round-trip test",
                options=BuildOptions(verify=False, review=False, runs=root / "runs"),
            )
        )
        loaded = load_bundle(bundle).bundle
        assert loaded is not None and loaded.api is not None
        report: VerifyReport = _drain(iter_verify(service, loaded, VerifyOptions(quick=True, skip=skip)))
        labels = {f"{o.method.upper()} {o.path}" for o in loaded.api.operations if o.operation_id in kept}
        cache[name] = RoundTrip(bundle, service, result, report, frozenset(labels | set(kept)))
        return cache[name]

    return get


def _assert_built_and_verified(rt: RoundTrip) -> None:
    """Every check passes on every drafted operation.

    Operations kept verbatim from the old contract (``transferFunds``, ``attachLabel``) are "needs
    business logic": their generated stub answers 501 until someone implements it, which fuzz and probe
    report exactly as they do on the example's original contract. Only findings about those operations
    are set aside, and only those.
    """
    assert rt.build.exit_code == 0, rt.build.message
    assert len(rt.build.commits) >= 5

    def on_kept(title: str) -> bool:
        return any(title.startswith(label + ":") for label in rt.kept)

    drafted = [f for f in rt.verify.findings if not on_kept(f.title)]
    majors = [(f.code, f.title) for f in drafted if f.severity >= Severity.MAJOR]
    assert majors == []
    for check in rt.verify.checks:
        if check.status == "deviation":
            assert set(check.details["operations"]) <= set(rt.kept), (check.name, check.summary)
            continue
        if check.status in ("passed", "skipped"):
            continue
        assert check.findings and all(on_kept(f.title) for f in check.findings if f.severity >= Severity.MAJOR), (
            check.name,
            check.summary,
        )
    ran = {c.name for c in rt.verify.checks if c.status != "skipped"}
    assert {"openapi-lint", "migrations", "fuzz", "probe"} <= ran
    fuzz = next(c for c in rt.verify.checks if c.name == "fuzz")
    assert fuzz.details["operations"] >= 5


@pytest.mark.parametrize("name", sorted(NO_CONTRACT))
def test_a_bundle_without_a_contract_is_designed_built_and_verified(
    name: str, roundtrip: Callable[[str], RoundTrip]
) -> None:
    rt = roundtrip(name)
    _assert_built_and_verified(rt)
    ran = {c.name for c in rt.verify.checks if c.status == "passed"}
    assert {"tests", "lint"} <= ran  # the generated service's own suite, ruff and mypy


@pytest.mark.parametrize("example", COMPLETE_EXAMPLES)
def test_every_example_round_trips_from_its_data_model(example: str, roundtrip: Callable[[str], RoundTrip]) -> None:
    _assert_built_and_verified(roundtrip(example))
