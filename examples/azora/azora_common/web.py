"""Adds GET /health, GET /metrics and request metrics to a FastAPI app."""

import time

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from sqlalchemy import text

from azora_common.db import get_engine


def add_observability(app: FastAPI, service: str) -> None:
    """Install /health, /metrics and a request counter + latency histogram on `app`."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    requests_total = Counter(
        "azora_http_requests_total",
        "HTTP requests handled.",
        ["service", "method", "path", "status"],
        registry=registry,
    )
    latency = Histogram(
        "azora_http_request_duration_seconds",
        "HTTP request latency in seconds.",
        ["service", "method", "path"],
        registry=registry,
    )

    @app.middleware("http")
    async def record_metrics(request: Request, call_next):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            path = getattr(route, "path", None) or "<unmatched>"
            elapsed = time.perf_counter() - start
            requests_total.labels(service, request.method, path, str(status)).inc()
            latency.labels(service, request.method, path).observe(elapsed)

    @app.get("/health", include_in_schema=False)
    def health() -> JSONResponse:
        try:
            with get_engine().connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse({"status": "error", "detail": "database unavailable"}, 503)
        return JSONResponse({"status": "ok"})

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
