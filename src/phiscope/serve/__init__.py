"""`phiscope serve`: the web dashboard over the findings database (login, roles, remediation, JSON API)."""
