"""Public Python interface of the equity app."""

from __future__ import annotations

__all__: list[str] = []
