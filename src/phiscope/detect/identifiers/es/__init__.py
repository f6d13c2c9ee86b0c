"""Spain."""
