"""Missing inputs are asked for, by file and field, before any code is written; the engine never assumes.

:func:`for_operation` checks what a "needs business logic" operation must state; :func:`for_change`
checks a free-text change request against the repository's bundle copy. The model can also stop and
ask through the ``ask_clarification`` tool; the loop turns that into the same request.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from backend_engineer.spec.bundle import Bundle, load_bundle

TYPE_WORDS = (
    "uuid",
    "string",
    "text",
    "integer",
    "int",
    "number",
    "decimal",
    "boolean",
    "bool",
    "datetime",
    "timestamp",
    "date",
    "email",
    "url",
    "json",
    "enum",
)
TYPE_SUFFIXES = {"_at": "datetime", "_on": "date", "_count": "integer", "_id": "uuid", "_url": "url", "_email": "email"}
TYPE_PREFIXES = {"is_": "boolean", "has_": "boolean"}


@dataclass(frozen=True)
class MissingInput:
    file: str
    field: str
    question: str

    def render(self) -> str:
        where = f"{self.file} at {self.field}" if self.field else self.file or "request"
        return f"{where}: {self.question}"


@dataclass
class ClarificationRequest:
    """What is missing before coding can start."""

    subject: str
    items: list[MissingInput] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.items)

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "items": [asdict(i) for i in self.items]}

    def render(self) -> str:
        return "\n".join([f"Before coding {self.subject}, I need:"] + [f"- {i.render()}" for i in self.items])


def for_operation(bundle: Bundle, operation_id: str) -> ClarificationRequest:
    req = ClarificationRequest(f"operation {operation_id}")
    api = bundle.api
    op = next((o for o in api.operations if o.operation_id == operation_id), None) if api else None
    if api is None or op is None:
        req.items.append(MissingInput("openapi.yaml", "paths", f"operation {operation_id!r} is not in the contract"))
        return req
    where = f"paths.{op.path}.{op.method}"
    raw = api.resolve(api.doc["paths"][op.path][op.method])
    if not str(raw.get("description") or "").strip():
        req.items.append(
            MissingInput("openapi.yaml", f"{where}.description", "what must this operation do (its business rules)?")
        )
    security = bundle.security.authorization if bundle.security else None
    public = set(security.public_operations) if security else set()
    if operation_id not in public and not (security and security.operations.get(operation_id)):
        req.items.append(
            MissingInput("security.yaml", f"authorization.operations.{operation_id}", "which permission guards it?")
        )
    if op.method in ("post", "put", "patch") and api.request_schema(op) is None:
        req.items.append(MissingInput("openapi.yaml", f"{where}.requestBody", "what is the request body schema?"))
    success = [c for c in (raw.get("responses") or {}) if str(c).startswith("2")]
    if not success:
        req.items.append(MissingInput("openapi.yaml", f"{where}.responses", "what does a success answer look like?"))
    return req


_ADD = re.compile(
    r"\badd\s+(?:a\s+|an\s+|the\s+)?(?:column\s+|field\s+)?`?([a-z][a-z0-9_]*)`?\s+(?:\(([^)]*)\)\s+)?"
    r"(?:column\s+|field\s+)?(?:to|on)\s+(?:the\s+)?`?([A-Za-z][A-Za-z0-9_]*)`?",
    re.I,
)


def _implied_type(name: str) -> str | None:
    for suffix, kind in TYPE_SUFFIXES.items():
        if name.endswith(suffix):
            return kind
    for prefix, kind in TYPE_PREFIXES.items():
        if name.startswith(prefix):
            return kind
    return None


def for_change(request: str, repo: Path) -> ClarificationRequest:
    req = ClarificationRequest(f"the change {request.strip()!r}")
    words = re.findall(r"[A-Za-z0-9_]+", request)
    if len(words) < 3:
        req.items.append(MissingInput("", "request", "describe the change: what to add or change, where, and why"))
        return req
    bundle_dir = repo / ".backend-engineer" / "bundle"
    bundle = load_bundle(bundle_dir).bundle if (bundle_dir / "datamodel.yaml").is_file() else None
    for match in _ADD.finditer(request):
        name, hint, target = match.group(1), (match.group(2) or ""), match.group(3)
        tail = request[match.end() : match.end() + 60].lower()
        stated = any(re.search(rf"\b{w}\b", f"{hint} {tail}".lower()) for w in TYPE_WORDS)
        if not stated and _implied_type(name) is None:
            req.items.append(
                MissingInput(
                    "datamodel.yaml",
                    f"entities.<{target}>.fields.{name}.type",
                    f"which type is {name} (one of: {', '.join(TYPE_WORDS[:12])})?",
                )
            )
        if bundle and bundle.datamodel:
            entities = bundle.datamodel.entities
            known = {e.lower(): e for e in entities} | {s.table.lower(): e for e, s in entities.items()}
            if target.lower() not in known:
                req.items.append(
                    MissingInput(
                        "datamodel.yaml",
                        "entities",
                        f"{target!r} is not an entity or table here; which one ({', '.join(sorted(entities))})?",
                    )
                )
        if re.search(r"\brequired\b|\bnot null\b", request, re.I) and not re.search(
            r"\bdefault\b|\bbackfill", request, re.I
        ):
            req.items.append(
                MissingInput(
                    "datamodel.yaml",
                    f"entities.<{target}>.fields.{name}.backfill",
                    "it is required: what value should existing rows get (default or backfill)?",
                )
            )
    return req
