"""Which paths the agent may read and write.

``owned`` and ``forbidden`` are repository-relative folders or glob patterns (company.config.yaml
``ownership``). Writes must land in an owned path that is not forbidden; reads anywhere in the
repository except forbidden paths. Paths are resolved first, so ``..`` and symlinks that lead out of
the repository are refused. One change may touch at most ``max_files`` files.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from backend_engineer.spec.models import CompanyConfig

ALWAYS_FORBIDDEN = (".git", ".git/**", ".env", ".env.*")
MAX_FILES_PER_CHANGE = 15


class ScopeError(PermissionError):
    """A path the policy refuses; the message says why and what is allowed."""


def _matches(rel: str, patterns: tuple[str, ...]) -> bool:
    for raw in patterns:
        pattern = raw.strip()
        pattern = pattern[2:] if pattern.startswith("./") else pattern
        if not pattern:
            continue
        if pattern in (".", "**", "*"):
            return True
        if any(ch in pattern for ch in "*?["):
            base = pattern.removesuffix("/**")
            if fnmatch.fnmatchcase(rel, pattern) or (base != pattern and (rel == base or rel.startswith(base + "/"))):
                return True
            continue
        pattern = pattern.rstrip("/")
        if rel == pattern or rel.startswith(pattern + "/"):
            return True
    return False


@dataclass
class ScopePolicy:
    root: Path
    owned: tuple[str, ...] = ("**",)
    forbidden: tuple[str, ...] = ()
    max_files: int = MAX_FILES_PER_CHANGE
    touched: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        self.forbidden = tuple(dict.fromkeys((*self.forbidden, *ALWAYS_FORBIDDEN)))
        self.owned = tuple(self.owned) or ("**",)

    @classmethod
    def from_company(cls, root: Path, company: CompanyConfig | None, max_files: int | None = None) -> ScopePolicy:
        own = company.ownership if company else None
        conv = company.conventions if company else None
        cap = min(max_files or MAX_FILES_PER_CHANGE, conv.max_files_per_change if conv else MAX_FILES_PER_CHANGE)
        return cls(root, tuple(own.owned) if own else (), tuple(own.forbidden) if own else (), cap)

    def relative(self, path: str) -> str:
        """The repository-relative POSIX path after resolving ``..`` and symlinks; refuses escapes."""
        if not path or "\x00" in path:
            raise ScopeError("empty or invalid path")
        candidate = Path(path)
        full = candidate if candidate.is_absolute() else self.root / candidate
        resolved = full.resolve()
        try:
            rel = resolved.relative_to(self.root)
        except ValueError:
            raise ScopeError(f"{path}: outside the repository {self.root} (path traversal or symlink escape)") from None
        text = PurePosixPath(rel).as_posix()
        return "." if text in ("", ".") else text

    def check_read(self, path: str) -> str:
        rel = self.relative(path)
        if rel != "." and _matches(rel, self.forbidden):
            raise ScopeError(f"{rel}: forbidden; the agent may not read it")
        return rel

    def is_writable(self, rel: str) -> bool:
        return rel != "." and _matches(rel, self.owned) and not _matches(rel, self.forbidden)

    def check_write(self, path: str) -> str:
        rel = self.relative(path)
        if _matches(rel, self.forbidden):
            raise ScopeError(f"{rel}: forbidden path; writes are refused")
        if not self.is_writable(rel):
            raise ScopeError(f"{rel}: outside the owned paths {list(self.owned)}; writes are refused")
        if rel not in self.touched and len(self.touched) >= self.max_files:
            raise ScopeError(
                f"{rel}: this change already touches {len(self.touched)} files, the limit per change is {self.max_files}"
            )
        return rel

    def record(self, rel: str) -> None:
        self.touched.add(rel)
