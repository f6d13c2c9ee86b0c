"""Austria."""
