"""Run folders and the approvals ledger: the records that the workflow writes and the handoff reads.

This package sits below both ``workflow`` and ``handoff`` (it imports only the core), so neither
needs the other to read a run.
"""
