"""ai-service: per-user activity profile and task recommendations (Dapr app-id ai-service)."""
