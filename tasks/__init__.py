"""Prefect tasks: one module per gate. Each adds retries, caching and artifacts to golive's logic."""
