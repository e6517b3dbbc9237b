"""notification-service: notifications and email (Dapr app-id notification-service)."""
