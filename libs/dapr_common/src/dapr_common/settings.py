"""Where the sidecar is and which tokens guard it, read from the environment."""

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class DaprSettings(BaseSettings):
    """The sidecar's address, the two tokens of the app-sidecar pair, and call timeouts."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    app_id: str = "app"
    # DAPR_HTTP_ENDPOINT wins over host + port when set (e.g. http://127.0.0.1:3500).
    dapr_http_endpoint: str | None = None
    dapr_http_host: str = "127.0.0.1"
    dapr_http_port: int = 3500
    # Sent by the app on every call to its sidecar (header dapr-api-token).
    dapr_api_token: SecretStr | None = None
    # Sent by the sidecar on every call to the app; the app refuses calls without it.
    app_api_token: SecretStr | None = None
    # Seconds: a whole call to the sidecar, and the connect phase of it.
    dapr_timeout: float = 10.0
    dapr_connect_timeout: float = 2.0

    @property
    def sidecar_url(self) -> str:
        if self.dapr_http_endpoint:
            return self.dapr_http_endpoint.rstrip("/")
        return f"http://{self.dapr_http_host}:{self.dapr_http_port}"
