"""API deviations: where the delivered service differs from the approved contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backend_engineer.spec.bundle import load_bundle
from backend_engineer.spec.openapi import HTTP_METHODS


def _ops(doc: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    out = {}
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                out[(method, path)] = {str(code) for code in (op.get("responses") or {})}
    return out


def conformance_deviations(verification: dict[str, Any] | None) -> list[str]:
    """What the conformance check saw the running service do differently from the contract."""
    for check in (verification or {}).get("checks", []):
        if check.get("name") == "conformance":
            return [f"{f['title']} [{f['code']}]" for f in check.get("findings", []) if f.get("code") != "BE445"]
    return []


def api_deviations(
    bundle_dir: Path, service_dir: Path, plan: dict[str, Any], verification: dict[str, Any] | None = None
) -> list[str]:
    deviations = conformance_deviations(verification) + [
        f"{op}: needs business logic; the route answers 501 NOT_IMPLEMENTED until its port is implemented"
        for op in plan.get("needs_business_logic", [])
    ]
    loaded = load_bundle(bundle_dir)
    served = service_dir / "docs" / "openapi.json"
    if loaded.bundle is None or loaded.bundle.api is None:
        return [*deviations, f"{bundle_dir}: the contract could not be reloaded to compare"]
    if not served.is_file():
        return [*deviations, "docs/openapi.json is missing from the delivered service; cannot compare"]
    try:
        delivered = _ops(json.loads(served.read_text()))
    except json.JSONDecodeError as exc:
        return [*deviations, f"docs/openapi.json is not valid JSON: {exc}"]
    contract = _ops(loaded.bundle.api.doc)
    for key, codes in sorted(contract.items()):
        if key not in delivered:
            deviations.append(f"{key[0].upper()} {key[1]}: in the contract but not served")
            continue
        missing = sorted(codes - delivered[key])
        if missing:
            deviations.append(
                f"{key[0].upper()} {key[1]}: responses {missing} documented in the contract "
                "are missing from the served OpenAPI"
            )
    for key in sorted(set(delivered) - set(contract)):
        deviations.append(f"{key[0].upper()} {key[1]}: served but not in the contract")
    return deviations
