"""Use cases: each one database transaction, its outbox events, and its jobs."""
