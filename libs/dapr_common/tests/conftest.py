from collections.abc import AsyncIterator

import pytest
import respx

from dapr_common import DaprClient, DaprSettings

SIDECAR = "http://127.0.0.1:3998"


@pytest.fixture
def settings() -> DaprSettings:
    return DaprSettings(dapr_http_port=3998, dapr_api_token="tok", app_api_token="app-tok")  # type: ignore[arg-type]


@pytest.fixture
async def dapr(settings: DaprSettings) -> AsyncIterator[DaprClient]:
    async with DaprClient(settings) as client:
        yield client


@pytest.fixture
def sidecar() -> respx.MockRouter:
    with respx.mock(base_url=SIDECAR, assert_all_called=True) as router:
        yield router
