"""PostgreSQL: the tables, the engine, and the schema-version check."""
