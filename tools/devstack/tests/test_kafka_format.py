"""Kafka storage is formatted whatever the random cluster id looks like."""

import base64
import uuid
from pathlib import Path

import pytest

from devstack.ports import Ports
from devstack.stack import Stack
from devstack.topology import infra


def test_a_cluster_id_starting_with_a_dash_still_formats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dash_first = uuid.UUID(bytes=b"\xf8" + bytes(15))
    assert base64.urlsafe_b64encode(dash_first.bytes).decode().startswith("-")
    monkeypatch.setattr(infra.uuid, "uuid4", lambda: dash_first)
    kafka = infra.kafka(Stack.create(tmp_path / "run", Ports.free()))
    assert kafka.prepare is not None
    kafka.prepare()
    meta = (tmp_path / "run" / "kafka" / "data" / "meta.properties").read_text()
    assert "cluster.id=-" in meta
