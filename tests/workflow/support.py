"""A small real engine for workflow tests: it writes an Alembic revision, code files and docs."""

from __future__ import annotations

from pathlib import Path

from backend_engineer.engines.base import (
    ChangeGroup,
    EndpointMapping,
    EngineProposal,
    PlannedFile,
    Refusal,
)
from backend_engineer.spec.bundle import Bundle

MIGRATION = '''"""create widgets

VERIFY:
- SELECT count(*) FROM widgets

OPERATIONS:
- runs in under a second on an empty table
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table("widgets", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("widgets")
'''


class FileEngine:
    """Proposes ``code_files`` code files, one migration and one doc; renders them deterministically."""

    name = "test-files"

    def __init__(self, code_files: int = 20, fail_after: int | None = None, refuse: bool = False) -> None:
        self.code_files = code_files
        self.fail_after = fail_after
        self.refuse = refuse

    def check_support(self, bundle: Bundle) -> list[Refusal]:
        if self.refuse:
            return [
                Refusal(
                    "company.config.yaml",
                    "tech_stack.framework",
                    "django is not supported",
                    "use fastapi or the llm engine",
                )
            ]
        return []

    def propose(self, bundle: Bundle, repo: Path | None) -> EngineProposal:
        code = tuple(PlannedFile(f"app/mod_{i:02d}.py", "code") for i in range(self.code_files))
        groups = [
            ChangeGroup("app", "api", "add the application modules", code),
            ChangeGroup("docs", "docs", "document the service", (PlannedFile("README.md", "doc"),), "docs"),
            ChangeGroup(
                "migrations", "db", "create the schema", (PlannedFile("migrations/versions/0001_init.py", "migration"),)
            ),
        ]
        assert bundle.api is not None
        endpoints = [
            EndpointMapping(o.operation_id, o.method, o.path, "WidgetService.handle", "none")
            for o in bundle.api.operations
        ]
        return EngineProposal(groups=groups, endpoints=endpoints)

    def render(self, bundle: Bundle, proposal: EngineProposal, repo: Path | None) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for i, f in enumerate(proposal.files):
            if self.fail_after is not None and i >= self.fail_after:
                raise KeyboardInterrupt
            if f.kind == "migration":
                out[f.path] = MIGRATION.encode()
            else:
                out[f.path] = f"# {f.path}\nVALUE = {i}\n".encode()
        return out
