"""Public Python interface of the search app."""

from __future__ import annotations

__all__: list[str] = []
