"""The backend's rules as plain functions over plain data: no I/O, no framework."""
