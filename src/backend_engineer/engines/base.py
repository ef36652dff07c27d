"""The contract every implement engine fulfils.

An engine first *proposes* (which files it will add or change, grouped into changes, and how each
endpoint maps to a service and a data change), then *renders* exactly those files. The workflow
turns groups into atomic commits of at most ``max_files_per_change`` files, migrations first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from backend_engineer.spec.bundle import Bundle

FileKind = Literal["migration", "code", "test", "doc", "config"]


@dataclass(frozen=True)
class PlannedFile:
    path: str
    kind: FileKind
    action: Literal["add", "modify"] = "add"
    purpose: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ChangeGroup:
    """Files that belong together. ``scope`` and ``title`` make the conventional commit message."""

    key: str
    scope: str
    title: str
    files: tuple[PlannedFile, ...]
    commit_type: str = "feat"


@dataclass(frozen=True)
class EndpointMapping:
    operation_id: str
    method: str
    path: str
    service: str
    data_change: str
    status: Literal["mapped", "needs business logic"] = "mapped"
    inferred: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class EngineConflict(Exception):
    """The engine will not write without a decision: a hand-edited generated file, an unsafe migration (exit 8).

    ``files`` names what is in the way, when the engine knows.
    """

    files: Sequence[str] = ()


@dataclass(frozen=True)
class Refusal:
    """Why an engine will not handle a bundle: names the file, the field and what would work."""

    file: str
    field: str
    message: str
    fix: str

    def render(self) -> str:
        return f"{self.file} at {self.field}: {self.message}. Fix: {self.fix}"


@dataclass
class EngineProposal:
    groups: list[ChangeGroup]
    endpoints: list[EndpointMapping]
    notes: list[str] = field(default_factory=list)
    # what the migrations change, new and changed tables named apart; empty: every table is new
    schema_changes: str = ""

    @property
    def files(self) -> list[PlannedFile]:
        return [f for g in self.groups for f in g.files]


class Engine(Protocol):
    name: str

    def check_support(self, bundle: Bundle) -> list[Refusal]:
        """Empty when the engine can implement this bundle's stack; otherwise the reasons."""
        ...

    def propose(self, bundle: Bundle, repo: Path | None) -> EngineProposal:
        """The files this engine will write, grouped; ``repo`` is the existing output, if any."""
        ...

    def render(self, bundle: Bundle, proposal: EngineProposal, repo: Path | None) -> dict[str, bytes]:
        """The content of every planned file, keyed by the same relative paths as the proposal."""
        ...
