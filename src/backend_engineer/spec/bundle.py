"""Loading a spec bundle folder into typed models, with errors as values.

:func:`load_bundle` never raises for bad input: it returns a :class:`LoadResult` whose ``errors``
name the file, the YAML line, the field and a fix. A missing optional input is not a load error;
the intake gate reports it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from backend_engineer.spec import models
from backend_engineer.spec.openapi import ApiContract, build_contract, find_dangling_refs
from backend_engineer.spec.openapi_schema import schema_errors
from backend_engineer.spec.yamlio import LineIndex, PathKey, YamlError
from backend_engineer.spec.yamlio import load as load_yaml

BUNDLE_FILES = (
    "company.config.yaml",
    "techspec.yaml",
    "openapi.yaml",
    "datamodel.yaml",
    "security.yaml",
    "perf.yaml",
    "ops.yaml",
)
INPUT_TITLES = {
    "company.config.yaml": "CompanyConfig",
    "techspec.yaml": "TechSpec",
    "openapi.yaml": "APIContract",
    "datamodel.yaml": "DataModel",
    "security.yaml": "SecurityPolicy",
    "perf.yaml": "PerfTargets",
    "ops.yaml": "OpsGuides",
}


class MissingInput(Exception):
    """An engine was handed a bundle without an input it needs: the intake gate should have stopped it."""

    def __init__(self, root: Path, *names: str) -> None:
        super().__init__(
            f"{root}: {', '.join(names)} missing or invalid; run `backend-engineer intake {root}` and fix what it lists"
        )
        self.names = names


@dataclass(frozen=True)
class LoadError:
    file: str
    line: int
    field: str
    message: str
    fix: str
    kind: str = "invalid"

    @property
    def missing(self) -> bool:
        """A required field is absent (the bundle is incomplete) rather than wrong."""
        return self.kind == "missing"

    def render(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        at = f" at {self.field}" if self.field else ""
        return f"{where}{at}: {self.message}. Fix: {self.fix}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "fix": self.fix,
            "kind": self.kind,
        }


@dataclass
class Bundle:
    root: Path
    company: models.CompanyConfig | None = None
    techspec: models.TechSpec | None = None
    api: ApiContract | None = None
    datamodel: models.DataModel | None = None
    security: models.SecurityPolicy | None = None
    perf: models.PerfTargets | None = None
    ops: models.OpsGuides | None = None
    lines: dict[str, LineIndex] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    present: set[str] = field(default_factory=set)

    def line(self, file: str, path: PathKey) -> int:
        index = self.lines.get(file)
        return index.line_of(path) if index else 0

    @property
    def max_files_per_change(self) -> int:
        conv = self.company.conventions if self.company else None
        return conv.max_files_per_change if conv else 15

    @property
    def persona(self) -> str | None:
        if self.company and self.company.personas and self.company.personas.engineering_backend:
            return f"{self.company.personas.engineering_backend} (Backend Engineer)"
        return None

    @property
    def service_name(self) -> str:
        return self.techspec.service if self.techspec and self.techspec.service else self.root.name

    def digest(self) -> str:
        """A stable hash of the bundle's file contents."""
        h = hashlib.sha256()
        for name in BUNDLE_FILES:
            path = self.root / name
            if path.is_file():
                h.update(name.encode())
                h.update(b"\0")
                h.update(path.read_bytes())
                h.update(b"\0")
        return h.hexdigest()


@dataclass
class LoadResult:
    bundle: Bundle | None
    errors: list[LoadError]

    @property
    def ok(self) -> bool:
        return self.bundle is not None and not self.errors


