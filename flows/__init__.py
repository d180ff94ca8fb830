"""Prefect flows: the launch plan as a DAG, its variants, and rollback."""
