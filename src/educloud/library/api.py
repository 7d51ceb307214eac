"""Public Python interface of the library app."""

from __future__ import annotations

__all__: list[str] = []
