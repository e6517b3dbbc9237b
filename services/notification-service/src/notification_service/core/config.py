"""notification-service's settings; the database password comes from the Dapr secret store."""

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import URL


class NotificationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_db: str = "notifications"
    postgres_user: str = "todo"
    postgres_password_secret: str = "postgres-password"
    postgres_pool_size: int = 10

    def database_url(self, password: str) -> URL:
        return URL.create(
            "postgresql+asyncpg",
            username=self.postgres_user,
            password=password,
            host=self.postgres_host,
            port=self.postgres_port,
            database=self.postgres_db,
        )
