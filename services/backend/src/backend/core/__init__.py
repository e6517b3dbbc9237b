"""Settings and the composition of the backend's dependencies."""
