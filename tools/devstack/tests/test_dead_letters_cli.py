"""`make dead-letters` (`devstack dead-letters`): notification-service's dead letters, asked
straight of the app with its app token, as the README's operator does."""

import json
from pathlib import Path

import httpx
import pytest
import respx

from devstack import cli


def _endpoints(run_dir: Path) -> None:
    app = {"app_url": "http://127.0.0.1:28001", "app_api_token": "the-app-token"}
    (run_dir / "endpoints.json").write_text(json.dumps({"apps": {"notification-service": app}}))


@respx.mock
def test_lists_the_pending_dead_letters_with_the_app_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _endpoints(tmp_path)
    route = respx.get("http://127.0.0.1:28001/dead-letters").mock(
        return_value=httpx.Response(200, json={"items": [], "nextCursor": None})
    )
    assert cli.main(["--run-dir", str(tmp_path), "dead-letters", "--topic", "task.completed"]) == 0
    request = route.calls.last.request
    assert request.headers["dapr-api-token"] == "the-app-token"
    assert dict(request.url.params) == {
        "pending": "true",
        "limit": "100",
        "topic": "task.completed",
    }
    assert json.loads(capsys.readouterr().out) == {"items": [], "nextCursor": None}


@respx.mock
def test_a_refusal_is_a_failure(tmp_path: Path) -> None:
    _endpoints(tmp_path)
    respx.get("http://127.0.0.1:28001/dead-letters").mock(return_value=httpx.Response(401))
    assert cli.main(["--run-dir", str(tmp_path), "dead-letters", "--all"]) == 1


def test_without_a_stack_it_says_so(tmp_path: Path) -> None:
    assert cli.main(["--run-dir", str(tmp_path), "dead-letters"]) == 1
