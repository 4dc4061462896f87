"""Operating the app: metrics, request ids, readiness."""
