"""docker-compose.yaml is a valid Compose file with the sidecar pattern, and the check catches
each way to break it."""

import pytest

from deploycheck import compose


def test_compose_file_is_valid_and_follows_the_sidecar_pattern() -> None:
    assert compose.check() == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("network_mode: service:backend", "network_mode: host", "exactly one daprd"),
        (
            '      - --app-port\n      - "8001"',
            '      - --app-port\n      - "8002"',
            "--app-port 8002",
        ),
        (
            "image: *dapr-image\n    command:\n      - ./sentry",
            "image: daprio/dapr:1.17.0\n    command:\n      - ./sentry",
            "pinned at",
        ),
        ("image: apache/kafka:", "image: apache/kafka:3.9.0-", "pins Kafka"),
        ("      DAPR_VERSION: ", "      DAPR_VERSION: 1.17.0-", "Dapr is pinned at"),
        ("image: todo/daprd-compose:", "image: todo/daprd-compose:1.17.0-", "Dapr is pinned at"),
        ("      - --enable-mtls\n", "", "mTLS through sentry is off"),
        (
            "    restart: on-failure\n\n  backend-dapr:",
            "    restart: on-failur\n\n  backend-dapr:",
            "not a valid Compose file",
        ),
        (
            '    ports:\n      - "8000:8000"',
            '    portz:\n      - "8000:8000"',
            "not a valid Compose file",
        ),
        (
            "      - dev-secrets\n    entrypoint: &migrate",
            "      - undeclared-secret\n    entrypoint: &migrate",
            "not a valid Compose file",
        ),
        (
            "dockerfile: services/ai-service/Dockerfile",
            "dockerfile: services/backend/Dockerfile",
            "ai-service is not built from",
        ),
    ],
)
def test_a_broken_compose_file_is_reported(old: str, new: str, expected: str) -> None:
    text = compose.compose_file().read_text()
    assert old in text, old
    errors = compose.check(text.replace(old, new, 1))
    assert any(expected in e for e in errors), errors
