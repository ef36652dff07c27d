"""The verify stage: openapi-lint, migration-check, fuzz, probe, slo-check, dep-scan, and the runner."""
