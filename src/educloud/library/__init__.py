"""The library app (being built)."""
