"""What every console area's routes module starts from (campaigns.py, programs.py,
rewards.py): its router, whose routes are the console's (`ConsoleRoute`: refusals and
missing sessions become pages), kept out of the REST API's schema."""

from __future__ import annotations

from fastapi import APIRouter

from patronage.entrypoints.web.deps import ConsoleRoute


def console_router() -> APIRouter:
    """A router for one area of the console."""
    return APIRouter(include_in_schema=False, route_class=ConsoleRoute)
