"""backend: the Todo API (Dapr app-id backend)."""
