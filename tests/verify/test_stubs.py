"""Declared needs-business-logic stubs are a deviation, not a probe failure, as long as they are guarded.

The probe runs against an in-process fake of a service (httpx.MockTransport) that authenticates,
authorizes and answers 501 NOT_IMPLEMENTED for the stubs; one variant forgets the tenancy check on
path ids, which the probe must still catch.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from backend_engineer.engines.deterministic.engine import render_service
from backend_engineer.spec.bundle import Bundle, load_bundle
from backend_engineer.verify import probe
from backend_engineer.verify.report import CheckResult, VerifyReport
from backend_engineer.verify.runner import _business_logic
from backend_engineer.verify.service import RunningService
from backend_engineer.verify.stubs import declared_stubs, is_stub_answer
from tests.conftest import EXAMPLES

SECRET = "s" * 40
STUBS = {"attachLabel", "detachLabel"}


def _bundle() -> Bundle:
    bundle = load_bundle(EXAMPLES / "projects-saas-v2").bundle
    assert bundle is not None
    return bundle


def _error(status: int, code: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": code.lower(), "correlation_id": "c"}})


class FakeService:
    """Authenticates, authorizes, scopes path ids to the caller's tenant (unless told not to), stubs answer 501."""

    def __init__(self, bundle: Bundle, tenancy_on_stubs: bool) -> None:
        assert bundle.api is not None and bundle.security is not None
        self.bundle, self.tenancy_on_stubs = bundle, tenancy_on_stubs
        self.owners: dict[str, str] = {}
        authz = bundle.security.authorization
        assert authz is not None
        self.permissions, self.roles = dict(authz.operations), {r: set(p) for r, p in authz.roles.items()}
        self.routes = [
            (op, re.compile("^" + re.sub(r"\{[^}]+\}", "([^/]+)", op.path) + "$")) for op in bundle.api.operations
        ]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        declared_length = int(request.headers.get("content-length") or 0)
        if declared_length > 1_000_000:  # the body-limit middleware trusts a declared length
            return _error(413, "PAYLOAD_TOO_LARGE")
        method = request.method.lower()
        matches = ((op, rx.match(request.url.path)) for op, rx in self.routes if op.method == method)
        match = next(((op, m) for op, m in matches if m), None)
        if match is None:
            return _error(404, "NOT_FOUND")
        op, found = match
        auth = self.bundle.security.authentication  # type: ignore[union-attr]
        try:
            claims = jwt.decode(
                request.headers.get("authorization", "")[7:],
                SECRET,
                algorithms=["HS256"],
                audience=auth.audience,
                issuer=auth.issuer,
            )
        except jwt.PyJWTError:
            return _error(401, "UNAUTHENTICATED")
        granted = set().union(*(self.roles.get(r, set()) for r in claims.get("roles", [])))
        if self.permissions.get(op.operation_id) not in granted:
            return _error(403, "FORBIDDEN")
        tenant = claims["tenant_id"]
        stub = op.operation_id in STUBS
        if (not stub or self.tenancy_on_stubs) and any(self.owners.get(i) != tenant for i in found.groups()):
            return _error(404, "NOT_FOUND")
        if stub:  # a stub answers without reading the body
            return _error(501, "NOT_IMPLEMENTED")
        if request.method in ("POST", "PUT", "PATCH") and len(request.read()) > 1_000_000:
            return _error(413, "PAYLOAD_TOO_LARGE")  # a streamed body is cut off while it is read
        if op.method == "post" and not op.path.endswith("}"):
            new_id = str(uuid.uuid4())
            self.owners[new_id] = tenant
            return httpx.Response(201, json={"id": new_id})
        return httpx.Response(200, json={"items": []} if op.method == "get" else {})


def _service(bundle_dir: Path, root: Path) -> Path:
    """Only the generated manifest: where the generator declares its stubs."""
    bundle = load_bundle(bundle_dir).bundle
    assert bundle is not None
    manifest = root / ".backend-engineer" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_bytes(render_service(bundle)[".backend-engineer/manifest.json"])
    return root


def _probe(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tenancy_on_stubs: bool) -> tuple[list[Any], dict[str, Any]]:
    bundle = _bundle()
    fake = FakeService(bundle, tenancy_on_stubs)
    real_client = httpx.Client

    def client(**kwargs: Any) -> httpx.Client:
        return real_client(transport=httpx.MockTransport(fake), **kwargs)

    monkeypatch.setattr(probe.httpx, "Client", client)
    root = _service(EXAMPLES / "projects-saas-v2", tmp_path / "svc")
    svc = RunningService("http://127.0.0.1:9", bundle, SECRET, "sqlite://", root)
    return probe.probe_running(svc)


def test_the_generator_declares_the_stubs(tmp_path: Path) -> None:
    assert declared_stubs(_service(EXAMPLES / "projects-saas-v2", tmp_path / "v2")) == STUBS
    assert declared_stubs(_service(EXAMPLES / "projects-saas", tmp_path / "v1")) == set()
    assert declared_stubs(tmp_path / "nothing-here") == set()
    assert is_stub_answer(_error(501, "NOT_IMPLEMENTED"))
    assert not is_stub_answer(_error(501, "SOMETHING_ELSE")) and not is_stub_answer(httpx.Response(500, text="boom"))


def test_guarded_stubs_are_not_probe_failures(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    findings, stats = _probe(monkeypatch, tmp_path, tenancy_on_stubs=True)
    assert [f for f in findings if any(s in f.title for s in STUBS)] == []
    assert stats["stubs"] == {"attachLabel": 501, "detachLabel": 501}
    assert stats["tokens"] > 0 and stats["role_matrix"] > 0


def test_a_stub_without_tenancy_checks_is_still_caught(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    findings, _stats = _probe(monkeypatch, tmp_path, tenancy_on_stubs=False)
    leaks = sorted(f.title for f in findings if f.code == "BE410")
    assert len(leaks) == 2 and all("must check tenancy on its path ids" in t for t in leaks), leaks


def test_a_stub_answering_501_is_a_deviation_not_a_failure() -> None:
    report = VerifyReport([CheckResult("probe", "passed", "ok", details={"stubs": {"attachLabel": 501, "x": 204}})])
    deviation = _business_logic(report)
    assert deviation is not None and deviation.status == "deviation"
    report.checks.append(deviation)
    assert report.ok and report.needs_business_logic == ["attachLabel"]
    assert "built, 1 operation(s) need business logic: attachLabel" in deviation.summary
    assert json.loads(json.dumps(report.to_dict()))["needs_business_logic"] == ["attachLabel"]
    assert "<failure" not in report.junit()
