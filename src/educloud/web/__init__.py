"""The web shell: base layout, dashboard, county and school pages, login; and the demo/seed verbs."""
