"""PostgreSQL: the tables (SQLModel), the engine, and the schema-version check."""
