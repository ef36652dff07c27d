"""Contract fuzzing with schemathesis 4 over loopback; failures become findings, crashes blockers."""

from __future__ import annotations

import ipaddress
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from backend_engineer.findings import Finding, Severity, sort_findings
from backend_engineer.verify.service import ServiceError, run_service, serve_asgi
from backend_engineer.verify.stubs import declared_stubs


class FuzzError(Exception):
    pass


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


FAILURE = re.compile(r"^- (ST\d{3}) (.+)$", re.M)
BLOCKER_TITLES = ("server error", "not enforced", "ignored auth", "authentication")
MINOR_TITLES = (
    "undocumented status code",
    "allow header",
    "schema-valid request rejected",
    "unsupported method",
    "missing required header",
    "undocumented content type",
    "undocumented header",
    "accepted invalid",
    "api accepted schema-violating request",
    "schema-violating request accepted",
)


def _classify(title: str) -> tuple[str, Severity]:
    lowered = title.lower()
    if "server error" in lowered:
        return "BE400", Severity.BLOCKER
    if any(t in lowered for t in BLOCKER_TITLES[1:]):
        return "BE402", Severity.BLOCKER
    if "error envelope" in lowered or "error_envelope" in lowered:
        return "BE403", Severity.MAJOR
    if any(t in lowered for t in MINOR_TITLES):
        return "BE404", Severity.MINOR
    return "BE401", Severity.MAJOR


def _parse_junit(path: Path, spec: str) -> tuple[list[Finding], dict[str, int]]:
    findings: list[Finding] = []
    stats = {"operations": 0, "failed_operations": 0, "failures": 0}
    if not path.is_file():
        return findings, stats
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        stats["operations"] += 1
        texts = [(f.text or f.get("message") or "") for f in [*case.iter("failure"), *case.iter("error")]]
        if texts:
            stats["failed_operations"] += 1
        for text in texts:
            matches = list(FAILURE.finditer(text))
            if not matches:
                findings.append(
                    Finding(
                        "BE401",
                        Severity.MAJOR,
                        f"{case.get('name', '?')}: {text[:120]}",
                        spec,
                        0,
                        evidence=text[:600],
                        category="contract-fuzzing",
                        source="schemathesis",
                    )
                )
            for i, match in enumerate(matches):
                stats["failures"] += 1
                block = text[match.start() : matches[i + 1].start() if i + 1 < len(matches) else len(text)]
                code, severity = _classify(match.group(2))
                curl = next((ln.strip() for ln in block.splitlines() if ln.strip().startswith("curl ")), "")
                findings.append(
                    Finding(
                        code,
                        severity,
                        f"{case.get('name', '?')}: {match.group(1)} {match.group(2)}",
                        spec,
                        0,
                        evidence=(block.strip()[:500] + ("\n" + curl if curl else ""))[:900],
                        category="contract-fuzzing",
                        source="schemathesis",
                        recommendation="reproduce with the curl command and fix the handler or the contract",
                    )
                )
    return findings, stats


def _schemathesis(
    spec: str,
    base_url: str,
    headers: dict[str, str],
    max_examples: int,
    workdir: Path,
    exclude: tuple[str, ...] = (),
) -> tuple[list[Finding], dict[str, Any]]:
    """Run schemathesis; ``exclude`` names operation ids left out (declared needs-business-logic stubs)."""
    report = workdir / "junit.xml"
    cmd = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        spec,
        "--url",
        base_url,
        "--checks",
        "all",
        "--max-examples",
        str(max_examples),
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        "--seed",
        "1",
        "--no-shrink",
        "--continue-on-failure",
        "--phases",
        "examples,coverage,fuzzing",
    ]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    for operation_id in exclude:
        cmd += ["--exclude-operation-id", operation_id]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "backend_engineer.verify.fuzz_hooks", "NO_COLOR": "1"}
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=900, check=False)
    findings, counts = _parse_junit(report, spec)
    stats: dict[str, Any] = {**counts, "exit_code": proc.returncode}
    stats["excluded_stubs"] = list(exclude)
    if proc.returncode not in (0, 1) or not report.is_file():
        findings.append(
            Finding(
                "BE400",
                Severity.BLOCKER,
                "schemathesis could not run",
                spec,
                0,
                evidence=(proc.stdout + proc.stderr)[-800:],
                category="contract-fuzzing",
                source="schemathesis",
            )
        )
    return findings, stats


def _download_contract(base: str, folder: Path) -> Path:
    """The service's own /openapi.json, for when no --spec is given."""
    url = base.rstrip("/") + "/openapi.json"
    try:
        response = httpx.get(url, timeout=10)
    except httpx.HTTPError as exc:
        raise FuzzError(f"{url}: cannot fetch the contract ({exc}); pass --spec") from None
    if response.status_code != 200:
        raise FuzzError(f"{url} answered {response.status_code}; pass --spec with the OpenAPI file")
    path = folder / "openapi.json"
    path.write_text(response.text)
    return path


APP_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def _fuzz_app(
    app_ref: str, spec: Path | None, app_dir: Path, factory: bool, max_examples: int, headers: dict[str, str], tmp: Path
) -> tuple[list[Finding], dict[str, Any]]:
    try:
        with serve_asgi(app_ref, app_dir, factory=factory) as base:
            contract = spec or _download_contract(base, tmp)
            return _schemathesis(str(contract.resolve()), base, headers, max_examples, tmp)
    except ServiceError as exc:
        raise FuzzError(str(exc)) from exc


def run_fuzz(
    target: str,
    spec: Path | None,
    *,
    max_examples: int = 20,
    headers: dict[str, str] | None = None,
    app_dir: Path | None = None,
    factory: bool = False,
) -> tuple[list[Finding], dict[str, Any]]:
    """Fuzz a generated service folder (served on loopback with an admin token minted from its bundle), any
    ASGI app given as ``module:attr`` (served by uvicorn on loopback), or a URL that is already on loopback."""
    if spec is not None and not spec.is_file():
        raise FuzzError(f"--spec {spec}: no such file; pass an OpenAPI document")
    with tempfile.TemporaryDirectory(prefix="be-fuzz-") as tmp:
        if APP_REF.match(target) and not Path(target).exists():
            findings, stats = _fuzz_app(
                target, spec, app_dir or Path.cwd(), factory, max_examples, dict(headers or {}), Path(tmp)
            )
            return sort_findings(findings), stats
        folder = Path(target)
        if folder.is_dir():
            contract = spec or folder / "docs" / "openapi.json"
            if not contract.is_file():
                raise FuzzError(f"{contract}: no contract to fuzz; pass --spec")
            try:
                with run_service(folder) as svc:
                    token = svc.token("fuzz-tenant", svc.admin_roles())
                    findings, stats = _schemathesis(
                        str(contract.resolve()),
                        svc.base_url,
                        {"Authorization": f"Bearer {token}", **(headers or {})},
                        max_examples,
                        Path(tmp),
                        tuple(sorted(declared_stubs(svc.root))),
                    )
            except ServiceError as exc:
                raise FuzzError(str(exc)) from exc
            return sort_findings(findings), stats
        if not target.startswith(("http://", "https://")):
            raise FuzzError(f"{target}: pass a service folder, an ASGI app as module:attr, or an http(s) loopback URL")
        if not _loopback(target):
            raise FuzzError(f"{target}: fuzzing targets loopback only (127.0.0.0/8, localhost, ::1)")
        contract = spec or _download_contract(target, Path(tmp))
        findings, stats = _schemathesis(str(contract.resolve()), target, dict(headers or {}), max_examples, Path(tmp))
        return sort_findings(findings), stats
