"""The handoff report: summary, files, tests, API deviations, migration notes and commit refs."""
