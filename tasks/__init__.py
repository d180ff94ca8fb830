"""Prefect tasks: one module per gate, adding retries, caching and artifacts to golive's logic."""
