"""REST endpoints of the search app, mounted under /api/v1/search/."""

from ninja import Router

router = Router(tags=["search"])
