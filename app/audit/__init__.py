"""The audit record of staff access to people's data (append-only, hash-chained)."""
