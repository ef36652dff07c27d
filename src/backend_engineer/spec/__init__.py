"""The spec bundle: loading, line-aware errors, Pydantic models and JSON Schemas."""
