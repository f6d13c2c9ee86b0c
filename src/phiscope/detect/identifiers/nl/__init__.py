"""Netherlands."""
