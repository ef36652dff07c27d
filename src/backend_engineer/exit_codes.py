"""Distinct process exit codes, so scripts and agents can tell outcomes apart."""

OK = 0
FINDINGS = 1  # a checker ran and found blocking problems
BAD_INPUT = 2  # a file could not be read, parsed or validated
INTAKE_INCOMPLETE = 3  # the spec bundle is missing or contradicts required fields
NOT_APPROVED = 4  # the plan has no valid approval, or the user declined
CANCELLED = 5  # STOP, HALT, ABORT or SIGINT
UNSUPPORTED = 6  # the requested stack or feature is not supported by this engine
VERIFY_FAILED = 7  # the generated change did not pass verification
CONFLICT = 8  # a hand-edited generated file or a breaking contract change needs a decision
