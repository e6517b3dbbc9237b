import httpx
import pytest
from fastapi import FastAPI

from dapr_common.postgres import RejectNulCharacters


@pytest.fixture
def client() -> httpx.AsyncClient:
    app = FastAPI()
    app.add_middleware(RejectNulCharacters, max_body=1000)

    @app.post("/echo")
    async def echo(body: dict[str, str], q: str = "") -> dict[str, str]:
        return {**body, "q": q}

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app")


@pytest.mark.parametrize(
    ("content", "params"),
    [
        (b'{"a": "x\\u0000y"}', {}),
        (b'{"a": "x\\\\\\u0000y"}', {}),  # an escaped backslash, then the escape
        (b'{"a": "x\x00y"}', {}),
        (b'{"a": "x"}', {"q": "a\x00b"}),
    ],
)
async def test_nul_anywhere_is_422(
    client: httpx.AsyncClient, content: bytes, params: dict[str, str]
) -> None:
    answer = await client.post("/echo", content=content, params=params)
    assert answer.status_code == 422 and "NUL" in answer.json()["detail"][0]["msg"]


async def test_clean_bodies_pass_and_an_escaped_backslash_is_not_a_nul(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post(
        "/echo",
        content=b'{"a": "C:\\\\u0000dir"}',
        params={"q": "ok"},
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 200 and answer.json() == {"a": "C:\\u0000dir", "q": "ok"}


async def test_bodies_over_the_limit_are_413(client: httpx.AsyncClient) -> None:
    answer = await client.post("/echo", content=b'{"a": "' + b"x" * 2000 + b'"}')
    assert answer.status_code == 413
