"""Events the workflow engine yields. The CLI, the MCP server and the run log consume them.

The engine never prints; it yields these and consumers decide how to render them.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from typing import Any


class Status(enum.StrEnum):
    START = "start"
    INFO = "info"
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"
    ASK = "ask"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Event:
    stage: str
    status: Status
    message: str
    data: dict[str, Any] = field(default_factory=dict)
    ts: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "status": self.status.value,
            "message": self.message,
            "data": self.data,
            "ts": round(self.ts, 3),
        }
