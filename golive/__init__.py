"""golive core: the launch manifest, gate logic, results, ledger and CLI, with no Prefect import."""

__version__ = "0.1.0"
