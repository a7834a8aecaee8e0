"""``GET /healthz``: is the database reachable and migrated, and which queue runs jobs."""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from oolvay.adapters.http.deps import container_of

router = APIRouter(tags=["health"])
log = structlog.get_logger(__name__)


class Health(BaseModel):
    status: str
    database: str
    queue: str
    mail: str


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(request: Request) -> JSONResponse:
    """200 when the database answers and is migrated, 503 otherwise. The details of a
    database problem go to the log, not to whoever asks."""
    container = container_of(request)
    problem = container.database_problem()
    if problem is not None:
        log.warning("Health check: database unavailable", problem=problem)
    health = Health(
        status="ok" if problem is None else "unavailable",
        database="ok" if problem is None else "unavailable",
        queue=container.queue_backend(),
        mail=container.mail_backend(),
    )
    return JSONResponse(health.model_dump(), status_code=200 if problem is None else 503)
