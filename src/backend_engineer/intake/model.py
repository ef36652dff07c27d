"""Intake items and the report that collects them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from backend_engineer import exit_codes

Kind = Literal["missing", "contradictory", "unsupported", "breaking"]
Level = Literal["blocker", "warning"]


@dataclass(frozen=True)
class IntakeItem:
    input: str
    file: str
    path: str
    kind: Kind
    message: str
    options: tuple[str, ...] = ()
    line: int = 0
    level: Level = "blocker"

    def sort_key(self) -> tuple[int, str, int, str, str]:
        return (0 if self.level == "blocker" else 1, self.file, self.line, self.path, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "file": self.file,
            "line": self.line,
            "path": self.path,
            "kind": self.kind,
            "level": self.level,
            "message": self.message,
            "options": list(self.options),
        }


@dataclass
class IntakeReport:
    bundle: str
    items: list[IntakeItem] = field(default_factory=list)
    load_errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def blockers(self) -> list[IntakeItem]:
        return [i for i in self.items if i.level == "blocker"]

    @property
    def ok(self) -> bool:
        return not self.blockers and not self.load_errors

    @property
    def exit_code(self) -> int:
        """0 when complete; 2 when a file cannot be read or is wrong; 3 when something is only missing."""
        if self.ok:
            return exit_codes.OK
        if any(err.get("kind", "invalid") != "missing" for err in self.load_errors):
            return exit_codes.BAD_INPUT
        return exit_codes.INTAKE_INCOMPLETE

    def to_dict(self) -> dict[str, Any]:
        return {
            "bundle": self.bundle,
            "status": "complete" if self.ok else "incomplete",
            "blockers": len(self.blockers) + len(self.load_errors),
            "warnings": len(self.items) - len(self.blockers),
            "load_errors": self.load_errors,
            "items": [i.to_dict() for i in self.items],
        }

    def to_markdown(self) -> str:
        lines = [f"# Intake: `{self.bundle}`", ""]
        if self.ok and not self.items:
            lines.append("**[PASS] complete**: every input is present and consistent. Nothing to ask.")
            return "\n".join(lines) + "\n"
        status = "[PASS] complete" if self.ok else "[STOP] incomplete"
        lines.append(
            f"**{status}**: {len(self.blockers) + len(self.load_errors)} blocker(s), "
            f"{len(self.items) - len(self.blockers)} warning(s). I will not guess; "
            "please decide each item below."
        )
        lines.append("")
        for err in self.load_errors:
            lines.append(
                f"- **[BLOCKER] {err['file']}:{err['line']}** `{err['field']}`: {err['message']}. Fix: {err['fix']}"
            )
        by_input: dict[str, list[IntakeItem]] = {}
        for item in self.items:
            by_input.setdefault(f"{item.input} (`{item.file}`)", []).append(item)
        for title, items in by_input.items():
            lines += [f"## {title}", ""]
            for item in items:
                where = f"{item.file}:{item.line}" if item.line else item.file
                path = f" `{item.path}`" if item.path else ""
                lines.append(f"- **[{item.level.upper()}] {item.kind}** at {where}{path}: {item.message}")
                for opt in item.options:
                    lines.append(f"  - option: {opt}")
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"
