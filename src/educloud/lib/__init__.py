"""Helpers shared by apps. Imports no educloud app (checked by import-linter)."""
