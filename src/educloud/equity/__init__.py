"""The equity app (being built)."""
