"""REST endpoints of the library app, mounted under /api/v1/library/."""

from ninja import Router

router = Router(tags=["library"])
