"""People's rights over their data: erasure (and, later, export)."""
