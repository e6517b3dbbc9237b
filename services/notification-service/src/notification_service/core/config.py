"""notification-service's settings; the database password comes from the Dapr secret store."""

from dapr_common.postgres import PostgresSettings


class NotificationSettings(PostgresSettings):
    postgres_db: str = "notifications"
    # The mailer (service_layer/email.py): how often it looks for mails other replicas or
    # failed tries left, the wait after a first failed try (doubling), and the tries a mail
    # gets before it is "failed".
    email_poll_seconds: float = 5.0
    email_first_backoff_seconds: float = 15.0
    email_max_attempts: int = 10
    # False: no mailer in this process (tests that drive `Mailer` themselves).
    mailer: bool = True
