"""dep-scan: match installed or locked packages against a local OSV database (BE501).

Without a database the scan is an explicit error: it never reports "no vulnerabilities" blind. The
default database is the offline PyPA snapshot in ``../shared/osv/`` beside the repository root (a CI
checkout has ``shared/`` beside the clone); ``$BACKEND_ENGINEER_OSV`` names another one, or ``none``
to have none. Every result states the snapshot's date: a dated snapshot proves only that no advisory
published up to that day matches.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from backend_engineer.findings import Finding, Severity, sort_findings


class DepScanError(Exception):
    pass


OSV_ENV = "BACKEND_ENGINEER_OSV"
REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_OSV = Path("..") / "shared" / "osv"
_DATE = re.compile(r"\b(20\d\d-[01]\d-[0-3]\d)\b")


def default_db(root: Path = REPO_ROOT) -> Path | None:
    """``$BACKEND_ENGINEER_OSV`` (``none`` for no database), else ``<root>/../shared/osv`` when it exists."""
    env = os.environ.get(OSV_ENV)
    if env is not None:
        return None if env.strip().lower() in {"", "none"} else Path(env)
    folder = (root / SHARED_OSV).resolve()
    return folder if folder.is_dir() else None


def snapshot_date(db: Path) -> str | None:
    """The date a README beside (or inside) the database states, e.g. ``2024-10-10``."""
    folder = db if db.is_dir() else db.parent
    readme = folder / "README.md"
    if readme.is_file():
        match = _DATE.search(readme.read_text(encoding="utf-8", errors="replace"))
        if match:
            return match.group(1)
    return None


def describe(stats: dict[str, Any]) -> str:
    """One line for reports: what was scanned against which snapshot."""
    when = stats.get("snapshot")
    dated = (
        f"advisories up to {when} (a dated snapshot: later advisories are not checked)"
        if when
        else "advisories (snapshot date unknown)"
    )
    return f"{stats['packages']} packages against {stats['advisories']} {dated}; database {stats.get('database', '?')}"


def _parse_advisory(raw: bytes | str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise DepScanError(f"{where}: not valid JSON ({exc}); fix or remove this advisory file") from None
    if not isinstance(data, dict):
        raise DepScanError(f"{where}: an OSV advisory must be a JSON object with `id` and `affected`")
    return data


def _zip_advisories(db: Path) -> Iterator[dict[str, Any]]:
    try:
        archive = zipfile.ZipFile(db)
    except zipfile.BadZipFile:
        raise DepScanError(f"{db}: not a readable zip; pass an OSV export (.zip) or a folder") from None
    with archive:
        for name in archive.namelist():
            if name.endswith(".json"):
                yield _parse_advisory(archive.read(name), f"{db}!{name}")


def _advisories(db: Path) -> Iterator[dict[str, Any]]:
    """Every advisory of a zip, or of a folder of JSON files and zips (``../shared/osv`` holds one zip)."""
    if db.is_file() and db.suffix == ".zip":
        yield from _zip_advisories(db)
    elif db.is_dir():
        for path in sorted(db.rglob("*.json")):
            yield _parse_advisory(path.read_bytes(), str(path))
        for path in sorted(db.glob("*.zip")):
            yield from _zip_advisories(path)
    else:
        raise DepScanError(f"{db}: not an OSV database (a folder or a .zip of OSV JSON files)")


Packages = dict[str, tuple[str, int]]
"""Canonical package name -> (version, 1-based line in the lock file, 0 when installed)."""


def _toml_lock(lock: Path) -> Packages:
    """poetry.lock and uv.lock: ``[[package]]`` tables with name and version."""
    try:
        data = tomllib.loads(lock.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise DepScanError(f"{lock}: not valid TOML ({exc})") from None
    lines = lock.read_text().splitlines()
    out: Packages = {}
    for pkg in data.get("package", []):
        name, version = pkg.get("name"), pkg.get("version")
        if isinstance(name, str) and isinstance(version, str):
            line = next((i for i, text in enumerate(lines, 1) if text.strip() == f'name = "{name}"'), 0)
            out[str(canonicalize_name(name))] = (version, line)
    return out


def _packages(lock: Path | None) -> Packages:
    if lock is None:
        return {
            str(canonicalize_name(d.metadata["Name"])): (d.version, 0)
            for d in metadata.distributions()
            if d.metadata["Name"]
        }
    if not lock.is_file():
        raise DepScanError(f"{lock}: no such lock or requirements file")
    if lock.name in ("poetry.lock", "uv.lock") or lock.suffix == ".toml":
        out = _toml_lock(lock)
    else:
        out = {}
        for number, line in enumerate(lock.read_text().splitlines(), 1):
            match = re.match(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*==\s*([^\s;#\\]+)", line)
            if match:
                out[str(canonicalize_name(match.group(1).split("[")[0]))] = (match.group(2), number)
    if not out:
        raise DepScanError(
            f"{lock}: no pinned packages to scan; pass a requirements file with `name==version` lines, "
            "a poetry.lock or a uv.lock"
        )
    return out


def _affected(version: Version, ranges: list[dict[str, Any]], versions: list[str]) -> bool:
    if str(version) in versions:
        return True
    for rng in ranges:
        if rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue
        introduced: Version | None = None
        for event in rng.get("events", []):
            try:
                if "introduced" in event:
                    introduced = Version("0") if event["introduced"] == "0" else Version(event["introduced"])
                elif "fixed" in event and introduced is not None:
                    if introduced <= version < Version(event["fixed"]):
                        return True
                    introduced = None
                elif "last_affected" in event and introduced is not None:
                    if introduced <= version <= Version(event["last_affected"]):
                        return True
                    introduced = None
            except InvalidVersion:
                continue
        if introduced is not None and version >= introduced:
            return True
    return False


SEVERITY = {
    "CRITICAL": Severity.BLOCKER,
    "HIGH": Severity.MAJOR,
    "MODERATE": Severity.MINOR,
    "MEDIUM": Severity.MINOR,
    "LOW": Severity.INFO,
}


def scan(db: Path | None, lock: Path | None = None) -> tuple[list[Finding], dict[str, Any]]:
    if db is None:
        raise DepScanError(
            "no advisory database given: pass --db with an OSV folder or zip (for example an export "
            "of the PyPI ecosystem); without one nothing can be claimed about vulnerabilities"
        )
    packages = _packages(lock)
    findings: list[Finding] = []
    advisories = 0
    latest = ""
    for adv in _advisories(db):
        advisories += 1
        modified = adv.get("modified")
        if isinstance(modified, str) and modified[:10] > latest:
            latest = modified[:10]
        if adv.get("withdrawn"):
            continue
        for affected in adv.get("affected", []):
            pkg = affected.get("package", {})
            if pkg.get("ecosystem", "PyPI") != "PyPI":
                continue
            name = canonicalize_name(pkg.get("name", ""))
            if name not in packages:
                continue
            pinned, line = packages[name]
            try:
                version = Version(pinned)
            except InvalidVersion:
                continue
            if _affected(version, affected.get("ranges", []), affected.get("versions", [])):
                level = str((adv.get("database_specific") or {}).get("severity", "HIGH")).upper()
                fixed = [e["fixed"] for r in affected.get("ranges", []) for e in r.get("events", []) if "fixed" in e]
                findings.append(
                    Finding(
                        "BE501",
                        SEVERITY.get(level, Severity.MAJOR),
                        f"{name} {version}: {adv.get('id', '?')} {adv.get('summary', '')}".strip(),
                        str(lock) if lock else "installed packages",
                        line,
                        evidence=", ".join(adv.get("aliases", [])),
                        recommendation=f"upgrade to {fixed[-1]}" if fixed else "no fix published; mitigate or replace",
                        category="dependencies",
                        source="dep-scan",
                    )
                )
    if advisories == 0:
        raise DepScanError(f"{db}: the advisory database is empty; refusing to report a clean result")
    stats: dict[str, Any] = {
        "packages": len(packages),
        "advisories": advisories,
        "snapshot": snapshot_date(db) or latest or None,
        "database": str(db),
    }
    return sort_findings(findings), stats
