"""REST endpoints of the lrs app, mounted under /api/v1/lrs/."""

from ninja import Router

router = Router(tags=["lrs"])
