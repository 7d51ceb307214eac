"""REST endpoints of the learning app, mounted under /api/v1/learning/."""

from ninja import Router

router = Router(tags=["learning"])
