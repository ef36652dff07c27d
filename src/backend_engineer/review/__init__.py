"""The review engine: AST rules (BE3xx) over FastAPI, Flask, Django and SQLAlchemy code, plus ruff."""
