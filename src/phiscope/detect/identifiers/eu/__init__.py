"""European Union-wide: IBAN."""
