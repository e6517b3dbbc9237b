"""The backend's settings: one object, read from the environment the launcher (or the
Kubernetes Deployment) sets. Passwords and keys are not here: they come from the Dapr secret
store at start."""

from datetime import timedelta

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import URL


class BackendSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_db: str = "todo"
    postgres_user: str = "todo"
    # Secret names in the Dapr secret store.
    postgres_password_secret: str = "postgres-password"
    postgres_pool_size: int = 10
    jwt_key_secret: str = "jwt-signing-key"
    token_lifetime: timedelta = timedelta(hours=1)
    # Off only to show what happens to events committed while no relay runs (tests).
    outbox_relay: bool = True

    def database_url(self, password: str) -> URL:
        return URL.create(
            "postgresql+asyncpg",
            username=self.postgres_user,
            password=password,
            host=self.postgres_host,
            port=self.postgres_port,
            database=self.postgres_db,
        )
