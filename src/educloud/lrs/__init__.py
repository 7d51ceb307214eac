"""The lrs app (being built)."""
