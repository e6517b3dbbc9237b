from collections.abc import AsyncIterator, Iterator

import pytest

from dapr_common import DaprClient, DaprSettings
from dapr_common.testing import FakeSidecar


@pytest.fixture
def sidecar() -> Iterator[FakeSidecar]:
    with FakeSidecar() as fake:
        yield fake


@pytest.fixture
def settings(sidecar: FakeSidecar) -> DaprSettings:
    return DaprSettings(
        dapr_http_endpoint=sidecar.url,
        dapr_api_token="tok",  # type: ignore[arg-type]
        app_api_token="app-tok",  # type: ignore[arg-type]
        dapr_timeout=2.0,
    )


@pytest.fixture
async def dapr(settings: DaprSettings) -> AsyncIterator[DaprClient]:
    async with DaprClient(settings) as client:
        yield client
