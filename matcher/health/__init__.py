"""Liveness (``/healthz``) and readiness (``/readyz``) of the service and its dependencies."""
