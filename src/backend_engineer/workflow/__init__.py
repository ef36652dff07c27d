"""The workflow engine: intake → plan → authorize → implement → verify → review → handoff."""
