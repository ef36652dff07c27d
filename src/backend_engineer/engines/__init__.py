"""Implement engines: the deterministic generator (default) and the LLM agent."""
