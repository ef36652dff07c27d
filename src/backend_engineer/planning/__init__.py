"""The plan: checklist, endpoint map, changes of at most N files (migrations first), self-check."""
