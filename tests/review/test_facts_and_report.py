"""Whole-program facts (routes of every framework, auth, taint), categories, evidence paths and the --llm pass."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.findings import Finding, Severity
from backend_engineer.review.engine import _dedupe, review_path
from backend_engineer.review.report import SCHEMA, ReviewReport

FIXTURES = Path(__file__).parent / "fixtures"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def facts_of(root: Path):  # type: ignore[no-untyped-def]
    import ast

    from backend_engineer.review.context import FileContext, Project
    from backend_engineer.review.facts import gather

    project = Project()
    contexts = [
        FileContext(p, str(p.relative_to(root)), p.read_text(), ast.parse(p.read_text()), project)
        for p in sorted(root.rglob("*.py"))
    ]
    return gather(contexts, root)


def test_routes_from_every_framework(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "api/users.py": """
                def get_user(username):
                    return username
            """,
            "spec/openapi.yml": """
                openapi: 3.0.0
                paths:
                  /users/{username}:
                    get:
                      operationId: api.users.get_user
            """,
            "flaskviews.py": """
                from flask.views import MethodView
                from flask_restful import Resource

                class Items(MethodView):
                    decorators = [login_required]
                    def post(self):
                        return 1

                class Things(Resource):
                    def delete(self, thing_id):
                        return thing_id
            """,
            "shop/urls.py": """
                from django.urls import path
                from shop import views
                urlpatterns = [path("orders/<int:pk>/", views.order_detail)]
            """,
            "shop/views.py": """
                from rest_framework import viewsets
                from rest_framework.permissions import IsAuthenticated

                def order_detail(request, pk):
                    return pk

                class OrderViewSet(viewsets.ModelViewSet):
                    permission_classes = [IsAuthenticated]
                    def destroy(self, request, pk=None):
                        return pk
            """,
            "aio/handlers.py": """
                from aiohttp import web

                async def list_notes(request):
                    return web.json_response([])

                def setup(app):
                    app.router.add_get("/notes", list_notes)
            """,
        },
    )
    facts = facts_of(root)
    found = {(r.name, r.framework, tuple(sorted(r.methods)), bool(r.auth)) for r in facts.routes}
    assert ("get_user", "connexion", ("get",), False) in found
    assert ("post", "class-view", ("post",), True) in found
    assert ("delete", "class-view", ("delete",), False) in found
    assert ("order_detail", "django", ("get",), False) in found
    assert ("destroy", "class-view", ("delete",), True) in found
    assert ("list_notes", "aiohttp", ("get",), False) in found


def test_body_checks_count_as_authentication_and_login_is_public(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "app.py": """
                from flask import Flask, g, request
                app = Flask(__name__)

                @app.route("/login", methods=["POST"])
                def login():
                    return check(request.json["username"], request.json["password"])

                @app.route("/register", methods=["POST"])
                def register():
                    return create(request.json["username"], request.json["password"])

                @app.route("/notes", methods=["POST"])
                def add_note():
                    if not verify_jwt(request.headers.get("Authorization")):
                        return "no", 401
                    return save(request.json)

                @app.route("/posts", methods=["POST"])
                def add_post():
                    if "username" not in g.session:
                        return "no", 401
                    return save(request.form)

                @app.route("/open", methods=["DELETE"])
                def wipe():
                    return drop_everything()
            """
        },
    )
    report = review_path(root, use_ruff=False)
    assert [(f.code, f.title.split(": ")[-1]) for f in report.findings if f.code == "BE301"] == [("BE301", "wipe")]


def test_taint_path_reaches_json_and_sarif_code_flows(tmp_path: Path) -> None:
    import jsonschema

    report = review_path(FIXTURES / "BE319" / "errors.py", use_ruff=False)
    data = report.to_dict()
    jsonschema.validate(data, SCHEMA)
    item = next(f for f in data["findings"] if f["title"].startswith("BE319") and f["where"]["lines"][0] == 11)
    notes = [step["note"] for step in item["flow"]]
    assert notes[0].startswith("request data") and "name" in notes[1] and notes[-1].startswith("send_file")
    result = next(r for r in report.to_sarif()["runs"][0]["results"] if r["ruleId"] == "BE319")
    locations = result["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [loc["location"]["physicalLocation"]["region"]["startLine"] for loc in locations] == [10, 10, 11]


def test_quality_findings_are_apart_and_block_only_when_strict() -> None:
    quality = Finding("BE310", Severity.MAJOR, "no idempotency key", "a.py", 3, category="reliability")
    ruff = Finding("BLE001", Severity.MINOR, "blind except", "a.py", 5, category="quality")
    report = ReviewReport(findings=[quality, ruff])
    assert report.status == "ready" and report.security == [] and len(report.quality) == 2
    assert {f["group"] for f in report.to_dict()["findings"]} == {"quality"}
    assert ReviewReport(findings=[quality], strict=True).status == "blocked"


def test_ruff_finding_a_line_away_is_kept() -> None:
    ours = Finding("BE306", Severity.BLOCKER, "secret", "s.py", 3, 3, category="secrets")
    near = Finding("S105", Severity.MAJOR, "ruff S105", "s.py", 4, 4, category="secrets", source="ruff")
    same = Finding("S105", Severity.MAJOR, "ruff S105", "s.py", 3, 3, category="secrets", source="ruff")
    assert _dedupe([ours], [near, same]) == [near]


def test_high_entropy_non_secrets_are_not_secrets(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "urls.py": """
                ROUTE = r'^articles/(?P<article_id>[0-9]+)/comments/(?P<cid>[a-z0-9-]+)/$'
                ICON = "M12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2z"
                REQUEST_ID = "3f2b8c4e-1d2a-4b5c-9e8f-7a6b5c4d3e2f"
                CHECKSUM = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                SECRET_KEY = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
            """
        },
    )
    report = review_path(root, use_ruff=False)
    assert [f.line for f in report.findings if f.code == "BE306"] == [6]


SCRIPT = {
    "turns": [
        {"text": '{"verdict": "reject", "reason": "the path is a constant"}'},
        {"text": 'Sure. {"verdict": "confirm", "reason": "request data reaches os.remove"}'},
    ]
}


def test_llm_pass_confirms_and_rejects_with_the_scripted_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "verdicts.json"
    script.write_text(json.dumps(SCRIPT))
    monkeypatch.setenv("BE_LLM_PROVIDER", "scripted")
    monkeypatch.setenv("BE_LLM_SCRIPT", str(script))
    result = CliRunner().invoke(app, ["review", str(FIXTURES / "BE319" / "errors.py"), "--no-ruff", "--json"])
    data = json.loads(result.output)
    assert [f["where"]["lines"][0] for f in data["findings"] if f["title"].startswith("BE319")] == [11, 16]
    with_llm = CliRunner().invoke(
        app, ["review", str(FIXTURES / "BE319" / "errors.py"), "--no-ruff", "--json", "--llm"]
    )
    kept = [f for f in json.loads(with_llm.output)["findings"] if f["title"].startswith("BE319")]
    assert [f["where"]["lines"][0] for f in kept] == [16]


def test_llm_flag_without_a_model_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BE_LLM_PROVIDER", raising=False)
    result = CliRunner().invoke(app, ["review", str(FIXTURES / "BE319" / "errors.py"), "--no-ruff", "--llm"])
    assert result.exit_code == 2 and "BE_LLM_PROVIDER" in result.output
