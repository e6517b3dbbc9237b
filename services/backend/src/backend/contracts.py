"""The JSON Schemas of the events the backend publishes, for consumers: `contracts/`.

`python -m backend.contracts` (re)writes them; a test fails when they drift from the events
(domain/events.py).
"""

import json
from pathlib import Path
from typing import Any

from backend.domain.events import ALL_EVENTS

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"


def json_schemas() -> dict[str, dict[str, Any]]:
    """Each topic's payload as a JSON Schema (by alias: what goes on the wire)."""
    return {
        event.topic: {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"urn:todo:events:{event.topic}:v1",
            **event.model_json_schema(by_alias=True, mode="serialization"),
        }
        for event in ALL_EVENTS
    }


def write_contracts(folder: Path = CONTRACTS) -> list[Path]:
    """(Re)write contracts/<topic>.schema.json."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for topic, schema in json_schemas().items():
        path = folder / f"{topic}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_contracts():
        print(path)
