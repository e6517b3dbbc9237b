"""The backend's settings: one object, read from the environment the launcher (or the
Kubernetes Deployment) sets. Passwords and keys are not here: they come from the Dapr secret
store at start."""

from datetime import timedelta

from dapr_common.postgres import PostgresSettings


class BackendSettings(PostgresSettings):
    postgres_db: str = "todo"
    jwt_key_secret: str = "jwt-signing-key"
    token_lifetime: timedelta = timedelta(hours=1)
    # Off only to show what happens to events committed while no relay runs (tests).
    outbox_relay: bool = True
