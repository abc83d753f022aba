"""The floor for cold start: the smallest FastAPI + Mangum + psycopg function that answers a
request with one SQL round trip. `make bench` compares every HTTP function's cold start to it."""

from __future__ import annotations

import os

import psycopg
from fastapi import FastAPI
from mangum import Mangum

app = FastAPI()
_connection: psycopg.Connection | None = None


@app.get("/{path:path}")
async def answer(path: str) -> dict[str, str]:
    global _connection
    if _connection is None:
        _connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    _connection.execute("SELECT 1")
    return {"path": path}


handler = Mangum(app, lifespan="off")
