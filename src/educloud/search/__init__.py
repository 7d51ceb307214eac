"""The search app (being built)."""
