"""Belgium."""
