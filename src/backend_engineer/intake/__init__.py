"""The intake gate: lists every missing or contradictory input, field by field, and never guesses."""
