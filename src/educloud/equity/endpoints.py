"""REST endpoints of the equity app, mounted under /api/v1/equity/."""

from ninja import Router

router = Router(tags=["equity"])
