"""The engine and sessions (shared plumbing from dapr_common.postgres)."""

from dapr_common.postgres import database_reachable, make_engine, session_factory

__all__ = ["database_reachable", "make_engine", "session_factory"]
