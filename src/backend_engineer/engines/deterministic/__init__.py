"""The deterministic engine: compiles a spec bundle into a FastAPI + SQLAlchemy 2 + Alembic service."""
