"""backend-engineer: turns a spec bundle into a verified backend change."""

__version__ = "0.1.0"
TOOL_NAME = "backend-engineer"
