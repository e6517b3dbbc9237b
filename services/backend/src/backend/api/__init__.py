"""The HTTP edge: thin routers, typed dependencies, request/response schemas."""
