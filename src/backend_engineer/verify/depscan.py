"""dep-scan: match installed or locked packages against a local OSV database (BE501).

Without a database the scan is an explicit error: it never reports "no vulnerabilities" blind.
"""

from __future__ import annotations

import json
import re
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


def _advisories(db: Path) -> Iterator[dict[str, Any]]:
    if db.is_file() and db.suffix == ".zip":
        with zipfile.ZipFile(db) as archive:
            for name in archive.namelist():
                if name.endswith(".json"):
                    yield json.loads(archive.read(name))
    elif db.is_dir():
        for path in sorted(db.rglob("*.json")):
            yield json.loads(path.read_text())
    else:
        raise DepScanError(f"{db}: not an OSV database (a folder or a .zip of OSV JSON files)")


def _packages(lock: Path | None) -> dict[str, str]:
    if lock is None:
        return {
            str(canonicalize_name(d.metadata["Name"])): d.version
            for d in metadata.distributions()
            if d.metadata["Name"]
        }
    if not lock.is_file():
        raise DepScanError(f"{lock}: no such lock or requirements file")
    out: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        match = re.match(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*==\s*([^\s;#]+)", line)
        if match:
            out[str(canonicalize_name(match.group(1).split("[")[0]))] = match.group(2)
    if not out:
        raise DepScanError(f"{lock}: no pinned `name==version` lines to scan")
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
    for adv in _advisories(db):
        advisories += 1
        for affected in adv.get("affected", []):
            pkg = affected.get("package", {})
            if pkg.get("ecosystem", "PyPI") != "PyPI":
                continue
            name = canonicalize_name(pkg.get("name", ""))
            if name not in packages:
                continue
            try:
                version = Version(packages[name])
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
                        0,
                        evidence=", ".join(adv.get("aliases", [])),
                        recommendation=f"upgrade to {fixed[-1]}" if fixed else "no fix published; mitigate or replace",
                        category="dependencies",
                        source="dep-scan",
                    )
                )
    if advisories == 0:
        raise DepScanError(f"{db}: the advisory database is empty; refusing to report a clean result")
    return sort_findings(findings), {"packages": len(packages), "advisories": advisories}
