"""Harbor: a small inventory API (users and the items they own)."""