def dotted(loc: tuple[Any, ...] | PathKey) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _fix_for(err: Any, model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return f"remove '{loc[-1]}' or correct its spelling; run `backend-engineer schema` to see the allowed fields"
    if kind == "missing":
        return f"add '{loc[-1]}'"
    if kind.startswith("literal_error") or kind == "enum":
        expected = err.get("ctx", {}).get("expected", "")
        return f"use one of {expected}" if expected else "use one of the allowed values"
    if kind in {"int_parsing", "int_type", "float_parsing", "float_type"}:
        return "write a number without quotes"
    if kind in {"bool_parsing", "bool_type"}:
        return "write true or false"
    if kind in {"string_type"}:
        return "write a string"
    if kind in {"list_type"}:
        return "write a YAML list, for example [a, b]"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return "write a YAML mapping (key: value)"
    if kind.startswith("greater_than") or kind.startswith("less_than"):
        return "use a value within the documented range"
    return "see `backend-engineer schema` for the expected shape"


def _validation_errors(file: str, exc: ValidationError, lines: LineIndex, model: type[BaseModel]) -> list[LoadError]:
    out = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        line_path = loc if err.get("type") != "missing" else loc[:-1]
        out.append(
            LoadError(
                file=file,
                line=lines.line_of(line_path),
                field=dotted(loc),
                message=err["msg"],
                fix=_fix_for(err, model, loc),
                kind="missing" if err.get("type") == "missing" else "invalid",
            )
        )
    return out


def _kind_of(path: Path) -> str:
    return "directory" if path.is_dir() else "special file (not a regular file)"


def load_bundle(root: Path | str) -> LoadResult:
    root = Path(root)
    if not root.is_dir():
        return LoadResult(
            None,
            [
                LoadError(
                    str(root),
                    0,
                    "",
                    "the spec bundle folder does not exist",
                    "pass the folder that holds openapi.yaml and the other inputs",
                )
            ],
        )
    bundle = Bundle(root=root)
    errors: list[LoadError] = []
    for name in BUNDLE_FILES:
        path = root / name
        rel = str(path)
        if path.exists() and not path.is_file():
            errors.append(
                LoadError(
                    rel, 0, "", f"{name} is a {_kind_of(path)}, not a file", f"replace it with the {name} YAML file"
                )
            )
            continue
        if not path.is_file():
            continue
        bundle.present.add(name)
        try:
            data, lines = load_yaml(path)
        except YamlError as exc:
            errors.append(LoadError(rel, exc.line, "", exc.message, exc.fix))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(LoadError(rel, 0, "", f"cannot read the file: {exc}", "make it readable UTF-8 text"))
            continue
        bundle.lines[name] = lines
        bundle.raw[name] = data
        if data is None:
            data = {}
        if not isinstance(data, dict):
            errors.append(
                LoadError(
                    rel,
                    1,
                    "",
                    f"the top level is a {type(data).__name__}, not a mapping",
                    "make the file a YAML mapping of keys to values",
                )
            )
            continue
        if name == "openapi.yaml":
            errors.extend(_load_openapi(bundle, rel, data, lines))
            continue
        model = models.INPUT_MODELS[name]
        try:
            instance = model.model_validate(data)
        except ValidationError as exc:
            errors.extend(_validation_errors(rel, exc, lines, model))
            continue
        attr = {
            "company.config.yaml": "company",
            "techspec.yaml": "techspec",
            "datamodel.yaml": "datamodel",
            "security.yaml": "security",
            "perf.yaml": "perf",
            "ops.yaml": "ops",
        }[name]
        setattr(bundle, attr, instance)
    return LoadResult(bundle if not errors else None, errors) if errors else LoadResult(bundle, [])


def _load_openapi(bundle: Bundle, rel: str, data: dict[str, Any], lines: LineIndex) -> list[LoadError]:
    errors = []
    version = str(data.get("openapi", ""))
    if not version.startswith("3."):
        errors.append(
            LoadError(
                rel,
                lines.line_of(("openapi",)),
                "openapi",
                f"unsupported OpenAPI version {version or '(missing)'}",
                "declare `openapi: 3.1.0` (3.0.x also works)",
            )
        )
    for ref, where in find_dangling_refs(data):
        errors.append(
            LoadError(
                rel,
                lines.line_of(where),
                dotted(where),
                f"dangling $ref {ref!r}: nothing exists at that location",
                "point the $ref at an existing component under #/components/...",
            )
        )
    if not isinstance(data.get("paths", {}), dict):
        errors.append(
            LoadError(
                rel,
                lines.line_of(("paths",)),
                "paths",
                "paths is not a mapping",
                "write paths as a mapping from URL to path item",
            )
        )
    if not errors:
        for err in schema_errors(data):
            errors.append(LoadError(rel, lines.line_of(err.path), dotted(err.path), err.message, err.fix))
    if not errors:
        bundle.api = build_contract(data, lines)
    return errors
