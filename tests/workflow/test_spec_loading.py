from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.spec.bundle import load_bundle
from tests.conftest import EXAMPLES

runner = CliRunner()


def _copy(tmp_path: Path, name: str = "projects-saas") -> Path:
    dst = tmp_path / name
    shutil.copytree(EXAMPLES / name, dst)
    return dst


def test_examples_load_without_errors() -> None:
    for name in ("projects-saas", "projects-saas-v2", "incomplete-notes"):
        result = load_bundle(EXAMPLES / name)
        assert result.ok, [e.render() for e in result.errors]
    saas = load_bundle(EXAMPLES / "projects-saas").bundle
    assert saas is not None and saas.api is not None
    assert len(saas.api.operations) == 17
    assert saas.techspec is not None and saas.techspec.events[0].on == "create"


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    bundle = _copy(tmp_path)
    path = bundle / "perf.yaml"
    lines = path.read_text().splitlines()
    lines[5] = "  latency: [unclosed"
    path.write_text("\n".join(lines) + "\n")
    result = load_bundle(bundle)
    assert not result.ok
    err = result.errors[0]
    assert err.file.endswith("perf.yaml") and err.line >= 6
    assert "invalid YAML" in err.message


def test_wrong_type_names_field_and_line(tmp_path: Path) -> None:
    bundle = _copy(tmp_path)
    path = bundle / "perf.yaml"
    text = path.read_text().replace("pool_size: 10", "pool_size: ten")
    path.write_text(text)
    result = load_bundle(bundle)
    assert [e.field for e in result.errors] == ["database.pool_size"]
    expected_line = text.splitlines().index("  pool_size: ten") + 1
    assert result.errors[0].line == expected_line
    assert "number" in result.errors[0].fix


def test_unknown_key_is_an_error_with_a_fix(tmp_path: Path) -> None:
    bundle = _copy(tmp_path)
    path = bundle / "ops.yaml"
    path.write_text(path.read_text().replace("shutdown:", "shutdwn:"))
    result = load_bundle(bundle)
    assert result.errors and result.errors[0].field == "shutdwn"
    assert "spelling" in result.errors[0].fix


def test_dangling_ref_is_reported_with_line(tmp_path: Path) -> None:
    bundle = _copy(tmp_path)
    path = bundle / "openapi.yaml"
    text = path.read_text().replace('$ref: "#/components/schemas/ProjectPage"', '$ref: "#/components/schemas/Nope"')
    path.write_text(text)
    result = load_bundle(bundle)
    assert len(result.errors) == 1
    err = result.errors[0]
    assert "Nope" in err.message and err.line == next(
        i + 1 for i, ln in enumerate(text.splitlines()) if "schemas/Nope" in ln
    )


def test_cli_bad_input_exits_2_without_traceback(tmp_path: Path) -> None:
    bundle = _copy(tmp_path)
    (bundle / "security.yaml").write_text("authentication: [a, b\n")
    result = runner.invoke(app, ["intake", str(bundle)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "security.yaml:" in result.output and "Fix:" in result.output


def test_cli_missing_bundle_folder_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["intake", str(tmp_path / "nope"), "--json"])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_schema_command_publishes_every_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.glob("*.schema.json"))
    assert names == sorted(
        f"{n}.schema.json" for n in ("company", "techspec", "datamodel", "security", "perf", "ops", "openapi")
    )
    one = runner.invoke(app, ["schema", "perf"])
    assert '"query_budget"' in one.output
    bad = runner.invoke(app, ["schema", "nope"])
    assert bad.exit_code == 2


def test_an_invalid_contract_stops_intake_and_generate(tmp_path: Path) -> None:
    bundle = _copy(tmp_path)
    path = bundle / "openapi.yaml"
    path.write_text(path.read_text().replace("responses:", "responsez:", 1))
    result = load_bundle(bundle)
    assert not result.ok and all(e.file.endswith("openapi.yaml") for e in result.errors)
    assert any("responsez" in e.message for e in result.errors), [e.render() for e in result.errors]
    assert all(e.line > 1 and e.fix for e in result.errors)
    for command in (["intake", str(bundle)], ["generate", str(bundle), "--out", str(tmp_path / "svc")]):
        out = runner.invoke(app, command)
        assert out.exit_code == 2 and "responsez" in out.output, out.output
    assert not (tmp_path / "svc").exists()


def test_a_directory_in_place_of_an_input_is_named(tmp_path: Path) -> None:
    bundle = _copy(tmp_path)
    (bundle / "perf.yaml").unlink()
    (bundle / "perf.yaml").mkdir()
    result = load_bundle(bundle)
    [err] = result.errors
    assert err.file.endswith("perf.yaml") and "directory" in err.message and "replace it" in err.fix
    out = runner.invoke(app, ["generate", str(bundle), "--out", str(tmp_path / "svc")])
    assert out.exit_code == 2 and "perf.yaml is a directory" in out.output and out.exception is not None
    assert isinstance(out.exception, SystemExit) and not (tmp_path / "svc").exists()
