-- The golive ledger gets its own database beside Prefect's (see compose.yaml).
CREATE DATABASE golive OWNER prefect;
