"""Schools of the circle and their yearly statistics (what the balanced-development standard needs)."""
