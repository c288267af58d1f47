"""The HTTP API for machine clients, plus health, readiness and metrics."""
