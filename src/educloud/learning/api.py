"""Public Python interface of the learning app."""

from __future__ import annotations

__all__: list[str] = []
