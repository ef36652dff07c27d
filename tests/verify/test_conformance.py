"""conformance: silent on a generated service, loud on a response that breaks the contract."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.handoff.deviations import conformance_deviations
from backend_engineer.verify.conformance import run_conformance
from tests.conftest import EXAMPLES
from tests.generator.support import generate

PLANTED = '''
"""A service whose responses are bent in three ways the contract does not allow."""

from __future__ import annotations

import json
import re
from typing import Any

from app.entrypoints.api.app import create_app as _create_app

ONE_PROJECT = re.compile(r"^/v1/projects/[0-9a-f-]{36}$")


def create_app(*args: Any, **kwargs: Any) -> Any:
    inner = _create_app(*args, **kwargs)

    async def planted(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        held: dict[str, Any] = {}

        async def bend(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                held["start"] = message
                return
            body = message.get("body", b"")
            start = held.pop("start", None)
            if start is not None:
                headers = [(k, v) for k, v in start["headers"] if k not in (b"content-length", b"content-type")]
                media = dict(start["headers"]).get(b"content-type", b"application/json")
                status = start["status"]
                if method == "GET" and ONE_PROJECT.match(path) and status == 200:
                    data = json.loads(body)
                    data.pop("name", None)
                    body = json.dumps(data).encode()
                if method == "POST" and path.endswith("/tasks") and status == 201:
                    status = 202
                if method == "GET" and path == "/v1/webhooks":
                    media = b"text/plain"
                headers += [(b"content-type", media), (b"content-length", str(len(body)).encode())]
                await send({**start, "status": status, "headers": headers})
            await send({**message, "body": body})

        await inner(scope, receive, bend)

    return planted
'''


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(EXAMPLES / "projects-saas", tmp_path_factory.mktemp("conf") / "svc")


def test_a_generated_service_conforms_to_its_contract(service: Path) -> None:
    findings, stats = run_conformance(service)
    assert findings == [], [f.title for f in findings]
    assert stats["operations"] == stats["exercised"] == stats["conforming"] == 17
    assert stats["responses"]["deleteTask"] == 204 and stats["responses"]["createProject"] == 201


def test_each_kind_of_deviation_is_found_and_becomes_an_api_deviation(service: Path, tmp_path: Path) -> None:
    bent = tmp_path / "bent"
    shutil.copytree(service, bent)
    (bent / "app" / "main.py").write_text(PLANTED)
    findings, _stats = run_conformance(bent)
    found = {(f.code, f.title.split("(")[1].split(")")[0]) for f in findings}
    assert ("BE442", "getProject") in found, found
    assert ("BE440", "createTask") in found, found
    assert ("BE441", "listWebhooks") in found, found
    assert all(f.severity.label == "major" for f in findings if f.code in ("BE440", "BE441", "BE442"))
    body = next(f for f in findings if f.code == "BE442")
    assert "'name' is a required property" in body.title
    verification = {"checks": [{"name": "conformance", "findings": [f.to_dict() for f in findings]}]}
    deviations = conformance_deviations(verification)
    assert len(deviations) == len(findings) and any("createTask" in d and "202" in d for d in deviations)


def test_conformance_cli_exits_1_on_deviations_and_2_on_bad_input(service: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["conformance", str(service), "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["stats"]["conforming"] == 17
    bad = runner.invoke(app, ["conformance", str(tmp_path)])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
