"""The learning app (being built)."""
