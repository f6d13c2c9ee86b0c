"""Canada: Social Insurance Number."""
