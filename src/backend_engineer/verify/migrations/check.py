"""migration-check for any Alembic project: heads, static rules, round trips, drift, optional squawk."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend_engineer.findings import Finding, Severity, sort_findings
from backend_engineer.verify.migrations.static_rules import check_revision

LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class MigrationCheckError(Exception):
    pass


@dataclass
class MigrationResult:
    findings: list[Finding] = field(default_factory=list)
    databases: dict[str, str] = field(default_factory=dict)
    revisions: list[str] = field(default_factory=list)


def _project_root(folder: Path) -> Path:
    if (folder / "alembic.ini").is_file():
        return folder
    if (folder.parent / "alembic.ini").is_file():
        return folder.parent
    raise MigrationCheckError(f"{folder}: no alembic.ini here or in the parent; pass the project folder")


def _versions(root: Path) -> list[Path]:
    import configparser

    parser = configparser.ConfigParser()
    parser.read(root / "alembic.ini")
    location = parser.get("alembic", "script_location", fallback="migrations").replace("%(here)s", str(root))
    folder = root / location / "versions"
    if not folder.is_dir():
        raise MigrationCheckError(f"{folder}: the versions folder named by alembic.ini does not exist")
    return sorted(folder.glob("*.py"))


def _reachable(url: str) -> bool:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), timeout=1):
            return True
    except OSError:
        return False


def _run_worker(root: Path, url: str) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": url}
    proc = subprocess.run(
        [sys.executable, "-m", "backend_engineer.verify.migrations.roundtrip_worker", url],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return {"error": " | ".join(tail)}
    data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return data


def _roundtrip(root: Path, url: str, label: str) -> list[Finding]:
    data = _run_worker(root, url)
    if "error" in data:
        return [
            Finding(
                "BE209",
                Severity.BLOCKER,
                f"{label}: the migrations failed to run",
                str(root / "alembic.ini"),
                0,
                evidence=data["error"][:500],
                recommendation="run `alembic upgrade head` and fix the error",
                category="migrations",
                source="migration-check",
            )
        ]
    out = []
    for step in data["steps"]:
        if not step["restored"]:
            out.append(
                Finding(
                    "BE209",
                    Severity.BLOCKER,
                    f"{label}: downgrade of {step['revision']} does not restore the previous schema",
                    step["file"],
                    0,
                    evidence=f"differing after the downgrade: {', '.join(step['diff_tables'])}",
                    recommendation="make downgrade() reverse every step of upgrade()",
                    category="migrations",
                    source="migration-check",
                )
            )
        if not step["reapplied"]:
            out.append(
                Finding(
                    "BE209",
                    Severity.BLOCKER,
                    f"{label}: re-applying {step['revision']} gives another schema",
                    step["file"],
                    0,
                    category="migrations",
                    source="migration-check",
                )
            )
    if str(data.get("drift_status", "checked")) != "checked":
        out.append(
            Finding(
                "BE210",
                Severity.MINOR,
                f"{label}: model drift was not checked",
                str(root / "alembic.ini"),
                0,
                evidence=str(data["drift_status"])[:400],
                recommendation="set target_metadata in env.py so autogenerate can compare the models",
                category="migrations",
                source="migration-check",
            )
        )
    if data.get("drift"):
        out.append(
            Finding(
                "BE210",
                Severity.MAJOR,
                f"{label}: the models differ from the migrations",
                str(root / "alembic.ini"),
                0,
                evidence=str(data["drift"])[:800],
                recommendation="generate a revision for the difference, or fix the models",
                category="migrations",
                source="migration-check",
            )
        )
    return out


def temp_database(server_url: str) -> tuple[str, str]:
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(server_url)
    name = f"be_migcheck_{uuid.uuid4().hex[:10]}"
    admin = f"postgresql://{parsed.username or 'postgres'}@{parsed.host or '127.0.0.1'}:{parsed.port or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return str(parsed.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)), name


def drop_database(server_url: str, name: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(server_url)
    admin = f"postgresql://{parsed.username or 'postgres'}@{parsed.host or '127.0.0.1'}:{parsed.port or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def squawk_binary() -> str | None:
    """squawk-cli is optional: on PATH, or installed next to this interpreter (``pip install squawk-cli``)."""
    found = shutil.which("squawk")
    if found:
        return found
    sibling = Path(sys.executable).with_name("squawk")
    return str(sibling) if sibling.is_file() else None


REVISION = re.compile(r"""^revision\s*(?::\s*str\s*)?=\s*["']([^"']+)["']""", re.M)
RUNNING = re.compile(r"^-- Running upgrade .*-> (\S+)\s*$")


def _squawk(root: Path, files: list[Path]) -> tuple[list[Finding], str]:
    """Lint the offline SQL of `alembic upgrade head --sql` with squawk; map each warning to its revision file."""
    binary = squawk_binary()
    if binary is None:
        return [], "not installed (optional: pip install squawk-cli)"
    sql = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head", "--sql"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1/postgres"},
    )
    if sql.returncode != 0:
        return [], f"skipped: offline SQL failed ({(sql.stderr.strip().splitlines() or ['?'])[-1][:200]})"
    proc = subprocess.run(
        [binary, "--reporter", "json"], input=sql.stdout, capture_output=True, text=True, timeout=60, check=False
    )
    try:
        rows = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        return [], f"skipped: squawk gave no JSON ({proc.stderr.strip()[:200]})"
    by_revision: dict[str, Path] = {}
    for script in files:
        match = REVISION.search(script.read_text(encoding="utf-8", errors="replace"))
        if match:
            by_revision[match.group(1)] = script
    sql_lines = sql.stdout.splitlines()
    owner: list[str] = []
    current = ""
    for line in sql_lines:
        running = RUNNING.match(line)
        if running:
            current = running.group(1)
        owner.append(current)
    findings = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        index = int(row.get("line", 0) or 0)
        revision = owner[index] if 0 <= index < len(owner) else ""
        statement = sql_lines[index].strip() if 0 <= index < len(sql_lines) else ""
        path = by_revision.get(revision)
        if path is None or "alembic_version" in statement:
            continue
        findings.append(
            Finding(
                "BE211",
                Severity.MAJOR if str(row.get("level", "")).lower() == "error" else Severity.MINOR,
                f"squawk {row.get('rule_name', '?')}: {str(row.get('message', ''))[:160]}",
                str(path),
                0,
                evidence=f"{revision}: {statement}"[:400],
                recommendation=str(row.get("help", ""))[:300],
                category="migrations",
                source="squawk",
            )
        )
    return findings, f"checked ({len(set(findings))} warning(s))"


def check_project(
    folder: Path, *, pg_url: str | None = None, try_local_pg: bool = True, squawk: bool = True
) -> MigrationResult:
    root = _project_root(folder)
    result = MigrationResult()
    files = _versions(root)
    for path in files:
        result.findings.extend(check_revision(path))
    heads = _heads(root)
    result.revisions = [p.stem for p in files]
    if len(heads) != 1:
        result.findings.append(
            Finding(
                "BE201",
                Severity.BLOCKER,
                f"{len(heads)} heads: {heads}",
                str(root),
                0,
                recommendation="merge the heads (alembic merge) so there is one",
                category="migrations",
                source="migration-check",
            )
        )
        return _done(result)
    with tempfile.TemporaryDirectory(prefix="be-migcheck-") as tmp:
        result.findings.extend(_roundtrip(root, f"sqlite:///{tmp}/check.db", "sqlite"))
        result.databases["sqlite"] = "checked"
    server = pg_url or (LOCAL_PG if try_local_pg and _reachable(LOCAL_PG) else None)
    if server is None:
        result.databases["postgresql"] = "skipped: no PostgreSQL server given or reachable"
    else:
        url, name = temp_database(server)
        try:
            result.findings.extend(_roundtrip(root, url, "postgresql"))
            result.databases["postgresql"] = "checked"
        finally:
            drop_database(server, name)
    if squawk:
        found, status = _squawk(root, files)
        result.findings.extend(found)
        result.databases["squawk"] = status
    else:
        result.databases["squawk"] = "skipped by request"
    return _done(result)


def _heads(root: Path) -> list[str]:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from alembic.config import Config; from alembic.script import "
            "ScriptDirectory; print(' '.join(ScriptDirectory.from_config(Config('alembic.ini'))"
            ".get_heads()))",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0:
        raise MigrationCheckError(
            f"{root}/alembic.ini: Alembic cannot read the scripts: {(proc.stderr.strip().splitlines() or ['?'])[-1]}"
        )
    return proc.stdout.split()


def _done(result: MigrationResult) -> MigrationResult:
    result.findings = sort_findings(result.findings)
    return result
