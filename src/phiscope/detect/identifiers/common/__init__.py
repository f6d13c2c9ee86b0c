"""Identifiers of no single country: contact details, dates of birth, cards, record numbers, IPs."""
