"""notification-service's settings; the database password comes from the Dapr secret store."""

from dapr_common.postgres import PostgresSettings


class NotificationSettings(PostgresSettings):
    postgres_db: str = "notifications"
