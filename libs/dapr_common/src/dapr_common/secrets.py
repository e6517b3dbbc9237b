"""Secrets building block: one secret, or every secret the app may read."""

from urllib.parse import quote

from dapr_common.transport import Transport


class Secrets:
    """`dapr.secrets`: read through one secret store by default, any other by `store=`."""

    def __init__(self, transport: Transport, default_store: str) -> None:
        self._transport = transport
        self.default_store = default_store

    async def get(self, name: str, *, store: str | None = None) -> dict[str, str]:
        """The secret's key/value pairs (a plain secret is {name: value})."""
        response = await self._transport.request(
            "GET", f"/v1.0/secrets/{store or self.default_store}/{quote(name, safe='')}"
        )
        result: dict[str, str] = response.json()
        return result

    async def value(self, name: str, *, store: str | None = None) -> str:
        """The single value of a plain secret."""
        secret = await self.get(name, store=store)
        return secret[name] if name in secret else next(iter(secret.values()))

    async def bulk(self, *, store: str | None = None) -> dict[str, dict[str, str]]:
        """Every secret of the store this app may read (secret scopes apply)."""
        response = await self._transport.request(
            "GET", f"/v1.0/secrets/{store or self.default_store}/bulk"
        )
        result: dict[str, dict[str, str]] = response.json()
        return result
