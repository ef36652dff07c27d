"""The hand-written baseline: the smallest FastAPI + SQLAlchemy list/get for projects, no extras."""

from __future__ import annotations

import os
import uuid

import sqlalchemy as sa
from fastapi import FastAPI, HTTPException

engine = sa.create_engine(os.environ["DATABASE_URL"], connect_args={"check_same_thread": False})
projects = sa.Table("projects", sa.MetaData(), autoload_with=engine)
app = FastAPI()


@app.get("/v1/projects")
def list_projects(limit: int = 50) -> dict:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(projects).order_by(projects.c.created_at).limit(limit)).mappings().all()
    return {"items": [{k: str(v) for k, v in r.items()} for r in rows], "next_cursor": None}


@app.get("/v1/projects/{project_id}")
def get_project(project_id: str) -> dict:
    with engine.connect() as conn:
        row = conn.execute(sa.select(projects).where(projects.c.id == uuid.UUID(project_id))).mappings().first()
    if row is None:
        raise HTTPException(404)
    return {k: str(v) for k, v in row.items()}
