"""The daily maintenance run by hand and its log; manual award processing (W5)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from patronage.entrypoints.api import present
from patronage.entrypoints.api import schemas as s
from patronage.entrypoints.api.deps import Manager, OneHop, Service
from patronage.entrypoints.api.routes.customers import with_user
from patronage.service import inputs as i
from patronage.service import listing

router = APIRouter(prefix="/v1", tags=["operations"], route_class=OneHop)
ProgramId = Annotated[str, Path(min_length=1, max_length=100)]


@router.post("/maintenance-runs", response_model=s.MaintenanceOut, status_code=201)
def run_maintenance(svc: Service, key: Manager, body: i.MaintenanceIn | None = None) -> Any:
    data = with_user(body.model_dump(exclude_unset=True) if body else {}, key)
    done = svc.run_maintenance(data)
    return {"message": done.message, "summary": done.data}


@router.get("/maintenance-runs", response_model=s.RunPage, summary="Runs, newest first")
def list_runs(svc: Service, _: Manager, limit: Annotated[int, Query(ge=1, le=500)] = 50,
              after: Annotated[str | None, Query(max_length=500)] = None) -> Any:
    items, nxt = listing.maintenance_runs(svc, limit, present.uncursor(after, int))
    return present.page(items, nxt)


@router.post("/programs/{program_id}/award-processing",
             response_model=s.AwardPreviewOut | s.AwardCommitOut,
             summary="Manual award processing: preview who qualifies, then commit")
def award_processing(program_id: ProgramId, body: s.AwardProcessingBody, svc: Service,
                     key: Manager) -> Any:
    data = with_user(body.model_dump(exclude_unset=True, exclude={"commit"}), key)
    data["program"] = program_id
    if not body.commit:
        rows = svc.preview_awards(data)
        return {"commit": False, "customers": rows}
    done = svc.process_awards(data)
    return {"commit": True, "message": done.message, **done.data}
