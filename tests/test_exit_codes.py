"""One test per exit code, each through the CLI, and the README's table matches ``exit_codes``."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from backend_engineer import exit_codes
from backend_engineer.cli.main import app
from tests.conftest import EXAMPLES, ROOT

SAAS = EXAMPLES / "projects-saas"
GOLDEN = ROOT / "tests" / "golden" / "projects-saas"
runner = CliRunner()


def invoke(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def bundle_copy(tmp_path: Path, name: str = "projects-saas") -> Path:
    return Path(shutil.copytree(EXAMPLES / name, tmp_path / name))


@pytest.fixture(autouse=True)
def _runs_beside_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKEND_ENGINEER_RUNS", raising=False)
    monkeypatch.chdir(tmp_path)


def test_the_readme_lists_every_exit_code() -> None:
    text = (ROOT / "README.md").read_text()
    listed = dict(
        (int(n), what) for n, what in re.findall(r"(\d) ([a-z ]+?)(?:,|\.)", text.split("Exit codes:")[1][:400])
    )
    codes = {v: k for k, v in vars(exit_codes).items() if k.isupper()}
    assert sorted(listed) == sorted(codes) == list(range(9)), listed


def test_0_ok(tmp_path: Path) -> None:
    assert invoke("intake", str(SAAS)).exit_code == exit_codes.OK


def test_1_findings(tmp_path: Path) -> None:
    contract = tmp_path / "openapi.yaml"
    lines = (SAAS / "openapi.yaml").read_text().splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if "#/components/parameters/IdempotencyKey" in line)
    contract.write_text(
        "".join(
            [*lines[:first], "        - {name: X-Trace, in: header, schema: {type: string}}\n", *lines[first + 1 :]]
        )
    )
    result = invoke("openapi-lint", str(contract))
    assert result.exit_code == exit_codes.FINDINGS and "BE102" in result.output


def test_2_bad_input(tmp_path: Path) -> None:
    bundle = bundle_copy(tmp_path)
    perf = bundle / "perf.yaml"
    perf.write_text(perf.read_text().replace("pool_size: 10", "pool_size: ten"))
    result = invoke("intake", str(bundle))
    assert result.exit_code == exit_codes.BAD_INPUT and "database.pool_size" in result.output


def test_3_intake_incomplete(tmp_path: Path) -> None:
    result = invoke("intake", str(EXAMPLES / "incomplete-notes"))
    assert result.exit_code == exit_codes.INTAKE_INCOMPLETE and "[BLOCKER]" in result.output
    bundle = bundle_copy(tmp_path)
    (bundle / "company.config.yaml").unlink()
    for command in ("intake", "generate", "plan", "build"):
        extra = [] if command == "intake" else ["--out", str(tmp_path / "svc")]
        result = invoke(command, str(bundle), *extra)
        assert result.exit_code == exit_codes.INTAKE_INCOMPLETE, (command, result.output)
        assert "company.config.yaml" in result.output and "--engine" not in result.output
    assert not (tmp_path / "svc").exists() and not (tmp_path / ".backend-engineer").exists()


def test_4_not_approved(tmp_path: Path) -> None:
    result = invoke("build", str(SAAS), "--out", str(tmp_path / "svc"))
    assert result.exit_code == exit_codes.NOT_APPROVED, result.output
    assert "[ASK]" in result.output and "no approval" in result.output
    assert not (tmp_path / "svc").exists()


def test_5_cancelled(tmp_path: Path) -> None:
    planned = json.loads(invoke("plan", str(SAAS), "--out", str(tmp_path / "svc"), "--json").stdout)
    result = invoke("approve", planned["run_dir"], "--answer", "HALT")
    assert result.exit_code == exit_codes.CANCELLED and "[FAIL] cancelled" in result.output
    built = invoke("build", str(SAAS), "--out", str(tmp_path / "svc"), "--run", planned["run_dir"], "--yes")
    assert built.exit_code == exit_codes.CANCELLED and "cannot be approved again" in built.output
    assert not (tmp_path / "svc").exists()


def test_6_unsupported(tmp_path: Path) -> None:
    bundle = bundle_copy(tmp_path)
    company = bundle / "company.config.yaml"
    company.write_text(company.read_text().replace("framework: fastapi", "framework: django"))
    result = invoke("generate", str(bundle), "--out", str(tmp_path / "svc"))
    assert result.exit_code == exit_codes.UNSUPPORTED, result.output
    assert "tech_stack.framework" in result.output and not (tmp_path / "svc").exists()
    assert "generate` runs the deterministic engine only" in result.output and "build" in result.output


def test_7_verify_failed(tmp_path: Path) -> None:
    service = Path(shutil.copytree(GOLDEN, tmp_path / "svc"))
    contract = service / ".backend-engineer" / "bundle" / "openapi.yaml"
    lines = contract.read_text().splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if "#/components/parameters/IdempotencyKey" in line)
    contract.write_text(
        "".join(
            [*lines[:first], "        - {name: X-Trace, in: header, schema: {type: string}}\n", *lines[first + 1 :]]
        )
    )
    skip = "tests,lint,fuzz,probe,slo,migrations,dep-scan"
    result = invoke("verify", str(service), "--skip", skip, "--out", str(tmp_path / "out"))
    assert result.exit_code == exit_codes.VERIFY_FAILED and "BE102" in result.output


def test_8_conflict(tmp_path: Path) -> None:
    service = tmp_path / "svc"
    assert invoke("generate", str(SAAS), "--out", str(service)).exit_code == exit_codes.OK
    edited = service / "app" / "platform" / "errors.py"
    edited.write_text(edited.read_text() + "\n# hand edit\n")
    result = invoke("plan", str(SAAS), "--out", str(service))
    assert result.exit_code == exit_codes.CONFLICT, result.output
    assert "app/platform/errors.py" in result.output
