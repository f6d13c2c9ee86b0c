"""France: NIR, INS."""
