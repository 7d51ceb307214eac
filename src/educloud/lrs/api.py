"""Public Python interface of the lrs app."""

from __future__ import annotations

__all__: list[str] = []
